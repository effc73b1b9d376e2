from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from embassy.social.selectors import can_see_social


def social(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """CAN_SOCIAL: whether the console shows the social-media link (evaluated only when a template asks)."""
    return {"CAN_SOCIAL": lambda: can_see_social(getattr(request, "user", None))}
