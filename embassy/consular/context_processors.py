from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from embassy.missions.models import Role
from embassy.missions.selectors import scope_for

MANAGERS = frozenset({Role.CONSULAR_OFFICER, Role.HEAD_OF_CONSULAR, Role.HEAD_OF_MISSION, Role.ADMINISTRATOR})


def consular(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """CAN_CONSULAR: whether the console shows the service-catalogue link (the user's scope only, no query)."""
    return {"CAN_CONSULAR": lambda: bool(scope_for(getattr(request, "user", None)).roles & MANAGERS)}
