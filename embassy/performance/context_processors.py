from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from embassy.missions.selectors import scope_for


def casework(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """CAN_CASEWORK: whether the console shows complaints and shelters (staff who read personal data);
    IS_HQ: the missions' league table. Both from the user's scope only, evaluated when a template asks."""
    return {"CAN_CASEWORK": lambda: scope_for(getattr(request, "user", None)).personal_data,
            "IS_HQ": lambda: scope_for(getattr(request, "user", None)).is_hq}
