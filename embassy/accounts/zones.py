"""Which clock a page reads its times on (the zone given to `{% when %}` and `local_label`).

- An officer reads the time of the mission they act for (the console's current mission); at headquarters,
  and on headquarters-wide pages (advisories, audit log, outbox), headquarters' time (Asia/Jakarta, WIB).
- A citizen reads the time of the place of their stay; without one, headquarters' time.
- A public page about a country (the same for every visitor, kept offline by the service worker) reads
  that country's time (of its biggest city, for a country with several zones).
Stored times stay UTC; `{% when %}` shows UTC on hover."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from embassy.geo.gazetteer import timezone_at
from embassy.missions.models import Mission
from embassy.missions.views import current_mission

HQ_ZONE = "Asia/Jakarta"  # headquarters' zone when no headquarters is loaded (a fresh database)


def hq_zone() -> str:
    """Headquarters' zone (that of the HQ unit in the mission data)."""
    found = Mission.objects.filter(kind=Mission.Kind.HQ).values_list("timezone", flat=True).first()
    return found or HQ_ZONE


def console_zone(request: HttpRequest) -> str:
    """The zone of the mission the officer acts for (headquarters: WIB)."""
    mission = current_mission(request)
    return mission.timezone if mission is not None and mission.timezone else hq_zone()


def stay_zone(stay: Any) -> str:
    """The zone at a stay: of its place when it has a position (the nearest town's, in its country), else
    of its mission."""
    if getattr(stay, "lat", None) is not None and getattr(stay, "lon", None) is not None:
        found = timezone_at(stay.lat, stay.lon, getattr(stay, "country_id", None))
        if found and found != "UTC":
            return found
    mission = getattr(stay, "mission", None)
    return mission.timezone if mission is not None and mission.timezone else hq_zone()


def country_zone(code: str) -> str:
    """The zone of a country's biggest city ("UTC" for a country without towns in the gazetteer)."""
    return timezone_at(None, None, code)
