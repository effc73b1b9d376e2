"""Point → country, offline and fast.

Two resolvers give IDENTICAL answers for every valid point (the tests and `make bench BENCH=geo`
check this on a million random points and on points hugging the borders):

- `NaiveCountryResolver`: one shapely STRtree over the feature polygons; the answer is the code of the
  lowest-index feature (file order) that intersects the point — boundaries included — or None at sea.
  It is the definition and the benchmark baseline.
- `CountryResolver`, the one the app uses: a regular lat/lon grid of GRID_STEP-degree cells built from
  the same features (see `embassy.geo.grid`). A lookup is one list access, plus for cells on a border or
  coast a point-in-polygon test on small prepared pieces of the features clipped to the cell.

The grid is built once (about 10 s) and cached under settings.GEO_CACHE_DIR in a file named after the
data's SHA-256 and the index format version; later processes load it in well under a second.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import threading
import time
import uuid
import zipfile
from decimal import Decimal
from numbers import Real
from pathlib import Path

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely.lib import intersects_xy

from embassy.common.errors import BadInput
from embassy.geo import grid
from embassy.geo.naturalearth import Features, covered_codes, load_features, source_hash

logger = logging.getLogger(__name__)

__all__ = [
    "CountryResolver",
    "NaiveCountryResolver",
    "country_at",
    "covered_codes",
    "get_country_resolver",
    "validate_point",
]

Cell = str | tuple[tuple[str, shapely.Geometry], ...] | None


# --- validation -------------------------------------------------------------------------------------
def _coordinate(value: object, field: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise BadInput(_("%(field)s must be a number.") % {"field": field}, field=field)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise BadInput(_("%(field)s must be a number.") % {"field": field}, field=field) from None
    if not math.isfinite(number):
        raise BadInput(_("%(field)s must be a finite number.") % {"field": field}, field=field)
    if not -limit <= number <= limit:
        raise BadInput(
            _("%(field)s must be between %(low)s and %(high)s.")
            % {"field": field, "low": -limit, "high": limit},
            field=field,
        )
    return number


def validate_point(lat: object, lon: object) -> tuple[float, float]:
    """(lat, lon) as floats. Raises BadInput naming "lat" or "lon" for a value that is not a number
    (strings and booleans included), NaN or infinite, or outside [-90, 90] / [-180, 180]."""
    return _coordinate(lat, "lat", 90.0), _coordinate(lon, "lon", 180.0)


# --- the baseline -------------------------------------------------------------------------------------------
class NaiveCountryResolver:
    """STRtree over the raw feature polygons. Precondition for lookups: a validated point."""

    def __init__(self, features: Features | None = None) -> None:
        self.features = features or load_features()
        self.codes = self.features.codes
        self.tree = shapely.STRtree(self.features.geometries)
        self._prepared: np.ndarray | None = None

    def country_at(self, lat: float, lon: float) -> str | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[int(hits.min())] if len(hits) else None

    def country_at_many(
        self, lats: np.ndarray | list[float], lons: np.ndarray | list[float]
    ) -> list[str | None]:
        """Vectorised `country_at` for checking many points: the same exact point-in-polygon predicate
        and the same lowest-index rule, evaluated feature by feature on prepared copies (the tree's own
        geometries stay unprepared so that the scalar baseline is what it claims to be)."""
        ys, xs = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
        if self._prepared is None:
            self._prepared = shapely.from_wkb(shapely.to_wkb(self.features.geometries))
            shapely.prepare(self._prepared)
        point_idx, feature_idx = self.tree.query(shapely.points(xs, ys))  # bounding-box candidates
        lowest = np.full(len(xs), len(self.codes), dtype=np.int64)
        order = np.argsort(feature_idx, kind="stable")
        point_idx, feature_idx = point_idx[order], feature_idx[order]
        starts: list[int] = (
            np.flatnonzero(np.r_[True, feature_idx[1:] != feature_idx[:-1]]).tolist() if len(order) else []
        )
        for start, end in zip(starts, [*starts[1:], len(order)], strict=True):
            pts = point_idx[start:end]
            inside = shapely.intersects_xy(self._prepared[feature_idx[start]], xs[pts], ys[pts])
            np.minimum.at(lowest, pts[inside], feature_idx[start])
        codes = (*self.codes, None)
        return [codes[i] for i in lowest.tolist()]


# --- the fast resolver --------------------------------------------------------------------------------------
class CountryResolver:
    """Grid index over the features. Build with `build()`, persist with `save()`, reload with `load()`."""

    def __init__(self, index: grid.GridIndex) -> None:
        self.index = index
        self.step = index.step
        self.rows = index.rows
        self.cols = index.cols
        self._inv = 1.0 / index.step
        self.codes: tuple[str, ...] = tuple(sorted(set(index.codes)))
        self._cells = self._materialise(index)

    @staticmethod
    def _materialise(index: grid.GridIndex) -> list[Cell]:
        """Turn the compact arrays into one Python list: a str (the whole cell is that country), None
        (no land touches the cell) or a tuple of (code, prepared piece) sorted by feature index."""
        pieces = index.pieces()
        shapely.prepare(pieces)
        # GEOS builds a prepared geometry's point-in-area index lazily, on the first query, and that is
        # not thread-safe; one query per piece now makes every later lookup read-only.
        if len(pieces):
            corner = shapely.bounds(pieces)
            shapely.intersects_xy(pieces, corner[:, 0], corner[:, 1])
        codes = index.codes
        piece_codes = [codes[f] for f in index.piece_feature.tolist()]
        offsets = index.border_offsets.tolist()
        borders = [
            tuple(zip(piece_codes[a:b], pieces[a:b].tolist(), strict=True))
            for a, b in itertools.pairwise(offsets)
        ]
        cells: list[Cell] = []
        append = cells.append
        for value in index.cells.tolist():
            if value >= 0:
                append(codes[value])
            elif value == grid.SEA:
                append(None)
            else:
                append(borders[grid.SEA - 1 - value])
        return cells

    @classmethod
    def build(cls, features: Features | None = None, step: float = grid.GRID_STEP) -> CountryResolver:
        return cls(grid.build(features or load_features(), step=step))

    @classmethod
    def load(cls, path: Path) -> CountryResolver:
        return cls(grid.GridIndex.load(path))

    def save(self, path: Path) -> None:
        """Write atomically (temporary file + os.replace): a concurrent reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            self.index.save(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def country_at(self, lat: float, lon: float) -> str | None:
        """Alpha-2 code of the country at a validated point, None at sea. Same answer as the naive
        resolver. Raises ValueError for coordinates outside the valid range (validate first)."""
        row = int((lat + 90.0) * self._inv)
        col = int((lon + 180.0) * self._inv)
        if row >= self.rows or col >= self.cols or lat < -90.0 or lon < -180.0:
            row, col = self._clamp(lat, lon)
        cell = self._cells[row * self.cols + col]
        if isinstance(cell, tuple):
            for code, piece in cell:
                if intersects_xy(piece, lon, lat):
                    return code
            return None
        return cell

    def _clamp(self, lat: float, lon: float) -> tuple[int, int]:
        # lat == 90 and lon == 180 belong to the last row / column; anything else out there is a bug
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise ValueError(f"coordinates out of range: ({lat!r}, {lon!r})")
        return (
            min(int((lat + 90.0) * self._inv), self.rows - 1),
            min(int((lon + 180.0) * self._inv), self.cols - 1),
        )


# --- the process-wide instance ------------------------------------------------------------------------------
def cache_dir() -> Path:
    from django.conf import settings

    if settings.configured and getattr(settings, "GEO_CACHE_DIR", None):
        return Path(settings.GEO_CACHE_DIR)
    return Path(__file__).resolve().parents[2] / "var" / "cache"


def cache_path(directory: Path | None = None) -> Path:
    """The cache file for this data and this index format."""
    name = f"country-grid-v{grid.INDEX_VERSION}-{source_hash()[:20]}.npz"
    return (directory or cache_dir()) / name


def load_or_build(directory: Path | None = None) -> CountryResolver:
    """Load the cached index, or build it and write the cache (a broken cache is rebuilt)."""
    path = cache_path(directory)
    if path.exists():
        try:
            started = time.perf_counter()
            resolver = CountryResolver.load(path)
            if resolver.index.source_hash == source_hash():
                logger.debug("country index loaded from %s in %.2fs", path, time.perf_counter() - started)
                return resolver
            logger.warning("country index cache %s was built from other data; rebuilding", path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            logger.warning("country index cache %s unreadable (%s); rebuilding", path, exc)
    started = time.perf_counter()
    resolver = CountryResolver.build()
    logger.info("country index built in %.1fs", time.perf_counter() - started)
    try:
        resolver.save(path)
    except OSError as exc:  # a read-only deployment still works, it just builds in every process
        logger.warning("could not write country index cache %s: %s", path, exc)
    return resolver


_resolver: CountryResolver | None = None
_lock = threading.Lock()


def get_country_resolver() -> CountryResolver:
    """The process-wide resolver, loaded (or built) on first use; safe to call from many threads."""
    global _resolver
    if _resolver is None:
        with _lock:
            if _resolver is None:
                _resolver = load_or_build()
    return _resolver


def country_at(lat: object, lon: object) -> str | None:
    """Validate and resolve: the alpha-2 code of the country at (lat, lon), or None at sea.

    Raises BadInput naming "lat" or "lon" for malformed coordinates."""
    la, lo = validate_point(lat, lon)
    return get_country_resolver().country_at(la, lo)
