from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": "Smart Embassy", "DEBUG": settings.DEBUG, "MAP_TILE_URL": settings.MAP_TILE_URL}
