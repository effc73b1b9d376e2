"""What other apps add to the citizen's home page. Citizens sits below sos and crises, so the home view cannot
import them: they register a context function here from their AppConfig.ready (sos: the SOS button and its
hotline; crises: an open roll-call's "are you safe?" question), and the home view merges what each returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

HomeContext = Callable[[Any], Mapping[str, object]]
_HOME: list[HomeContext] = []


def home_panel_add(context: HomeContext) -> None:
    """Register `context(user)`, called for a signed-in citizen's home page."""
    _HOME.append(context)


def home_panels_context(user: Any) -> dict[str, object]:
    merged: dict[str, object] = {}
    for context in _HOME:
        merged.update(context(user))
    return merged
