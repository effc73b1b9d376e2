from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from embassy.social.selectors import social_units_for


def social(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """CAN_SOCIAL: whether the console shows the social-media link (evaluated only when a template asks)."""
    def can() -> bool:
        every, units = social_units_for(getattr(request, "user", None))
        return every or bool(units)
    return {"CAN_SOCIAL": can}
