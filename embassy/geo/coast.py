"""Territorial seas: the 12-nautical-mile band off every coast, and the distance to a coast.

Definitions (both resolvers in `boundaries` apply exactly these):

- The coast of a feature is the outline of its polygons without the artificial edges Natural Earth adds
  where it cuts land at the antimeridian (both ends on longitude ±180) or closes Antarctica along the
  South Pole's parallel (both ends on latitude -90). Land borders are part of the outline: a point at
  sea next to where a border meets the shore is measured to both countries' land.
- `bands()` are the territorial-sea polygons: every point within TERRITORIAL_SEA_KM (12 nm = 22.224 km)
  of a feature's coast, built in metres, not degrees: the globe is cut into BAND_TILE-degree tiles and
  each tile's nearby coast is buffered in an azimuthal equidistant projection centred on the tile,
  then projected back and cut to the tile. Distances from the tile's centre are exact in that
  projection; between two other points they are too long by at most ρ²/6 (ρ: the angle from the
  centre, ≤ 3.6°), i.e. ≤ 0.04 % (≤ 9 m on 22 km). Circular arcs are drawn with 16 segments per
  quarter (≤ 22 m short between two vertices of an arc). The projection is spherical, so latitude,
  the antimeridian and the poles need no special case: the coast across ±180 is taken from the other
  side and the cut tile never crosses it.
- `coast_chord2(...)` is the squared chord (straight line through the Earth, on the unit sphere) from a
  point to the nearest point of a set of coast edges, each edge taken as the great-circle arc between
  its vertices (Natural Earth's edges are at most a few km long at 1:10m: the difference from a
  straight line in degrees is centimetres). The chord orders exactly like the great-circle distance.
  Only +, -, *, / and sqrt are used on precomputed unit vectors, so the value for an edge is the
  same bits whatever array the edge is evaluated in: a resolver that looks at fewer edges near the
  point gets the identical minimum.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from embassy.geo.distance import EARTH_RADIUS_KM
from embassy.geo.naturalearth import ISLANDS, Features

TERRITORIAL_SEA_NM = 12
TERRITORIAL_SEA_KM = TERRITORIAL_SEA_NM * 1.852  # 22.224 km (UNCLOS art. 3; 1 nm = 1,852 m exactly)
BAND_TILE = 5.0  # degrees; must divide 180
QUAD_SEGS = 16
# Margin (degrees of latitude) around a tile or cell when collecting the coast that can be within
# TERRITORIAL_SEA_KM of it: 22.224 km is 0.1999°; the rest covers the band's projection error.
REACH_DEG = 0.25


# --- coast outlines ----------------------------------------------------------------------------------
def coast_lines(geometry: shapely.Geometry) -> list[np.ndarray]:
    """The coast of a (Multi)Polygon as runs of (lon, lat) vertices, artificial edges removed."""
    runs: list[np.ndarray] = []
    for ring in shapely.get_rings(shapely.get_parts(geometry)).tolist():
        xy = shapely.get_coordinates(ring)
        a, b = xy[:-1], xy[1:]
        fake = ((np.abs(a[:, 0]) == 180.0) & (np.abs(b[:, 0]) == 180.0)) | ((a[:, 1] == -90.0) & (b[:, 1] == -90.0))
        if not fake.any():
            runs.append(xy)
            continue
        keep = np.flatnonzero(~fake)
        if len(keep) == 0:
            continue
        # consecutive kept edges form one run
        breaks = np.flatnonzero(np.diff(keep) != 1) + 1
        for group in np.split(keep, breaks):
            runs.append(np.vstack([a[group], b[group[-1]][None, :]]))
    return runs


def feature_coasts(features: Features) -> list[list[np.ndarray]]:
    """Per feature, its coast runs; an island of `naturalearth.ISLANDS` is one more run of a single
    vertex (twice: a zero-length edge) in the first feature of its country."""
    runs = [coast_lines(g) for g in features.geometries.tolist()]
    for _name, code, lat, lon, _source in ISLANDS:
        if code in features.codes:
            runs[features.codes.index(code)].append(np.array([[lon, lat], [lon, lat]]))
    return runs


def unit_vectors(lats_deg: np.ndarray, lons_deg: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lats_deg), np.radians(lons_deg)
    cl = np.cos(la)
    return np.stack([cl * np.cos(lo), cl * np.sin(lo), np.sin(la)], axis=-1)


@dataclass(frozen=True)
class CoastEdges:
    """Every coast edge of every feature, grouped by feature: edges offsets[f]:offsets[f+1] are f's.

    `a`, `b`: unit vectors of the edge's ends (n, 3); `box`: the edge's lon/lat bounding box (n, 4)."""

    offsets: np.ndarray
    a: np.ndarray
    b: np.ndarray
    box: np.ndarray

    def of(self, feature: int) -> slice:
        return slice(int(self.offsets[feature]), int(self.offsets[feature + 1]))

    def near(self, feature: int, box: tuple[float, float, float, float]) -> np.ndarray:
        """Indices of the feature's edges whose bounding box meets `box` (xmin, ymin, xmax, ymax), which
        may extend past ±180 in longitude (the edges on the other side are then included)."""
        part = self.of(feature)
        found = self.near_any(box)
        return found[(found >= part.start) & (found < part.stop)]

    def near_any(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Indices (ascending) of edges that may meet `box` (see `near`): every edge whose bounding box
        meets it, and possibly a few more nearby (harmless: they are genuine coast edges)."""
        order, starts = self._buckets()
        xmin, ymin, xmax, ymax = box
        rows = range(max(0, math.floor(ymin + 90.0)), min(179, math.floor(ymax + 90.0)) + 1)
        cols: set[int] = set()
        for shift in (-360.0, 0.0, 360.0):
            lo, hi = max(xmin + shift, -180.0), min(xmax + shift, 180.0)
            if lo <= hi:
                cols.update(range(max(0, math.floor(lo + 180.0)), min(359, math.floor(hi + 180.0)) + 1))
        parts = [order[starts[r * 360 + c]:starts[r * 360 + c + 1]] for r in rows for c in sorted(cols)]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    def _buckets(self) -> tuple[np.ndarray, np.ndarray]:
        """Edges bucketed by the 1° cells their bounding box meets: (edge indices sorted by cell, CSR
        offsets per cell). Built on first use (~0.1 s)."""
        found = _buckets.get(id(self))
        if found is None:
            with _edges_lock:
                found = _buckets.get(id(self))
                if found is None:
                    found = _buckets[id(self)] = _bucket(self.box)
        return found


_buckets: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per CoastEdges object (they live for the process)


def _bucket(box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c0 = np.clip(np.floor(box[:, 0] + 180.0), 0, 359).astype(np.int64)
    c1 = np.clip(np.floor(box[:, 2] + 180.0), 0, 359).astype(np.int64)
    r0 = np.clip(np.floor(box[:, 1] + 90.0), 0, 179).astype(np.int64)
    r1 = np.clip(np.floor(box[:, 3] + 90.0), 0, 179).astype(np.int64)
    width = c1 - c0 + 1
    counts = width * (r1 - r0 + 1)
    edge = np.repeat(np.arange(len(box)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    cell = (r0[edge] + k // width[edge]) * 360 + c0[edge] + k % width[edge]
    order = np.argsort(cell, kind="stable")
    starts = np.zeros(180 * 360 + 1, dtype=np.int64)
    starts[1:] = np.cumsum(np.bincount(cell, minlength=180 * 360))
    return edge[order], starts


def build_edges(features: Features) -> CoastEdges:
    starts, ends, offsets = [], [], [0]
    for runs in feature_coasts(features):
        if runs:
            starts.append(np.vstack([r[:-1] for r in runs]))
            ends.append(np.vstack([r[1:] for r in runs]))
        offsets.append(offsets[-1] + sum(len(r) - 1 for r in runs))
    a_xy, b_xy = np.vstack(starts), np.vstack(ends)
    box = np.hstack([np.minimum(a_xy, b_xy), np.maximum(a_xy, b_xy)])
    return CoastEdges(
        offsets=np.array(offsets, dtype=np.int64),
        a=unit_vectors(a_xy[:, 1], a_xy[:, 0]),
        b=unit_vectors(b_xy[:, 1], b_xy[:, 0]),
        box=box,
    )


_edges_lock = threading.Lock()
_edges: dict[str, CoastEdges] = {}


def edges_for(features: Features) -> CoastEdges:
    """The coast edges of these features, built once per process (thread-safe)."""
    with _edges_lock:
        if features.source_hash not in _edges:
            _edges[features.source_hash] = build_edges(features)
        return _edges[features.source_hash]


def point_vector(lat: float, lon: float) -> tuple[float, float, float]:
    la, lo = math.radians(lat), math.radians(lon)
    cl = math.cos(la)
    return cl * math.cos(lo), cl * math.sin(lo), math.sin(la)


def coast_chord2(p: tuple[float, float, float], a: np.ndarray, b: np.ndarray) -> float:
    """Squared chord from unit vector p to the nearest of the great-circle edges a[i]–b[i] (inf if none)."""
    if len(a) == 0:
        return math.inf
    px, py, pz = p
    ax, ay, az = a[:, 0], a[:, 1], a[:, 2]
    bx, by, bz = b[:, 0], b[:, 1], b[:, 2]
    # n = a × b: the normal of the edge's great circle
    nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
    nn = nx * nx + ny * ny + nz * nz
    # the foot of p on the great circle lies on the arc when (a × p)·n ≥ 0 and (p × b)·n ≥ 0
    s1 = (ay * pz - az * py) * nx + (az * px - ax * pz) * ny + (ax * py - ay * px) * nz
    s2 = (py * bz - pz * by) * nx + (pz * bx - px * bz) * ny + (px * by - py * bx) * nz
    pn = px * nx + py * ny + pz * nz
    with np.errstate(divide="ignore", invalid="ignore"):
        sin2 = np.minimum(pn * pn / nn, 1.0)
        to_arc = 2.0 * sin2 / (1.0 + np.sqrt(1.0 - sin2))  # 2(1 - cos θ), stable for small θ
    dax, day, daz = px - ax, py - ay, pz - az
    dbx, dby, dbz = px - bx, py - by, pz - bz
    to_ends = np.minimum(dax * dax + day * day + daz * daz, dbx * dbx + dby * dby + dbz * dbz)
    on_arc = (s1 >= 0.0) & (s2 >= 0.0) & (nn > 0.0)
    return float(np.where(on_arc, to_arc, to_ends).min())


def chord2_km(km: float) -> float:
    """The squared unit-sphere chord of a great-circle distance."""
    return (2.0 * math.sin(km / EARTH_RADIUS_KM / 2.0)) ** 2


def km_of_chord2(chord2: float) -> float:
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(chord2) / 2.0))


def nearest_coast(
    lat: float, lon: float, candidates: list[tuple[int, np.ndarray]], edges: CoastEdges
) -> int:
    """Of the candidate features (feature, edge indices), the one whose coast is nearest to the point;
    the lowest feature index wins a tie. Precondition: at least one candidate."""
    p = point_vector(lat, lon)
    best, best_d = -1, math.inf
    for feature, idx in sorted(candidates, key=lambda c: c[0]):
        d = coast_chord2(p, edges.a[idx], edges.b[idx])
        if d < best_d:
            best, best_d = feature, d
    return best


# --- the bands --------------------------------------------------------------------------------------------
def _aeqd(lat0: float, lon0: float) -> tuple:
    """Forward and inverse azimuthal equidistant projection (km) centred on (lat0, lon0), for shapely's
    `transform` ((n, 2) lon/lat ↔ (n, 2) x/y)."""
    p0, l0 = math.radians(lat0), math.radians(lon0)
    sp0, cp0 = math.sin(p0), math.cos(p0)
    r = EARTH_RADIUS_KM

    def forward(xy: np.ndarray) -> np.ndarray:
        lam = np.radians(xy[:, 0]) - l0
        phi = np.radians(xy[:, 1])
        sp, cp, cl = np.sin(phi), np.cos(phi), np.cos(lam)
        cos_c = np.clip(sp0 * sp + cp0 * cp * cl, -1.0, 1.0)
        c = np.arccos(cos_c)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(c > 1e-12, c / np.sin(c), 1.0)
        return np.column_stack([r * k * cp * np.sin(lam), r * k * (cp0 * sp - sp0 * cp * cl)])

    def inverse(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        rho = np.hypot(x, y)
        c = rho / r
        sc, cc = np.sin(c), np.cos(c)
        with np.errstate(divide="ignore", invalid="ignore"):
            phi = np.where(rho > 0, np.arcsin(np.clip(cc * sp0 + y * sc * cp0 / rho, -1.0, 1.0)), p0)
        lam = l0 + np.arctan2(x * sc, rho * cp0 * cc - y * sp0 * sc)
        return np.column_stack([np.degrees(lam), np.degrees(phi)])

    return forward, inverse


def _densified_rect(x0: float, y0: float, x1: float, y1: float, step: float = 0.05) -> np.ndarray:
    xs = np.linspace(x0, x1, max(2, math.ceil((x1 - x0) / step) + 1))
    ys = np.linspace(y0, y1, max(2, math.ceil((y1 - y0) / step) + 1))
    return np.vstack([
        np.column_stack([xs, np.full_like(xs, y0)]),
        np.column_stack([np.full_like(ys, x1), ys])[1:],
        np.column_stack([xs[::-1], np.full_like(xs, y1)])[1:],
        np.column_stack([np.full_like(ys, x0), ys[::-1]])[1:],
    ])


def _reach_box(x0: float, y0: float, x1: float, y1: float, reach: float) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) grown by `reach` degrees of latitude, in longitude by as much at the most
    poleward latitude (the whole circle near a pole); longitudes may pass ±180."""
    ymin, ymax = max(-90.0, y0 - reach), min(90.0, y1 + reach)
    far = max(abs(ymin), abs(ymax))
    if far >= 89.0:
        return (-540.0, ymin, 540.0, ymax)
    dx = reach / math.cos(math.radians(far))
    return (x0 - dx, ymin, x1 + dx, ymax)


def build_bands(features: Features, tile: float = BAND_TILE) -> tuple[np.ndarray, np.ndarray]:
    """The territorial-sea polygons: (feature index per piece, pieces), one piece per feature and tile,
    in (tile, feature) order. Deterministic for given features."""
    coasts = feature_coasts(features)
    lines = [shapely.multilinestrings([shapely.linestrings(r) for r in runs if (r[0] != r[-1]).any() or len(r) > 2])
             for runs in coasts]
    islands = [(f, r[0]) for f, runs in enumerate(coasts) for r in runs if len(r) == 2 and (r[0] == r[1]).all()]
    present = [i for i, g in enumerate(lines) if not g.is_empty]
    tree = shapely.STRtree([lines[i] for i in present])
    owners: list[int] = []
    pieces: list[shapely.Geometry] = []
    rows, cols = round(180 / tile), round(360 / tile)
    for row in range(rows):
        y0 = -90.0 + row * tile
        y1 = y0 + tile
        for col in range(cols):
            x0 = -180.0 + col * tile
            x1 = x0 + tile
            reach = _reach_box(x0, y0, x1, y1, REACH_DEG)
            found: dict[int, list[shapely.Geometry]] = {}
            for shift in (-360.0, 0.0, 360.0):  # the coast across ±180 is moved next to the tile
                bx = (max(reach[0] + shift, -180.0), reach[1], min(reach[2] + shift, 180.0), reach[3])
                if bx[0] >= bx[2]:
                    continue
                for hit in tree.query(shapely.box(*bx)).tolist():
                    f = present[hit]
                    part = shapely.clip_by_rect(lines[f], *bx)
                    if part.is_empty:
                        continue
                    if shift:
                        part = shapely.transform(part, lambda xy, o=-shift: xy + np.array([o, 0.0]))
                    found.setdefault(f, []).append(part)
                for f, (lon, lat) in islands:
                    if bx[0] <= lon <= bx[2] and bx[1] <= lat <= bx[3]:
                        found.setdefault(f, []).append(shapely.Point(lon - shift, lat))
            if not found:
                continue
            forward, inverse = _aeqd((y0 + y1) / 2, (x0 + x1) / 2)
            eps = 1e-3
            frame = shapely.polygons(
                forward(_densified_rect(x0 - eps, max(-90.0, y0 - eps), x1 + eps, min(90.0, y1 + eps)))
            )
            frame = shapely.make_valid(frame) if not frame.is_valid else frame
            exact = shapely.box(x0, y0, x1, y1)
            for f in sorted(found):
                projected = shapely.transform(shapely.union_all(found[f]), forward)
                band = shapely.intersection(shapely.buffer(projected, TERRITORIAL_SEA_KM, quad_segs=QUAD_SEGS), frame)
                if band.is_empty:
                    continue
                band = shapely.intersection(shapely.transform(band, inverse), exact)
                band = shapely.make_valid(band) if not band.is_valid else band
                band = _polygonal(band)
                if band is not None:
                    owners.append(f)
                    pieces.append(band)
    return np.array(owners, dtype=np.int32), np.array(pieces, dtype=object)


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of a geometry (lines and points left by an intersection dropped), None if none."""
    parts = [p for p in shapely.get_parts(geometry).tolist() if shapely.get_type_id(p) in (3, 6)]
    polys = [q for p in parts for q in shapely.get_parts(p).tolist() if not q.is_empty and q.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


# --- cache ------------------------------------------------------------------------------------------------
BANDS_VERSION = 3  # bump whenever build_bands' rules change


def save_bands(
    path: Path, owners: np.ndarray, pieces: np.ndarray, source_hash: str, edges: CoastEdges | None = None
) -> None:
    """Write the bands (and the coast edges, so that a process need not read the boundaries to measure a
    distance) as .npz (WKB, no pickle) atomically: a concurrent reader never sees half a file."""
    blobs = shapely.to_wkb(pieces).tolist()
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("wb") as fh:
            extra: dict[str, Any] = {} if edges is None else {"edge_offsets": edges.offsets, "edge_a": edges.a, "edge_b": edges.b,
                                              "edge_box": edges.box}
            np.savez(fh, version=np.array(BANDS_VERSION), owners=owners, wkb_offsets=offsets,
                     wkb=np.frombuffer(b"".join(blobs), dtype=np.uint8), source_hash=np.array(source_hash), **extra)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_edges(path: Path, source_hash: str) -> CoastEdges:
    """The coast edges stored with the bands. Raises ValueError / KeyError for another version or data."""
    with np.load(path, allow_pickle=False) as data:
        if int(data["version"]) != BANDS_VERSION or str(data["source_hash"]) != source_hash:
            raise ValueError("territorial-sea cache of another version or other data")
        return CoastEdges(offsets=data["edge_offsets"], a=data["edge_a"], b=data["edge_b"], box=data["edge_box"])


def load_bands(path: Path, source_hash: str) -> tuple[np.ndarray, np.ndarray]:
    """Raises ValueError for a file of another version or other data (the caller rebuilds)."""
    with np.load(path, allow_pickle=False) as data:
        if int(data["version"]) != BANDS_VERSION or str(data["source_hash"]) != source_hash:
            raise ValueError("territorial-sea cache of another version or other data")
        offsets = data["wkb_offsets"].tolist()
        wkb = data["wkb"].tobytes()
        owners = data["owners"]
    blobs = np.array([wkb[a:b] for a, b in itertools.pairwise(offsets)], dtype=object)
    return owners, shapely.from_wkb(blobs) if len(blobs) else np.empty(0, dtype=object)
