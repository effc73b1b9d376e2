"""The map basemap: country outlines served by the app itself (no tile server needed)."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import shapely
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from embassy.geo.naturalearth import load_features

TOLERANCE = 0.05  # degrees: enough for a country-level basemap, ~1.5 MB of GeoJSON


def outlines_geojson() -> bytes:
    """RFC 7946 FeatureCollection of simplified country outlines, cached under var/cache/."""
    features = load_features()
    path = Path(settings.GEO_CACHE_DIR) / f"outlines-{features.source_hash[:12]}-{TOLERANCE}.geojson"
    if path.exists():
        return path.read_bytes()
    simplified = shapely.simplify(features.geometries, TOLERANCE, preserve_topology=True)
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


@require_GET
@cache_control(public=True, max_age=86400)
@vary_on_headers("Accept-Encoding")
def outlines(request: HttpRequest) -> HttpResponse:
    # ~2.5 MB of JSON shrinks to ~0.7 MB: worth it on a phone. Compressing a static, secret-free body is safe.
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(_gzipped(), content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
        return response
    return HttpResponse(outlines_geojson(), content_type="application/geo+json")
