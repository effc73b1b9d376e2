"""Point → country, offline and fast.

The rule, in order (`locate` answers the country and the rule's name):

1. land     the code of the lowest-index feature (file order) whose polygon intersects the point,
            boundaries included;
2. coastal  else, if the point lies in the territorial sea (12 nm, `coast.bands`) of one or more
            features: the one whose coast is nearest (`coast.nearest_coast`; the median line where two
            territorial seas overlap, as UNCLOS art. 15 draws it; a tie goes to the lowest index);
3. sea      else None.

Two resolvers give IDENTICAL answers for every valid point (the tests and `make bench BENCH=geo`
check this on a million random points and on points hugging the borders):

- `naive.NaiveCountryResolver`: one shapely STRtree over the feature polygons and one over the territorial-sea
  polygons, and the distance over every coast edge of the candidate features. It is the definition and
  the benchmark baseline.
- `CountryResolver`, the one the app uses: a regular lat/lon grid of GRID_STEP-degree cells built from
  the same polygons (see `embassy.geo.grid`). A lookup is one list access, plus for cells on a border or
  coast a point-in-polygon test on small prepared pieces clipped to the cell, plus, where two countries'
  territorial seas overlap, the distance to the coast edges near the cell.

The territorial seas are built once (about 30 s) and so is the grid (about 15 s more); both are cached
under settings.GEO_CACHE_DIR in files named after the data's SHA-256 and the format versions; later
processes load them in well under a second.
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
from django.conf import settings
from django.utils.translation import gettext as _
from shapely.lib import intersects_xy

from embassy.common.errors import BadInput
from embassy.geo import coast, grid
from embassy.geo.naturalearth import Features, covered_codes, load_features, source_hash

logger = logging.getLogger(__name__)

__all__ = [
    "CountryResolver",
    "country_at",
    "covered_codes",
    "get_country_resolver",
    "locate",
    "validate_point",
]

Answer = tuple[str | None, str]  # (alpha-2 code or None, "land" | "coastal" | "sea")
AT_SEA: Answer = (None, "sea")
Bands = tuple[np.ndarray, np.ndarray]  # (owner feature per piece, territorial-sea pieces)


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


# --- the fast resolver --------------------------------------------------------------------------------------
class _Border:
    """A BORDER cell: land pieces (code, prepared piece) in feature order, then territorial-sea pieces
    (feature, prepared piece); `shared` when the sea pieces belong to more than one feature."""

    __slots__ = ("bands", "box", "edges", "land", "near", "shared")

    def __init__(self, land: tuple, bands: tuple, box: tuple[float, float, float, float]) -> None:
        self.land = land
        self.bands = bands
        self.shared = len({f for f, _ in bands}) > 1
        self.box = box
        self.near: dict[int, np.ndarray] = {}  # feature → its coast edges near the cell (filled lazily)
        self.edges: coast.CoastEdges | None = None


class CountryResolver:
    """Grid index over the features. Build with `build()`, persist with `save()`, reload with `load()`."""

    def __init__(self, index: grid.GridIndex, features: Features | None = None) -> None:
        self.index = index
        self.step = index.step
        self.rows = index.rows
        self.cols = index.cols
        self._inv = 1.0 / index.step
        self.codes: tuple[str, ...] = tuple(sorted(set(index.codes)))
        self._features = features
        self._edges: coast.CoastEdges | None = None
        self._edges_lock = threading.Lock()
        self._cells = self._materialise(index)

    def _materialise(self, index: grid.GridIndex) -> list[Answer | _Border]:
        """Turn the compact arrays into one Python list: an answer (the whole cell is that country's
        land, or no polygon touches the cell) or a _Border."""
        pieces = index.pieces()
        shapely.prepare(pieces)
        # GEOS builds a prepared geometry's point-in-area index lazily, on the first query, and that is
        # not thread-safe; one query per piece now makes every later lookup read-only.
        if len(pieces):
            corner = shapely.bounds(pieces)
            shapely.intersects_xy(pieces, corner[:, 0], corner[:, 1])
        codes, n_land, owner = index.codes, index.n_land, index.owner.tolist()
        polygon = index.piece_feature.tolist()
        pieces_list = pieces.tolist()
        land_answers = [(code, "land") for code in codes]
        offsets = index.border_offsets.tolist()
        borders: list[_Border] = []
        step = index.step
        cells_values = index.cells.tolist()
        border_cell = {}
        for cell, value in enumerate(cells_values):
            if value <= grid.SEA - 1:
                border_cell[grid.SEA - 1 - value] = cell
        for b, (lo, hi) in enumerate(itertools.pairwise(offsets)):
            land = tuple((codes[polygon[k]], pieces_list[k]) for k in range(lo, hi) if polygon[k] < n_land)
            bands = tuple((owner[polygon[k]], pieces_list[k]) for k in range(lo, hi) if polygon[k] >= n_land)
            row, col = divmod(border_cell[b], index.cols)
            box = (-180.0 + col * step, -90.0 + row * step, -180.0 + (col + 1) * step, -90.0 + (row + 1) * step)
            borders.append(_Border(land, bands, box))
        cells: list[Answer | _Border] = []
        append = cells.append
        for value in cells_values:
            if value >= 0:
                append(land_answers[value])
            elif value == grid.SEA:
                append(AT_SEA)
            else:
                append(borders[grid.SEA - 1 - value])
        return cells

    @classmethod
    def build(
        cls, features: Features | None = None, step: float = grid.GRID_STEP, bands: Bands | None = None
    ) -> CountryResolver:
        features = features or load_features()
        if bands is None:
            bands = load_or_build_bands(features)
        return cls(grid.build(features, step=step, bands=bands), features)

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

    def locate(self, lat: float, lon: float) -> Answer:
        """(alpha-2 code, "land" | "coastal") of the country at a validated point, (None, "sea") at sea.
        Same answer as the naive resolver. Raises ValueError for coordinates outside the valid range
        (validate first)."""
        row = int((lat + 90.0) * self._inv)
        col = int((lon + 180.0) * self._inv)
        if row >= self.rows or col >= self.cols or lat < -90.0 or lon < -180.0:
            row, col = self._clamp(lat, lon)
        cell = self._cells[row * self.cols + col]
        if cell.__class__ is tuple:
            return cell
        for code, piece in cell.land:  # type: ignore[union-attr]  # hot path: the class test above narrows at run time, not for mypy
            if intersects_xy(piece, lon, lat):
                return code, "land"
        if not cell.shared:  # type: ignore[union-attr]  # as above
            for feature, piece in cell.bands:  # type: ignore[union-attr]  # as above
                if intersects_xy(piece, lon, lat):
                    return self.index.codes[feature], "coastal"
            return AT_SEA
        return self._shared_sea(cell, lat, lon)  # type: ignore[arg-type]  # as above

    def country_at(self, lat: float, lon: float) -> str | None:
        """Alpha-2 code of the country at a validated point (land or territorial sea), None at sea."""
        return self.locate(lat, lon)[0]

    def _shared_sea(self, cell: _Border, lat: float, lon: float) -> Answer:
        """A cell where several countries' territorial seas reach: the nearest coast among those whose
        band holds the point."""
        hits = sorted({f for f, piece in cell.bands if intersects_xy(piece, lon, lat)})
        if not hits:
            return AT_SEA
        if len(hits) == 1:
            return self.index.codes[hits[0]], "coastal"
        edges = self._coast_edges()
        near = cell.near
        if not near:  # first time in this cell: the coast edges that can be within reach of it, per feature
            xmin, ymin, xmax, ymax = cell.box
            found = edges.near_any(coast._reach_box(xmin, ymin, xmax, ymax, coast.REACH_DEG))
            parts = {f: edges.of(f) for f, _piece in cell.bands}
            near = {f: found[(found >= p.start) & (found < p.stop)] for f, p in parts.items()}
            cell.near = near  # one assignment: another thread sees the old empty dict or the full one
        candidates = [(f, near[f]) for f in hits]
        return self.index.codes[coast.nearest_coast(lat, lon, candidates, edges)], "coastal"

    def _coast_edges(self) -> coast.CoastEdges:
        """The coast edges: from the territorial-sea cache (fast), else computed from the boundaries."""
        if self._edges is None:
            with self._edges_lock:
                if self._edges is None:
                    try:
                        self._edges = coast.load_edges(bands_cache_path(), source_hash())
                    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                        self._edges = coast.edges_for(self._features or load_features())
        return self._edges

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
    if settings.configured and settings.GEO_CACHE_DIR:
        return Path(settings.GEO_CACHE_DIR)
    return Path(__file__).resolve().parents[2] / "var" / "cache"


def cache_path(directory: Path | None = None) -> Path:
    """The cache file for this data and this index format."""
    name = f"country-grid-v{grid.INDEX_VERSION}.{coast.BANDS_VERSION}-{source_hash()[:20]}.npz"
    return (directory or cache_dir()) / name


def bands_cache_path(directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"territorial-sea-v{coast.BANDS_VERSION}-{source_hash()[:20]}.npz"


_bands_lock = threading.Lock()


def load_or_build_bands(features: Features | None = None, directory: Path | None = None) -> Bands:
    """The territorial-sea polygons: from the cache, or built (about 30 s) and cached."""
    path = bands_cache_path(directory)
    with _bands_lock:
        if path.exists():
            try:
                return coast.load_bands(path, source_hash())
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                logger.warning("territorial-sea cache %s unusable (%s); rebuilding", path, exc)
        started = time.perf_counter()
        features = features or load_features()
        owners, pieces = coast.build_bands(features)
        logger.info("territorial seas built in %.1fs", time.perf_counter() - started)
        try:
            coast.save_bands(path, owners, pieces, source_hash(), coast.edges_for(features))
            _remove_stale(path, "territorial-sea-v")
        except OSError as exc:
            logger.warning("could not write territorial-sea cache %s: %s", path, exc)
        return owners, pieces


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
        _remove_stale(path, "country-grid-v")
    except OSError as exc:  # a read-only deployment still works, it just builds in every process
        logger.warning("could not write country index cache %s: %s", path, exc)
    return resolver


def _remove_stale(current: Path, prefix: str) -> None:
    """Delete caches of other format versions or data next to `current` (each is tens of MB)."""
    for other in current.parent.glob(f"{prefix}*.npz"):
        if other != current:
            other.unlink(missing_ok=True)


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
    """Validate and resolve: the alpha-2 code of the country at (lat, lon) — on its land or in its
    territorial sea — or None at sea.

    Raises BadInput naming "lat" or "lon" for malformed coordinates."""
    la, lo = validate_point(lat, lon)
    return get_country_resolver().country_at(la, lo)


def locate(lat: object, lon: object) -> Answer:
    """Validate and resolve: (code, "land" | "coastal") or (None, "sea"). Raises BadInput like
    `country_at`."""
    la, lo = validate_point(lat, lon)
    return get_country_resolver().locate(la, lo)
