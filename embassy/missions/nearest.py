"""Exact nearest-point look-ups on the sphere: a lat/lon grid of candidate sets (see _CandidateGrid)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from embassy.geo.distance import haversine_km_many

COARSE_STEP = 2.0  # degrees: first level when building a grid


def _unit_vectors(lats_deg: np.ndarray, lons_deg: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lats_deg), np.radians(lons_deg)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _chords(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Straight-line (chord) distances between unit vectors: a metric, monotonic in great-circle distance,
    so it orders candidates exactly like haversine and obeys the triangle inequality."""
    return np.sqrt(np.maximum(2.0 - 2.0 * (a @ b.T), 0.0))


class _CandidateGrid:
    """For each lat/lon cell of `step` degrees (inside a bounding box), the points that can be nearest to
    some position in the cell: those within d_min + 2R of the cell centre, R the centre-to-corner distance
    (triangle inequality, in chord distance; the farthest corners are the ones nearer the equator), in
    their original order. Looking up the nearest point then needs only the few
    candidates — exact, the same answer as scanning every point (ties: the lowest index wins)."""

    def __init__(self, lats: list[float], lons: list[float], step: float,
                 box: tuple[float, float, float, float] = (-90.0, 90.0, -180.0, 180.0)) -> None:
        self.step = step
        lat0, lat1, lon0, lon1 = box
        self.row0 = max(0, math.floor((lat0 + 90.0) / step))
        self.col0 = max(0, math.floor((lon0 + 180.0) / step))
        self.rows = min(round(180 / step), math.floor((lat1 + 90.0) / step) + 1) - self.row0
        self.cols = min(round(360 / step), math.floor((lon1 + 180.0) / step) + 1) - self.col0
        points = _unit_vectors(np.asarray(lats, dtype=float), np.asarray(lons, dtype=float))
        everyone = np.arange(len(points))
        self.cells: list[tuple[int, ...]] = [()] * (self.rows * self.cols)
        # Two levels: coarse cells first (against every point), then the fine cells of each coarse cell
        # against that coarse cell's candidates only — a point that can be nearest somewhere in a fine cell
        # can be nearest somewhere in the coarse cell around it.
        per = max(1, round(COARSE_STEP / step))
        blocks = [(r0, c0, min(per, self.rows - r0), min(per, self.cols - c0))
                  for r0 in range(0, self.rows, per) for c0 in range(0, self.cols, per)]
        for (r0, c0, nr, nc), coarse in zip(blocks, self._filter(points, everyone, blocks), strict=True):
            cells = [(r, c) for r in range(r0, r0 + nr) for c in range(c0, c0 + nc)]
            if len(coarse) == 1:
                fine: list[tuple[int, ...]] = [coarse] * len(cells)
            else:
                fine = self._filter(points, np.asarray(coarse), [(r, c, 1, 1) for r, c in cells])
            for (r, c), cands in zip(cells, fine, strict=True):
                self.cells[r * self.cols + c] = cands

    def _filter(self, points: np.ndarray, subset: np.ndarray,
                boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, ...]]:
        """For each box (row, col, n_rows, n_cols in grid cells): the indices of `subset` that can be
        nearest to some position in the box — within d_min + 2R of its centre (R: centre to farthest
        corner, chord distance), in index order."""
        step = self.step
        lat0 = np.array([-90.0 + (self.row0 + b[0]) * step for b in boxes])
        lon0 = np.array([-180.0 + (self.col0 + b[1]) * step for b in boxes])
        lat1 = np.minimum(lat0 + np.array([b[2] for b in boxes]) * step, 90.0)
        lon1 = lon0 + np.array([b[3] for b in boxes]) * step
        clat, clon = (lat0 + lat1) / 2, (lon0 + lon1) / 2
        centres = _unit_vectors(clat, clon)
        # the corners nearer the equator are the farthest from the centre; test all four
        radius = np.maximum.reduce([
            np.sqrt(np.maximum(2.0 - 2.0 * np.sum(centres * _unit_vectors(la, lo), axis=1), 0.0))
            for la in (lat0, lat1) for lo in (lon0, lon1)
        ])
        d = _chords(centres, points[subset])
        mask = d <= (d.min(axis=1) + 2 * radius + 1e-12)[:, None]
        box_idx, point_idx = np.nonzero(mask)  # grouped by box, points in index order
        chosen = subset[point_idx].tolist()
        ends = np.cumsum(np.bincount(box_idx, minlength=len(boxes))).tolist()
        starts = [0, *ends[:-1]]
        return [tuple(chosen[a:b]) for a, b in zip(starts, ends, strict=True)]

    def candidates(self, lat: float, lon: float) -> Any:
        """The cell's content for a position, None outside the box."""
        r = int((lat + 90.0) / self.step) - self.row0
        c = int((lon + 180.0) / self.step) - self.col0
        if r == self.rows and lat == 90.0:
            r -= 1
        if c == self.cols and lon == 180.0:
            c -= 1
        if 0 <= r < self.rows and 0 <= c < self.cols:
            return self.cells[r * self.cols + c]
        return None


def _vectors(items: list, payload: int | None) -> tuple[tuple[float, float, float, object], ...]:
    """(x, y, z, item-or-item[payload]) for places (lat, lon, admin1) or units, in the given order."""
    out = []
    for item in items:
        lat, lon = (item[0], item[1]) if isinstance(item, tuple) else (item.lat, item.lon)
        la, lo = math.radians(lat), math.radians(lon)
        out.append((math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la),
                    item[payload] if payload is not None else item))
    return tuple(out)


def _closest(lat: float, lon: float, candidates: tuple[tuple[float, float, float, Any], ...]) -> Any:
    """The candidate nearest to (lat, lon): the largest dot product of unit vectors, which orders exactly
    as great-circle distance; the first one wins a tie."""
    la, lo = math.radians(lat), math.radians(lon)
    cl = math.cos(la)
    x, y, z = cl * math.cos(lo), cl * math.sin(lo), math.sin(la)
    best, best_dot = None, -2.0
    for cx, cy, cz, payload in candidates:
        dot = x * cx + y * cy + z * cz
        if dot > best_dot:
            best, best_dot = payload, dot
    return best


class PlaceIndex:
    """The label (e.g. a subdivision code) of the nearest of some reference places (lat, lon, label):
    exact, the same answer as scanning every place (ties: the first place in list order)."""

    def __init__(self, places: list[tuple[float, float, str]], step: float) -> None:
        self.places = places
        lats, lons = [p[0] for p in places], [p[1] for p in places]
        box = (min(lats) - 1, max(lats) + 1, min(lons) - 1, max(lons) + 1)
        self.grid = _CandidateGrid(lats, lons, step, box)
        # Per distinct candidate set, what a look-up needs: the label itself when the set has only one,
        # else the candidates as unit vectors for a dot-product comparison.
        entries: dict[tuple[int, ...], object] = {}
        for cands in set(self.grid.cells):
            if cands:
                labels = {places[i][2] for i in cands}
                entries[cands] = labels.pop() if len(labels) == 1 else _vectors([places[i] for i in cands], 2)
        self.grid.cells = [entries.get(c) for c in self.grid.cells]  # type: ignore[misc]  # the grid is rebuilt in place with entries instead of indexes

    def label_at(self, lat: float, lon: float) -> str:
        entry = self.grid.candidates(lat, lon)
        if entry is None:  # outside the places' bounding box: scan them all
            d = haversine_km_many(lat, lon, [p[0] for p in self.places], [p[1] for p in self.places])
            return self.places[int(d.argmin())][2]
        return entry if isinstance(entry, str) else _closest(lat, lon, entry)
