from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from embassy.listening.triage import can_see_triage


def listening(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """CAN_TRIAGE: whether the console shows the distress triage link (evaluated only when a template asks)."""
    return {"CAN_TRIAGE": lambda: can_see_triage(getattr(request, "user", None))}
