"""What a crisis zone reaches, and the zone of several feed events.

- `countries_touched(crisis)`: every country whose Natural Earth boundary the zone touches, plus its whole
  countries (exact polygon intersection; a circle is its 128-gon). The CAP alert's geocodes.
- `zone_missions(crisis)`: the missions responsible for the zone's parts: the routing of points spread over
  the zone (the centres of its H3 covering cells inside it, its edge and its centre), plus every mission with
  a jurisdiction in its whole countries. Crisis powers follow it (crises.powers). A sliver of a country
  thinner than the covering cells (about an eighth of the zone's size) can be missed; that is the price
  of asking the router, which knows subdivisions and the sea, instead of the boundaries.
- `union_zone(...)`: the union of feed events' circles (and an officer's polygon) as one GeoJSON geometry.
- `overlaps(crisis, lat, lon, radius_km)`: whether an event's circle meets a crisis's zone.

Geometry is planar in longitude/latitude with longitudes unwrapped around a reference meridian, the way
zone.py reads polygons; a circle's vertices lie on the great circle of its radius.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from h3.api import basic_int as h3i
from shapely.affinity import translate
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon as ShapelyPolygon

from embassy.crises.zone import MAX_VERTICES, clean_polygon, zone_of
from embassy.geo.boundaries import country_at
from embassy.geo.distance import EARTH_RADIUS_KM, haversine_km
from embassy.geo.naturalearth import load_features
from embassy.missions.models import Jurisdiction
from embassy.missions.routing import get_router

CIRCLE_VERTICES = 64
EXACT_VERTICES = 128
EDGE_SAMPLES = 64


def _wrap(lon: float, ref: float) -> float:
    """`lon` shifted by ±360 to lie within 180° of `ref`."""
    return (lon - ref + 180.0) % 360.0 - 180.0 + ref


def circle_ring(lat: float, lon: float, radius_km: float, *, ref: float | None = None,
                n: int = CIRCLE_VERTICES) -> list[tuple[float, float]]:
    """The circle's edge as (lon, lat) vertices (not closed), longitudes unwrapped around `ref` (default: the
    centre's longitude)."""
    ref = lon if ref is None else ref
    d = radius_km / EARTH_RADIUS_KM
    la1, lo1 = math.radians(lat), math.radians(lon)
    points = []
    for i in range(n):
        b = 2 * math.pi * i / n
        la2 = math.asin(math.sin(la1) * math.cos(d) + math.cos(la1) * math.sin(d) * math.cos(b))
        lo2 = lo1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(la1), math.cos(d) - math.sin(la1) * math.sin(la2))
        points.append((_wrap(math.degrees(lo2), ref), math.degrees(la2)))
    return points


def _circle_shape(lat: float, lon: float, radius_km: float, ref: float, n: int = CIRCLE_VERTICES) -> Any:
    return ShapelyPolygon(circle_ring(lat, lon, radius_km, ref=ref, n=n))


def _polygon_parts(geometry: dict[str, Any], ref: float) -> list[Any]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else list(geometry["coordinates"])
    out = []
    for rings in polys:
        own = float(rings[0][0][0])  # each part is drawn around its own first vertex (zone.py)
        shift = _wrap(own, ref) - own
        out.append(ShapelyPolygon([(x + shift, y) for x, y, *_r in rings[0]],
                                  [[(x + shift, y) for x, y, *_r in ring] for ring in rings[1:]]))
    return out


def zone_shapes(crisis: Any, ref: float, n: int = CIRCLE_VERTICES) -> list[Any]:
    """The zone's geometry (polygon parts, or the circle) unwrapped around `ref`; [] for whole countries."""
    if crisis.polygon:
        return _polygon_parts(crisis.polygon, ref)
    if crisis.lat is not None and crisis.lon is not None and crisis.radius_km:
        return [_circle_shape(crisis.lat, crisis.lon, crisis.radius_km, ref, n)]
    return []


# --- Countries --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _country_tree() -> tuple[Any, tuple[str, ...]]:
    features = load_features()
    return shapely.STRtree(features.geometries), tuple(features.codes)


def _on_the_map(shape: Any) -> list[Any]:
    """The pieces of an unwrapped shape, moved back within longitudes −180…180."""
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        part = shape.intersection(window)
        if not part.is_empty:
            pieces.append(translate(part, xoff=shift))
    return pieces


def countries_touched(crisis: Any) -> list[str]:
    """ISO alpha-2 codes of every country the zone touches, with its whole countries; sorted."""
    codes = {c for c in (crisis.countries or []) if c}
    ref = float(crisis.lon) if crisis.lon is not None else 0.0
    shapes = zone_shapes(crisis, ref, EXACT_VERTICES)
    if shapes:
        tree, names = _country_tree()
        for shape in shapes:
            for piece in _on_the_map(shape):
                codes.update(names[int(i)] for i in tree.query(piece, predicate="intersects"))
    return sorted(codes)


# --- Missions ---------------------------------------------------------------------------------------------------
def _sample_points(crisis: Any) -> list[tuple[float, float]]:
    zone = zone_of(crisis)
    if zone is None:
        return []
    cells = zone.cover()
    centres = np.array([h3i.cell_to_latlng(c) for c in cells], dtype=float).reshape(-1, 2)
    points = [(float(la), float(lo)) for la, lo in centres[zone.contains_many(centres[:, 0], centres[:, 1])]]
    ref = float(crisis.lon) if crisis.lon is not None else 0.0
    for shape in zone_shapes(crisis, ref, EDGE_SAMPLES):
        points += [(float(y), _wrap(float(x), 0.0)) for x, y in list(shape.exterior.coords)[:-1]]
    if crisis.lat is not None and crisis.lon is not None:
        points.append((float(crisis.lat), float(crisis.lon)))
    return [(la, lo) for la, lo in points if -90.0 <= la <= 90.0]


def zone_missions(crisis: Any) -> set[int]:
    """Ids of the missions responsible for some part of the zone (see the module's docstring)."""
    router = get_router()
    ids = {router.route(la, lo).mission_id for la, lo in _sample_points(crisis)}
    codes = [c for c in (crisis.countries or []) if c]
    if codes:
        listed = set(Jurisdiction.objects.filter(country_id__in=codes, mission__active=True)
                     .values_list("mission_id", flat=True))
        ids |= listed
        served = set(Jurisdiction.objects.filter(country_id__in=codes, mission__active=True)
                     .values_list("country_id", flat=True))
        ids |= {router.route_country(c)[0] for c in codes if c not in served}
    return ids


# --- Sequences of feed events -------------------------------------------------------------------------------------
def overlaps(crisis: Any, lat: float, lon: float, radius_km: float) -> bool:
    """Whether the circle meets the crisis's zone (its geometry, or a country of its whole countries)."""
    if crisis.polygon:
        circle = _circle_shape(lat, lon, radius_km, lon)
        if any(part.intersects(circle) for part in _polygon_parts(crisis.polygon, lon)):
            return True
    elif crisis.lat is not None and crisis.lon is not None and crisis.radius_km and \
            haversine_km(lat, lon, crisis.lat, crisis.lon) <= radius_km + crisis.radius_km:
        return True
    codes = set(crisis.countries or [])
    if codes:
        points = [(lat, lon)] + [(y, _wrap(x, 0.0)) for x, y in circle_ring(lat, lon, radius_km, n=32)]
        return any(country_at(la, lo) in codes for la, lo in points if -90.0 <= la <= 90.0)
    return False


def _to_geojson(shape: Any) -> dict[str, Any]:
    polys = [shape] if isinstance(shape, ShapelyPolygon) else [g for g in getattr(shape, "geoms", [])
                                                               if isinstance(g, ShapelyPolygon)]
    # Holes are filled: people between the circles of one disaster are affected too.
    parts = [[[[float(x), float(y)] for x, y in p.exterior.coords]] for p in polys if not p.is_empty]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def _vertices(shape: Any) -> int:
    polys = [shape] if isinstance(shape, ShapelyPolygon) else list(getattr(shape, "geoms", []))
    return sum(len(p.exterior.coords) for p in polys if isinstance(p, ShapelyPolygon))


def union_zone(circles: list[tuple[float, float, float]], *, ref: float,
               base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The union of circles (lat, lon, radius_km) and an optional GeoJSON polygon, as a clean GeoJSON
    Polygon or MultiPolygon. Raises BadInput when that cannot be drawn as a polygon (a pole inside)."""
    shapes = [_circle_shape(la, lo, r, ref) for la, lo, r in circles]
    if base:
        shapes += _polygon_parts(base, ref)
    union = shapely.union_all(shapes)
    if isinstance(union, MultiPolygon | ShapelyPolygon):
        union = shapely.Polygon(union.exterior) if isinstance(union, ShapelyPolygon) else MultiPolygon(
            [shapely.Polygon(p.exterior) for p in union.geoms])
    tolerance = 0.005
    while _vertices(union) > MAX_VERTICES * 3 // 4:  # many circles: fewer vertices, ~0.5 km steps first
        union = union.simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    return clean_polygon(_to_geojson(union))


def covering_circle(centre: tuple[float, float], circles: list[tuple[float, float, float]],
                    max_radius_km: float) -> float:
    """The radius of the circle around `centre` that contains every circle (capped)."""
    reach = max((haversine_km(centre[0], centre[1], la, lo) + r for la, lo, r in circles), default=0.0)
    return min(reach, max_radius_km)
