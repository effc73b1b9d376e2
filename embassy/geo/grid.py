"""The grid index behind CountryResolver: how it is built and how it is stored.

The index is built from a list of polygons: the land features (indices 0 .. n_land-1, file order), then
the territorial-sea pieces (`coast.build_bands`), each with the feature that owns it (`owner`).

The globe is cut into GRID_STEP-degree cells (row 0 starts at lat -90, column 0 at lon -180). Let the
padded cell be the cell grown by PAD on every side. Each cell is one of:

- SEA       no polygon touches the padded cell;
- INTERIOR  exactly one polygon touches the padded cell, it is land and covers it completely → its index;
- BORDER    anything else → the polygons touching the padded cell, each clipped to a rectangle around
            it ("pieces"), sorted by polygon index (so land pieces come first).

Why the answers are exactly the naive resolver's. A query point lies inside its padded cell, at least
PAD minus the rounding of the row/column arithmetic (~1e-14) from the padded cell's edges. Clipping
computes new vertices where the outline crosses the clipping rectangle, and those cut edges are off the
original edges by a rounding error: a point lying exactly on (or 1e-15 from) such an edge could then be
answered differently. So the clipping rectangle is grown until no edge that touches the padded cell
is cut (by the longest such edge, plus MARGIN): every edge near a query point is an original edge,
verbatim, and the cut edges are all more than PAD away. Point-in-polygon in GEOS is exact, so a piece
contains, touches or misses the point exactly when the whole feature does; in a BORDER cell the first
piece that intersects the point is the lowest-index feature that does, and the band pieces that
intersect it are exactly the bands that do. SEA and INTERIOR follow.

Building clips each feature to 10° tiles first and then clips the small tile pieces to cells, so that
no clip ever walks a whole continent's outline: about 10-15 s on one core.

Storage: a NumPy .npz (no pickle, so a tampered cache file cannot run code): the cell array, the
pieces as concatenated WKB, and the data hash and format version it was built from.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from embassy.geo.naturalearth import Features

INDEX_VERSION = 2  # bump whenever the build rules or the file layout change
GRID_STEP = 0.5  # degrees; must divide TILE
TILE = 10.0  # degrees
PAD = 1e-7  # degrees (~1 cm): far above the rounding of the row/column arithmetic (~1e-14)
Rect = tuple[float, float, float, float]
# Added to every grown clipping rectangle so that its sides do not pass through vertices, a case GEOS's
# rectangle clipper gets wrong; an arbitrary value keeps the sides off round coordinates too.
MARGIN = 3.3e-7  # degrees
SEA = -1  # cell value for sea; values >= 0 are feature indices; values <= -2 are border ids


@dataclass(frozen=True)
class _TilePiece:
    feature: int
    piece: shapely.Geometry  # the feature clipped to the grown tile
    bounds: np.ndarray
    cell_rects: np.ndarray  # per cell of the tile: the clipping rectangle (see _cell_rects)


@dataclass(frozen=True)
class GridIndex:
    """Compact form of the grid. `cells[row * cols + col]` is a feature index, SEA, or -2 - border_id;
    border b owns pieces border_offsets[b]:border_offsets[b+1] (feature index in piece_feature)."""

    step: float
    rows: int
    cols: int
    codes: tuple[str, ...]  # code of each feature index
    owner: np.ndarray  # int32: the feature each polygon index belongs to (land: itself)
    cells: np.ndarray  # int32, rows * cols
    border_offsets: np.ndarray  # int64, n_borders + 1
    piece_feature: np.ndarray  # int32, n_pieces
    wkb_offsets: np.ndarray  # int64, n_pieces + 1
    wkb: bytes  # the pieces' WKB, concatenated
    source_hash: str

    def pieces(self) -> np.ndarray:
        """The pieces as an object array of shapely geometries."""
        offsets = self.wkb_offsets.tolist()
        blobs = [self.wkb[a:b] for a, b in itertools.pairwise(offsets)]
        return shapely.from_wkb(np.array(blobs, dtype=object))

    @property
    def n_land(self) -> int:
        return len(self.codes)

    @property
    def border_count(self) -> int:
        return len(self.border_offsets) - 1

    def save(self, path: Path) -> None:
        with path.open("wb") as fh:
            np.savez(
                fh,
                version=np.array(INDEX_VERSION),
                step=np.array(self.step),
                shape=np.array([self.rows, self.cols]),
                codes=np.array(self.codes, dtype="<U8"),
                owner=self.owner,
                cells=self.cells,
                border_offsets=self.border_offsets,
                piece_feature=self.piece_feature,
                wkb_offsets=self.wkb_offsets,
                wkb=np.frombuffer(self.wkb, dtype=np.uint8),
                source_hash=np.array(self.source_hash),
            )

    @classmethod
    def load(cls, path: Path) -> GridIndex:
        """Raises ValueError for a file of another format version (the caller rebuilds)."""
        with np.load(path, allow_pickle=False) as data:
            if int(data["version"]) != INDEX_VERSION:
                raise ValueError(f"index format {int(data['version'])}, expected {INDEX_VERSION}")
            rows, cols = (int(v) for v in data["shape"])
            return cls(
                step=float(data["step"]),
                rows=rows,
                cols=cols,
                codes=tuple(str(c) for c in data["codes"]),
                owner=data["owner"],
                cells=data["cells"],
                border_offsets=data["border_offsets"],
                piece_feature=data["piece_feature"],
                wkb_offsets=data["wkb_offsets"],
                wkb=data["wkb"].tobytes(),
                source_hash=str(data["source_hash"]),
            )


def edge_boxes(geometry: shapely.Geometry) -> np.ndarray:
    """Bounding boxes (xmin, ymin, xmax, ymax) of every edge of a (Multi)Polygon's rings."""
    rings = shapely.get_rings(shapely.get_parts(geometry))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    return np.hstack([np.minimum(a, b), np.maximum(a, b)])


def _touching(rect: Rect, boxes: np.ndarray) -> np.ndarray:
    return boxes[
        (boxes[:, 0] <= rect[2])
        & (boxes[:, 2] >= rect[0])
        & (boxes[:, 1] <= rect[3])
        & (boxes[:, 3] >= rect[1])
    ]


def _grow(rect: Rect, touching: np.ndarray) -> Rect:
    """`rect` grown to contain the given edge boxes, plus MARGIN."""
    if len(touching) == 0:
        return rect
    low, high = touching[:, :2].min(axis=0), touching[:, 2:].max(axis=0)
    return (
        min(rect[0], float(low[0]) - MARGIN),
        min(rect[1], float(low[1]) - MARGIN),
        max(rect[2], float(high[0]) + MARGIN),
        max(rect[3], float(high[1]) + MARGIN),
    )


def _cell_rects(touching: np.ndarray, x0: float, y0: float, step: float, per_tile: int) -> np.ndarray:
    """For each padded cell of the tile at (x0, y0) (row-major, per_tile²), the rectangle grown to hold
    every edge that touches it, plus MARGIN: (per_tile², 4)."""
    j, i = np.divmod(np.arange(per_tile * per_tile), per_tile)
    rects = np.column_stack(
        [x0 + i * step - PAD, y0 + j * step - PAD, x0 + (i + 1) * step + PAD, y0 + (j + 1) * step + PAD]
    )
    if len(touching) == 0:
        return rects
    # the cells each edge may touch (a superset is harmless: it only grows a rectangle a little more)
    c_lo = np.clip(np.floor((touching[:, 0] - PAD - x0) / step), 0, per_tile - 1).astype(np.int64)
    c_hi = np.clip(np.floor((touching[:, 2] + PAD - x0) / step), 0, per_tile - 1).astype(np.int64)
    r_lo = np.clip(np.floor((touching[:, 1] - PAD - y0) / step), 0, per_tile - 1).astype(np.int64)
    r_hi = np.clip(np.floor((touching[:, 3] + PAD - y0) / step), 0, per_tile - 1).astype(np.int64)
    low = np.full((per_tile * per_tile, 2), np.inf)
    high = np.full((per_tile * per_tile, 2), -np.inf)
    for dr in range(int((r_hi - r_lo).max()) + 1):
        for dc in range(int((c_hi - c_lo).max()) + 1):
            ok = (r_lo + dr <= r_hi) & (c_lo + dc <= c_hi)
            cell = (r_lo[ok] + dr) * per_tile + c_lo[ok] + dc
            np.minimum.at(low, cell, touching[ok, :2])
            np.maximum.at(high, cell, touching[ok, 2:])
    rects[:, :2] = np.minimum(rects[:, :2], low - MARGIN)
    rects[:, 2:] = np.maximum(rects[:, 2:], high + MARGIN)
    return rects


def _tile_pieces(
    geometries: np.ndarray, tree: shapely.STRtree, edges: dict[int, np.ndarray], x0: float, y0: float, step: float
) -> list[_TilePiece]:
    rect = (x0 - PAD, y0 - PAD, x0 + TILE + PAD, y0 + TILE + PAD)
    per_tile = round(TILE / step)
    pieces: list[_TilePiece] = []
    for f in np.sort(tree.query(shapely.box(*rect))).tolist():  # ascending feature index
        if f not in edges:
            edges[f] = edge_boxes(geometries[f])
        touching = _touching(rect, edges[f])
        piece = shapely.clip_by_rect(geometries[f], *_grow(rect, touching))
        if not piece.is_empty and shapely.intersects(piece, shapely.box(*rect)):
            cell_rects = _cell_rects(touching, x0, y0, step, per_tile)
            pieces.append(_TilePiece(f, piece, shapely.bounds(piece), cell_rects))
    return pieces


def _cell_pieces(tile: list[_TilePiece], k: int, rect: tuple[float, float, float, float],
                 ) -> tuple[list[tuple[int, shapely.Geometry]], shapely.Geometry | None]:
    """The (feature, piece) pairs of the tile's pieces that meet the k-th cell of the tile (`rect`: the cell
    with its padding), and the cell's box (None when no piece came near it)."""
    xmin, ymin, xmax, ymax = rect
    box = None
    found: list[tuple[int, shapely.Geometry]] = []
    for t in tile:
        b = t.bounds
        if b[0] > xmax or b[2] < xmin or b[1] > ymax or b[3] < ymin:
            continue
        piece = shapely.clip_by_rect(t.piece, *t.cell_rects[k].tolist())
        if piece.is_empty:
            continue
        box = box or shapely.box(xmin, ymin, xmax, ymax)
        if shapely.intersects(piece, box):
            found.append((t.feature, piece))
    return found, box


def _whole_land(found: list[tuple[int, shapely.Geometry]], box: shapely.Geometry | None, n_land: int,
                cell_area: float) -> bool:
    """The cell lies wholly inside one land feature (no territorial sea): it stores that feature, no pieces."""
    return (
        len(found) == 1
        and found[0][0] < n_land
        and found[0][1].area >= cell_area * (1 - 1e-9)
        and found[0][1].contains(box)
    )


def _wkb_pack(geoms: list[shapely.Geometry]) -> tuple[np.ndarray, bytes]:
    """The pieces as one WKB byte string and the offset of each piece in it (one more than pieces)."""
    blobs = shapely.to_wkb(np.array(geoms, dtype=object)) if geoms else np.empty(0, dtype=object)
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs.tolist()])
    return offsets, b"".join(blobs.tolist())


def build(
    features: Features, step: float = GRID_STEP, bands: tuple[np.ndarray, np.ndarray] | None = None
) -> GridIndex:
    """Build the grid from the features and their territorial-sea pieces `bands` = (owner feature per
    piece, pieces) (deterministic for given inputs and step)."""
    n_land = len(features.geometries)
    band_owner, band_pieces = bands if bands is not None else (np.empty(0, np.int32), np.empty(0, object))
    geometries = np.concatenate([features.geometries, band_pieces]).astype(object)
    owner = np.concatenate([np.arange(n_land, dtype=np.int32), band_owner.astype(np.int32)])
    per_tile = round(TILE / step)
    if abs(per_tile * step - TILE) > 1e-9:
        raise ValueError(f"grid step {step} must divide {TILE}")
    rows, cols = round(180 / step), round(360 / step)
    cells = np.full(rows * cols, SEA, dtype=np.int32)
    border_offsets: list[int] = [0]
    piece_feature: list[int] = []
    piece_geoms: list[shapely.Geometry] = []
    tree = shapely.STRtree(geometries)
    edges: dict[int, np.ndarray] = {}
    cell_area = (step + 2 * PAD) ** 2

    for tile_row in range(round(180 / TILE)):
        for tile_col in range(round(360 / TILE)):
            x0, y0 = -180.0 + tile_col * TILE, -90.0 + tile_row * TILE
            tile = _tile_pieces(geometries, tree, edges, x0, y0, step)
            for j in range(per_tile if tile else 0):
                row = tile_row * per_tile + j
                ymin, ymax = -90.0 + row * step - PAD, -90.0 + (row + 1) * step + PAD
                for i in range(per_tile):
                    col = tile_col * per_tile + i
                    xmin, xmax = -180.0 + col * step - PAD, -180.0 + (col + 1) * step + PAD
                    found, box = _cell_pieces(tile, j * per_tile + i, (xmin, ymin, xmax, ymax))
                    if not found:
                        continue
                    cell = row * cols + col
                    if _whole_land(found, box, n_land, cell_area):
                        cells[cell] = found[0][0]
                        continue
                    cells[cell] = SEA - 1 - (len(border_offsets) - 1)
                    for f, piece in found:
                        piece_feature.append(f)
                        piece_geoms.append(piece)
                    border_offsets.append(len(piece_feature))

    wkb_offsets, wkb = _wkb_pack(piece_geoms)
    return GridIndex(
        step=step,
        rows=rows,
        cols=cols,
        codes=features.codes,
        owner=owner,
        cells=cells,
        border_offsets=np.array(border_offsets, dtype=np.int64),
        piece_feature=np.array(piece_feature, dtype=np.int32),
        wkb_offsets=wkb_offsets,
        wkb=wkb,
        source_hash=features.source_hash,
    )

