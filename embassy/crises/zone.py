"""A crisis zone — a circle, a polygon or whole countries — and how to find who is inside with H3.

The coarse filter: the zone is covered with H3 cells at a resolution chosen from its size (a few hundred to
a few thousand cells), found by walking the H3 grid outwards from the zone (so it works across the
antimeridian and around the poles, where latitude/longitude boxes break). Every stored position carries
its res-9 cell (geo.h3cells.STAY_RES), and the res-9 descendants of any coarser cell are one contiguous range
of 64-bit integers, so each covering cell becomes one index range scan `cell BETWEEN lo AND hi` — the same
query on SQLite and PostgreSQL. The exact test (great-circle distance, or point in polygon) then runs on
the few candidates.

A cell's descendants reach slightly beyond its hexagon (H3's hierarchy is not an exact nesting: at most
~5 % of the circumradius, measured), so a cell is kept when it comes within 1.25 circumradii of the
zone. Keeping a cell too many only costs a candidate that the exact test drops.

Polygons are GeoJSON (RFC 7946) Polygon or MultiPolygon geometries in longitude/latitude, read as drawn on
the map: straight edges in longitude/latitude. A polygon may cross the antimeridian (longitudes beyond
±180 as the map draws them, or split in two parts as RFC 7946 asks); it may not contain a pole.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from h3.api import basic_int as h3i
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry import shape
from shapely.prepared import prep

from embassy.common.errors import BadInput
from embassy.geo.distance import EARTH_RADIUS_KM, haversine_km, haversine_km_many
from embassy.geo.h3cells import STAY_RES, descendant_range

MAX_COVER_CELLS = 20_000
MAX_VERTICES = 2_000


def merged_ranges(cells: list[int], res: int = STAY_RES) -> list[tuple[int, int]]:
    """The cells' descendant ranges, sorted, overlapping ones merged."""
    ranges = sorted(descendant_range(c, res) for c in cells)
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _circumradius_km(cell: int, center: tuple[float, float]) -> float:
    return max(haversine_km(center[0], center[1], lat, lon) for lat, lon in h3i.cell_to_boundary(cell))


def _resolution_for(radius_km: float) -> int:
    """The finest resolution (≤ STAY_RES) at which the zone needs a few hundred cells at most: fewer,
    larger cells mean fewer index ranges to scan, at the price of more candidates for the exact test."""
    for res in range(STAY_RES, -1, -1):
        if radius_km / h3i.average_hexagon_edge_length(res, unit="km") <= 8:
            return res
    return 0


def _walk(seeds: set[int], keep: Any) -> list[int]:
    """Every cell reachable from the seeds through neighbours for which keep(cell, centre, circumradius)."""
    seen = set(seeds)
    queue = deque(seeds)
    kept: list[int] = []
    while queue:
        cell = queue.popleft()
        center = h3i.cell_to_latlng(cell)
        if not keep(cell, center, _circumradius_km(cell, center)):
            continue
        kept.append(cell)
        if len(kept) > MAX_COVER_CELLS:
            raise BadInput(_("The zone is too large."), field="zone")
        for nb in h3i.grid_disk(cell, 1):
            if nb not in seen:
                seen.add(nb)
                queue.append(nb)
    return kept


def _unwrap(lons: np.ndarray, ref: float) -> np.ndarray:
    """Longitudes shifted by ±360 to lie within 180° of `ref`."""
    return (lons - ref + 180.0) % 360.0 - 180.0 + ref


@dataclass
class Zone:
    """A zone to test points against. Build with Zone.circle / Zone.polygon / Zone.countries."""

    kind: str  # circle | polygon | countries
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    geometry: dict[str, Any] | None = None
    codes: tuple[str, ...] = ()
    _parts: list[tuple[Any, Any, float]] = field(default_factory=list, repr=False)  # (shape, prepared, ref lon)
    _ranges: list[tuple[int, int]] | None = field(default=None, repr=False)

    # --- construction -------------------------------------------------------------------------------------
    @classmethod
    def circle(cls, lat: float, lon: float, radius_km: float) -> Zone:
        return cls("circle", lat=float(lat), lon=float(lon), radius_km=float(radius_km))

    @classmethod
    def polygon(cls, geometry: dict[str, Any]) -> Zone:
        clean = clean_polygon(geometry)
        zone = cls("polygon", geometry=clean)
        for rings in _polygons_of(clean):
            ref = float(rings[0][0][0])
            unwrapped = [[(float(_unwrap(np.array([x]), ref)[0]), float(y)) for x, y in ring] for ring in rings]
            poly = ShapelyPolygon(unwrapped[0], unwrapped[1:])
            zone._parts.append((poly, prep(poly), ref))
        return zone

    @classmethod
    def countries(cls, codes: list[str]) -> Zone:
        return cls("countries", codes=tuple(sorted({c.upper() for c in codes})))

    # --- exact test ---------------------------------------------------------------------------------------
    def contains_many(self, lats: Any, lons: Any) -> np.ndarray:
        """Boolean array: which points lie inside (circle: great-circle distance; polygon: point in polygon)."""
        la = np.asarray(lats, dtype=float)
        lo = np.asarray(lons, dtype=float)
        if self.kind == "circle":
            assert self.lat is not None and self.lon is not None and self.radius_km is not None
            return haversine_km_many(self.lat, self.lon, la, lo) <= self.radius_km
        if self.kind == "polygon":
            inside = np.zeros(la.shape, dtype=bool)
            for poly, _prepared, ref in self._parts:
                inside |= shapely.contains_xy(poly, _unwrap(lo, ref), la)
                # A point exactly on the edge counts as inside (contains_xy says no).
                edge = ~inside
                if edge.any():
                    inside[edge] |= shapely.intersects_xy(poly, _unwrap(lo[edge], ref), la[edge])
            return inside
        raise ValueError("a country zone has no geometry")

    # --- coarse filter ------------------------------------------------------------------------------------
    def cover(self) -> list[int]:
        """H3 cells (one resolution) whose res-9 descendants include every res-9 cell a point inside can have."""
        if self.kind == "circle":
            return self._cover_circle()
        if self.kind == "polygon":
            return self._cover_polygon()
        raise ValueError("a country zone has no geometry")

    def _cover_circle(self) -> list[int]:
        assert self.lat is not None and self.lon is not None and self.radius_km is not None
        lat, lon, radius = self.lat, self.lon, self.radius_km
        res = _resolution_for(radius)

        def keep(_cell: int, center: tuple[float, float], circum: float) -> bool:
            return haversine_km(lat, lon, center[0], center[1]) <= radius + 1.25 * circum + 0.01

        return _walk({h3i.latlng_to_cell(lat, lon, res)}, keep)

    def _cover_polygon(self) -> list[int]:
        assert self.geometry is not None
        seeds_points: list[tuple[float, float]] = []
        radius = 0.0
        for rings in _polygons_of(self.geometry):
            ring = rings[0]
            c_lat = sum(y for _x, y in ring) / len(ring)
            c_lon = float(ring[0][0])
            for x, y in ring:
                seeds_points.append((float(y), float(x)))
                radius = max(radius, haversine_km(c_lat, c_lon, float(y), float(x)))
        res = _resolution_for(max(radius, 1.0))
        seeds = {h3i.latlng_to_cell(la, ((lo + 180.0) % 360.0) - 180.0, res) for la, lo in seeds_points}

        def keep(_cell: int, center: tuple[float, float], circum: float) -> bool:
            reach_deg = math.degrees((1.25 * circum + 0.01) / EARTH_RADIUS_KM)
            for _poly, prepared, ref in self._parts:
                x = float(_unwrap(np.array([center[1]]), ref)[0])
                # degrees of longitude shrink towards the poles: widen the box accordingly
                widen = reach_deg / max(math.cos(math.radians(min(89.9, abs(center[0]) + reach_deg))), 1e-3)
                probe = shapely.box(x - widen, center[0] - reach_deg, x + widen, center[0] + reach_deg)
                if prepared.intersects(probe):
                    return True
            return False

        return _walk(seeds, keep)

    def ranges(self) -> list[tuple[int, int]]:
        """The coarse filter as merged ranges of res-9 cell integers (cells compacted to their parents
        where all seven children are in). Computed once per zone."""
        if self._ranges is None:
            self._ranges = merged_ranges([int(c) for c in h3i.compact_cells(self.cover())])
        return self._ranges

    def describe(self) -> dict[str, Any]:
        if self.kind == "circle":
            return {"type": "circle", "lat": self.lat, "lon": self.lon, "radius_km": self.radius_km}
        if self.kind == "polygon":
            return {"type": "polygon", "geometry": self.geometry}
        return {"type": "countries", "countries": list(self.codes)}


def _polygons_of(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def _clean_ring(ring: Any, bad: BadInput) -> list[list[float]]:
    """One ring as closed [lon, lat] floats; BadInput for booleans, fewer than three points, impossible
    coordinates or a pole."""
    if any(isinstance(v, bool) for p in ring for v in p[:2]):
        raise bad  # true/false would read as 1.0/0.0
    pts = [[float(p[0]), float(p[1])] for p in ring]
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    if len(pts) < 4:
        raise bad
    for x, y in pts:
        if not (math.isfinite(x) and math.isfinite(y)) or abs(y) > 89.0 or abs(x) > 540.0:
            raise BadInput(_("The polygon has impossible coordinates (or reaches a pole)."), field="polygon")
    return pts


def _check_shape(rings: list[list[list[float]]]) -> None:
    """The outer ring, unwrapped across the antimeridian, must not cross itself nor span over 180°."""
    ref = rings[0][0][0]
    poly = ShapelyPolygon([(float(_unwrap(np.array([x]), ref)[0]), y) for x, y in rings[0]])
    if not poly.is_valid or poly.area <= 0:
        raise BadInput(_("The polygon's edges cross each other; draw it again."), field="polygon")
    if poly.bounds[2] - poly.bounds[0] > 180:
        raise BadInput(_("The zone is too large."), field="polygon")


def clean_polygon(geometry: Any) -> dict[str, Any]:
    """Validate a GeoJSON Polygon/MultiPolygon (lon/lat). Raises BadInput with a message people understand."""
    bad = BadInput(_("Draw the zone as a polygon of at least three points."), field="polygon")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise bad
    try:
        polys = _polygons_of(geometry)
        clean: list[list[list[list[float]]]] = []
        vertices = 0
        for rings in polys:
            out_rings = []
            for ring in rings:
                pts = _clean_ring(ring, bad)
                vertices += len(pts)
                out_rings.append(pts)
            if not out_rings:
                raise bad
            clean.append(out_rings)
        if vertices > MAX_VERTICES:
            raise BadInput(_("The polygon has too many points."), field="polygon")
        if not clean:
            raise bad
        for rings in clean:
            _check_shape(rings)
    except (TypeError, ValueError, IndexError, KeyError):
        raise bad from None
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": clean[0]}
    return {"type": "MultiPolygon", "coordinates": clean}


def zone_of(crisis: Any) -> Zone | None:
    """The zone of a crisis (its polygon, else its circle); None when it has neither (country only)."""
    if crisis.polygon:
        return Zone.polygon(crisis.polygon)
    if crisis.lat is not None and crisis.lon is not None and crisis.radius_km:
        return Zone.circle(crisis.lat, crisis.lon, crisis.radius_km)
    return None


def shape_of(geometry: dict[str, Any]) -> Any:
    return shape(geometry)
