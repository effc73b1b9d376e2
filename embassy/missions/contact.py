"""The number a citizen should call for a mission: its own hotline, or — where it has none — the
headquarters' citizen-protection hotline, flagged so that every page and the API can say so."""

from __future__ import annotations

import time
from dataclasses import dataclass

from embassy.missions.models import Mission

_CACHE_SECONDS = 60.0
_hq: list[tuple[float, str]] = []


@dataclass(frozen=True, slots=True)
class Hotline:
    number: str  # "" only when neither the mission nor headquarters lists one
    fallback: bool  # True: the mission has no hotline; `number` is headquarters'


def hq_hotline() -> str:
    """Headquarters' hotline (cached for a minute: it changes a few times a year)."""
    now = time.monotonic()
    if not _hq or now - _hq[0][0] > _CACHE_SECONDS:
        number = Mission.objects.filter(kind=Mission.Kind.HQ, active=True).values_list("hotline", flat=True).first()
        _hq[:] = [(now, number or "")]
    return _hq[0][1]


def hotline_for(mission: Mission) -> Hotline:
    if mission.hotline or mission.is_hq:
        return Hotline(mission.hotline, False)
    return Hotline(hq_hotline(), True)
