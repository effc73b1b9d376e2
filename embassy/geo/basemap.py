"""The offline basemap's city names: Natural Earth 1:10m populated places (public domain), served in tiles.

The data is `data/basemap/places.csv` (7,343 places; made by data/basemap/build_places.py, see docs/data.md).
A map asks for the tiles that cover its view at tile zoom `z` = map zoom − 2 (so one tile spans 4×4 screen
tiles and a desktop map needs 2–6 requests), in the Web Mercator grid every slippy map uses. A tile holds the
places inside it whose `min_zoom` (Natural Earth's suggested first zoom for the label) is at most z + 3: the
capitals at world view, towns only when zoomed in. The page drops labels that would overlap (largest place
first), so a tile may hold more than is shown.

Invariants: tiles are pure functions of (z, x, y) and the data file, so they are cached for a day and carry an
ETag derived from the file's hash; x wraps around the antimeridian; z is clamped to MAX_ZOOM (past it, every
place is in).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry
from django.conf import settings

from embassy.geo.naturalearth import load_features

MAX_ZOOM = 10  # tile zoom: at map zoom 12 (a city) every place of the file is in its tile
ZOOM_AHEAD = 3  # a tile of zoom z holds the places with min_zoom <= z + 3 (map zoom z + 2, and one ahead)


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    name_en: str  # "" when the same as name
    country: str  # ISO 3166-1 alpha-2, "" for the few places without one
    lat: float
    lon: float
    min_zoom: float
    rank: int  # Natural Earth's scalerank: 0 = most important
    population: int
    capital: bool


def places_path() -> Path:
    return Path(settings.DATA_DIR) / "basemap" / "places.csv"


@lru_cache(maxsize=1)
def labels() -> tuple[Label, ...]:
    """Every place of the file, in the file's order (by min_zoom, then population: the order of placing)."""
    with places_path().open(encoding="utf-8", newline="") as fh:
        return tuple(
            Label(name=r["name"], name_en=r["name_en"], country=r["country"], lat=float(r["lat"]),
                  lon=float(r["lon"]), min_zoom=float(r["min_zoom"]), rank=int(r["rank"]),
                  population=int(r["population"]), capital=r["capital"] == "1")
            for r in csv.DictReader(fh)
        )


@lru_cache(maxsize=1)
def data_hash() -> str:
    """Identity of the label data: names the ETag of every tile."""
    return hashlib.sha256(places_path().read_bytes()).hexdigest()[:16]


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of Web Mercator tile z/x/y."""
    n = 2 ** z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


class BadTile(ValueError):
    """A tile address outside the grid."""


def normalise(z: int, x: int, y: int) -> tuple[int, int, int]:
    """The tile's address with x wrapped around the antimeridian; raises BadTile for z or y out of range."""
    if not 0 <= z <= 22:
        raise BadTile(z)
    if z > MAX_ZOOM:  # the MAX_ZOOM tile that contains it (past it every place is in)
        shift = z - MAX_ZOOM
        z, x, y = MAX_ZOOM, x >> shift, y >> shift
    n = 2 ** z
    if not 0 <= y < n:
        raise BadTile(y)
    return z, x % n, y


def labels_in_tile(z: int, x: int, y: int) -> list[Label]:
    """The places of tile z/x/y (already normalised) that a map at zoom z + 2 may label, in placing order."""
    west, south, east, north = tile_bounds(z, x, y)
    limit = math.inf if z >= MAX_ZOOM else z + ZOOM_AHEAD
    return [p for p in labels()
            if p.min_zoom <= limit and west <= p.lon < east and south <= p.lat < north]


def tile_geojson(z: int, x: int, y: int) -> bytes:
    """RFC 7946 FeatureCollection of the tile's places (coordinates as in the file: 4 decimals)."""
    features = []
    for p in labels_in_tile(z, x, y):
        props: dict[str, object] = {"name": p.name, "rank": p.rank, "min_zoom": p.min_zoom}
        if p.name_en:
            props["name_en"] = p.name_en
        if p.capital:
            props["capital"] = True
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                         "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode()


# --- country outlines in detail, for maps zoomed in past LAND_MIN_ZOOM -----------------------------------------
LAND_MIN_ZOOM = 5  # tile zoom (map zoom 7): below it the one-file world outlines (views.outlines) are enough


@lru_cache(maxsize=1)
def _land_index() -> tuple[shapely.STRtree, tuple[str, ...], np.ndarray]:
    features = load_features()
    return shapely.STRtree(features.geometries), features.codes, features.geometries


def land_tile_geojson(z: int, x: int, y: int) -> bytes:
    """The country areas of tile z/x/y (already normalised, z >= LAND_MIN_ZOOM) at full 1:10m detail, simplified to
    half a pixel of a map at zoom z + 2: one Polygon/MultiPolygon per country cut to the tile (`kind: "area"`, to be
    filled without a stroke: the cut edges are not borders) and its coast and borders inside the tile as lines
    (`kind: "line"`)."""
    west, south, east, north = tile_bounds(z, x, y)
    pad = (east - west) / 64
    box = shapely.box(west - pad, south - pad, east + pad, north + pad)
    tolerance = 360 / (256 * 2 ** (z + 2)) / 2
    decimals = max(3, min(6, math.ceil(-math.log10(tolerance)) + 1))
    tree, codes, geometries = _land_index()
    features: list[dict[str, object]] = []
    for i in sorted(tree.query(box, predicate="intersects").tolist()):
        area = shapely.clip_by_rect(geometries[i], *box.bounds)
        lines = shapely.intersection(shapely.boundary(geometries[i]), box)
        for kind, geom in (("area", area), ("line", lines)):
            geom = shapely.simplify(geom, tolerance, preserve_topology=kind == "area")
            geom = shapely.transform(geom, lambda xy: np.round(xy, decimals))
            if geom.is_empty:
                continue
            features.append({"type": "Feature", "properties": {"code": codes[i], "kind": kind},
                             "geometry": shapely.geometry.mapping(geom)})
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()
