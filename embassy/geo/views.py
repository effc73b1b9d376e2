"""The map basemap served by the app itself (no tile server needed): country outlines (one file) and city
names and detailed outlines (tiles by view and zoom, embassy/geo/basemap.py). Both are static for a given data file: cached a day,
gzip-compressed when the browser accepts it, with an ETag so that a revalidation costs a 304."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from embassy.geo import basemap
from embassy.geo.naturalearth import load_features

TOLERANCE = 0.05  # degrees: enough for a country-level basemap
DECIMALS = 3  # coordinates to 0.001° (~110 m), far below the simplification: 1.1 MB of JSON, 0.36 MB gzipped


def _version() -> str:
    return f"{load_features().source_hash[:12]}-{TOLERANCE}-r{DECIMALS}"


def outlines_geojson() -> bytes:
    """RFC 7946 FeatureCollection of simplified country outlines, cached under var/cache/."""
    features = load_features()
    path = Path(settings.GEO_CACHE_DIR) / f"outlines-{_version()}.geojson"
    if path.exists():
        return path.read_bytes()
    simplified = shapely.simplify(features.geometries, TOLERANCE, preserve_topology=True)
    # Full float precision was 17 digits a coordinate: more than half the bytes, none of them visible.
    simplified = shapely.transform(simplified, lambda xy: np.round(xy, DECIMALS))
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": code}, "geometry": shapely.geometry.mapping(geom)}
            for code, geom in zip(features.codes, simplified, strict=True)
            if not geom.is_empty
        ],
    }
    body = json.dumps(doc, separators=(",", ":")).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.replace(tmp, path)
    return body


@lru_cache(maxsize=1)
def _gzipped() -> bytes:
    return gzip.compress(outlines_geojson(), compresslevel=9, mtime=0)


def _static(request: HttpRequest, etag: str, body: bytes, gzipped: bytes | None = None) -> HttpResponse:
    """A cacheable GeoJSON answer: 304 when the browser has this version, gzip when it accepts it.
    Compressing a static, secret-free body is safe."""
    tag = f'"{etag}"'
    if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(gzipped if gzipped is not None else gzip.compress(body, 6, mtime=0),
                                content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = tag
    return response


@require_GET
@cache_control(public=True, max_age=86400)
@vary_on_headers("Accept-Encoding")
def outlines(request: HttpRequest) -> HttpResponse:
    return _static(request, f"outlines-{_version()}", outlines_geojson(), _gzipped())


TILE_LAYERS = {"places": basemap.tile_geojson, "land": basemap.land_tile_geojson}


@lru_cache(maxsize=4096)
def _tile(layer: str, z: int, x: int, y: int) -> tuple[bytes, bytes]:
    body = TILE_LAYERS[layer](z, x, y)
    return body, gzip.compress(body, compresslevel=9, mtime=0)


@require_GET
@cache_control(public=True, max_age=86400)
@vary_on_headers("Accept-Encoding")
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    """One tile of a basemap layer as GeoJSON: city names ("places", from any zoom) or country areas and lines
    in detail ("land", from tile zoom basemap.LAND_MIN_ZOOM). See embassy/geo/basemap.py."""
    if layer not in TILE_LAYERS or (layer == "land" and z < basemap.LAND_MIN_ZOOM):
        raise Http404("no such layer")
    try:
        z, x, y = basemap.normalise(z, x, y)
    except basemap.BadTile as exc:
        raise Http404("no such tile") from exc
    body, gzipped = _tile(layer, z, x, y)
    version = basemap.data_hash() if layer == "places" else _version()
    return _static(request, f"{layer}-{version}-{z}-{x}-{y}", body, gzipped)
