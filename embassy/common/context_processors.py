from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _can_read_outbox(request: HttpRequest) -> bool:
    from embassy.notify.selectors import can_read_log

    return can_read_log(getattr(request, "user", None))


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": "Smart Embassy", "DEBUG": settings.DEBUG, "MAP_TILE_URL": settings.MAP_TILE_URL,
            # evaluated only by templates that ask (the console menu)
            "CAN_READ_OUTBOX": lambda: _can_read_outbox(request)}
