"""The baseline point → country resolver: the definition of the rule in `embassy.geo.boundaries`, applied
the plain way (STRtrees over the raw polygons, distance over every coast edge). Tests and the benchmark
compare the app's grid index with it."""

from __future__ import annotations

import numpy as np
import shapely

from embassy.geo import coast
from embassy.geo.boundaries import AT_SEA, Answer, Bands, load_or_build_bands
from embassy.geo.naturalearth import Features, load_features


class NaiveCountryResolver:
    """STRtrees over the raw feature polygons and territorial-sea polygons. Precondition for lookups: a
    validated point."""

    def __init__(self, features: Features | None = None, bands: Bands | None = None) -> None:
        self.features = features or load_features()
        self.codes = self.features.codes
        self.tree = shapely.STRtree(self.features.geometries)
        self.band_owner, band_pieces = bands if bands is not None else load_or_build_bands(self.features)
        self.band_tree = shapely.STRtree(band_pieces)
        self.edges = coast.edges_for(self.features)
        self._prepared: np.ndarray | None = None

    def locate(self, lat: float, lon: float) -> Answer:
        point = shapely.Point(lon, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            return self.codes[int(hits.min())], "land"
        return self._coastal(lat, lon, self.band_owner[self.band_tree.query(point, predicate="intersects")])

    def country_at(self, lat: float, lon: float) -> str | None:
        return self.locate(lat, lon)[0]

    def _coastal(self, lat: float, lon: float, owners: np.ndarray) -> Answer:
        features = sorted(set(owners.tolist()))
        if not features:
            return AT_SEA
        if len(features) == 1:
            return self.codes[features[0]], "coastal"
        edges = self.edges
        candidates = [(f, np.arange(edges.of(f).start, edges.of(f).stop)) for f in features]
        return self.codes[coast.nearest_coast(lat, lon, candidates, edges)], "coastal"

    def locate_many(self, lats: np.ndarray | list[float], lons: np.ndarray | list[float]) -> list[Answer]:
        """Vectorised `locate` for checking many points: the same exact point-in-polygon predicate
        and the same lowest-index rule, evaluated feature by feature on prepared copies (the tree's own
        geometries stay unprepared so that the scalar baseline is what it claims to be); points off land
        are then answered one by one by the scalar territorial-sea rule."""
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
        answers: list[Answer] = [AT_SEA] * len(xs)
        off_land = np.flatnonzero(lowest == len(self.codes))
        for i, f in enumerate(lowest.tolist()):
            if f < len(self.codes):
                answers[i] = (self.codes[f], "land")
        if len(off_land):
            p_idx, b_idx = self.band_tree.query(shapely.points(xs[off_land], ys[off_land]), predicate="intersects")
            by_point: dict[int, list[int]] = {}
            for p, b in zip(p_idx.tolist(), b_idx.tolist(), strict=True):
                by_point.setdefault(p, []).append(b)
            for p, pieces in by_point.items():
                i = int(off_land[p])
                answers[i] = self._coastal(float(ys[i]), float(xs[i]), self.band_owner[pieces])
        return answers

    def country_at_many(
        self, lats: np.ndarray | list[float], lons: np.ndarray | list[float]
    ) -> list[str | None]:
        return [a[0] for a in self.locate_many(lats, lons)]
