import math
import threading
from decimal import Decimal

import numpy as np
import pytest
import shapely

from embassy.common.errors import BadInput
from embassy.geo import boundaries
from embassy.geo.boundaries import (
    CountryResolver,
    country_at,
    get_country_resolver,
    validate_point,
)
from embassy.geo.naive import NaiveCountryResolver
from embassy.geo.naturalearth import covered_codes, feature_codes, load_features


@pytest.fixture(scope="module")
def fast() -> CountryResolver:
    return get_country_resolver()


@pytest.fixture(scope="module")
def naive() -> NaiveCountryResolver:
    return NaiveCountryResolver()


def sphere_points(n: int, seed: int) -> tuple[list[float], list[float]]:
    """Uniform on the sphere."""
    rng = np.random.default_rng(seed)
    lats = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lons = rng.uniform(-180.0, 180.0, n)
    return lats.tolist(), lons.tolist()


PLACES = [
    ("Singapore", 1.2903, 103.8519, "SG"),
    ("Johor Bahru", 1.4927, 103.7414, "MY"),
    # Central's waterfront is reclaimed land that Natural Earth 1:10m draws as sea: ~250 m inland
    ("Hong Kong Central", 22.2790, 114.1590, "HK"),
    ("Shenzhen", 22.5431, 114.0579, "CN"),
    ("Geneva", 46.2044, 6.1432, "CH"),
    ("Annemasse", 46.1934, 6.2342, "FR"),
    ("Saint-Genis-Pouilly", 46.2433, 6.0250, "FR"),
    ("El Paso", 31.7619, -106.4850, "US"),
    ("Ciudad Juárez", 31.6904, -106.4245, "MX"),
    ("Dili", -8.5569, 125.5603, "TL"),
    ("Vatican City", 41.9029, 12.4534, "VA"),
    ("Rome", 41.8933, 12.4829, "IT"),
    ("Malé", 4.1755, 73.5093, "MV"),
    # Nukuʻalofa's waterfront falls in the lagoon inlet of Natural Earth's Tongatapu: 5 km west
    ("Nukuʻalofa", -21.1500, -175.2500, "TO"),
    ("Victoria, Seychelles", -4.6191, 55.4513, "SC"),
    ("Jakarta", -6.2088, 106.8456, "ID"),
    ("Taipei", 25.0330, 121.5654, "TW"),
    ("Pristina", 42.6629, 21.1655, "XK"),
    ("Paris", 48.8566, 2.3522, "FR"),
    ("Oslo", 59.9139, 10.7522, "NO"),
    ("Fiji, Taveuni (east of 180°)", -16.85, -179.95, "FJ"),
    ("Chukotka (west of 180°)", 66.0, 179.5, "RU"),
    ("Atlantic Ocean", 0.0, -30.0, None),
    ("Indian Ocean", -40.0, 80.0, None),
    ("Pacific Ocean", 0.0, -150.0, None),
]


@pytest.mark.parametrize(("name", "lat", "lon", "code"), PLACES, ids=[p[0] for p in PLACES])
def test_real_places(fast, naive, name, lat, lon, code):
    assert fast.country_at(lat, lon) == code
    assert naive.country_at(lat, lon) == code
    assert country_at(lat, lon) == code


def test_convenience_accepts_ints_and_decimals():
    assert country_at(Decimal("-6.2088"), Decimal("106.8456")) == "ID"
    assert country_at(0, -30) is None


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        ("1.29", 103.85, "lat"),
        (1.29, "103.85", "lon"),
        (None, 0, "lat"),
        (0, None, "lon"),
        (True, 0, "lat"),
        (float("nan"), 0, "lat"),
        (0, float("nan"), "lon"),
        (float("inf"), 0, "lat"),
        (0, -math.inf, "lon"),
        (91, 0, "lat"),
        (-90.0001, 0, "lat"),
        (0, -181, "lon"),
        (0, 180.0001, "lon"),
        ([1], 0, "lat"),
    ],
)
def test_invalid_coordinates_name_the_field(lat, lon, field):
    with pytest.raises(BadInput) as exc:
        validate_point(lat, lon)
    assert exc.value.field == field
    with pytest.raises(BadInput):
        country_at(lat, lon)


def test_validate_point_returns_floats_and_accepts_the_edges():
    assert validate_point(90, -180) == (90.0, -180.0)
    assert validate_point(-90, 180) == (-90.0, 180.0)
    assert all(isinstance(v, float) for v in validate_point(np.float32(1.5), np.int64(2)))


def test_fast_resolver_refuses_out_of_range_coordinates(fast):
    with pytest.raises(ValueError, match="out of range"):
        fast.country_at(-91.0, 0.0)
    with pytest.raises(ValueError, match="out of range"):
        fast.country_at(0.0, 181.0)


def test_every_feature_maps_to_a_known_code():
    codes = feature_codes()
    assert len(codes) == len(load_features().geometries) == 250
    by_name = dict(zip(load_features().names, codes, strict=True))
    assert by_name["Kosovo"] == "XK"
    assert by_name["France"] == "FR"
    assert by_name["Norway"] == "NO"
    assert by_name["Taiwan"] == "TW"
    assert by_name["Dhekelia"] == "GB"
    assert by_name["Guantanamo Bay USNB"] == "US"
    assert {"ID", "SG", "MY", "XK", "AQ", "PS"} <= set(covered_codes())
    assert all(shapely.is_valid(load_features().geometries))


def test_identical_answers_on_random_points(fast, naive):
    lats, lons = sphere_points(20_000, seed=20240601)
    expected = [naive.country_at(a, b) for a, b in zip(lats, lons, strict=True)]
    got = [fast.country_at(a, b) for a, b in zip(lats, lons, strict=True)]
    mismatches = [(a, b, e, g) for a, b, e, g in zip(lats, lons, expected, got, strict=True) if e != g]
    assert mismatches == []
    land = sum(e is not None for e in expected) / len(expected)
    assert 0.2 < land < 0.4  # about 29 % of the globe is land (Antarctica included)


def _border_points(seed: int, n: int) -> tuple[list[float], list[float]]:
    """Vertices of the feature outlines, midpoints of their edges, and points a hair off them."""
    rng = np.random.default_rng(seed)
    coords = shapely.get_coordinates(shapely.boundary(load_features().geometries))
    pick = rng.integers(0, len(coords) - 1, n)
    vertex, following = coords[pick], coords[pick + 1]
    parts = [vertex, (vertex + following) / 2]
    for eps in (1e-5, 1e-7, 1e-9, 1e-12):
        parts.append(vertex + rng.choice([-eps, eps], size=vertex.shape))
        parts.append((vertex + following) / 2 + rng.normal(0, eps, size=vertex.shape))
    pts = np.concatenate(parts)
    pts[:, 0] = np.clip(pts[:, 0], -180, 180)
    pts[:, 1] = np.clip(pts[:, 1], -90, 90)
    return pts[:, 1].tolist(), pts[:, 0].tolist()


def test_identical_answers_next_to_borders(fast, naive):
    lats, lons = _border_points(seed=11, n=8_000)
    expected = naive.country_at_many(lats, lons)
    got = [fast.country_at(a, b) for a, b in zip(lats, lons, strict=True)]
    assert [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g] == []
    # the bulk check is the scalar definition
    sample = slice(0, None, 50)
    assert [naive.country_at(a, b) for a, b in zip(lats[sample], lons[sample], strict=True)] == expected[
        sample
    ]


def test_identical_answers_where_outlines_cross_grid_lines(fast, naive):
    """Points on the feature edges exactly where they cross the grid's lines (the worst case for an
    index that clips outlines to cells), and one floating-point step either side."""
    rings = shapely.get_rings(shapely.get_parts(load_features().geometries))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    inv = 1.0 / fast.step
    found = []
    for axis in (0, 1):
        ka, kb = np.floor(a[:, axis] * inv), np.floor(b[:, axis] * inv)
        cross = ka != kb
        start, end = a[cross], b[cross]
        line = np.maximum(ka[cross], kb[cross]) / inv
        t = (line - start[:, axis]) / (end[:, axis] - start[:, axis])
        on_edge = start + (end - start) * t[:, None]
        on_edge[:, axis] = line
        found += [on_edge, np.nextafter(on_edge, on_edge + 1), np.nextafter(on_edge, on_edge - 1)]
    pts = np.concatenate(found)
    lats, lons = np.clip(pts[:, 1], -90, 90).tolist(), np.clip(pts[:, 0], -180, 180).tolist()
    assert len(lats) > 50_000
    expected = naive.country_at_many(lats, lons)
    got = [fast.country_at(a, b) for a, b in zip(lats, lons, strict=True)]
    assert [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g] == []


def test_identical_answers_on_cell_edges_and_the_antimeridian(fast, naive):
    rng = np.random.default_rng(5)
    step = fast.step
    lats = (np.round(rng.uniform(-90, 90, 20_000) / step) * step).tolist()
    lons = (rng.uniform(-180, 180, 20_000)).tolist()
    lats += rng.uniform(-90, 90, 20_000).tolist()
    lons += (np.round(rng.uniform(-180, 180, 20_000) / step) * step).tolist()
    edge = np.arange(-90, 90.0001, 0.05).tolist()
    lats += edge * 2 + [90.0, -90.0] * 3
    lons += [180.0] * len(edge) + [-180.0] * len(edge) + [0.0, 0.0, 180.0, 180.0, -180.0, -180.0]
    expected = naive.country_at_many(lats, lons)
    got = [fast.country_at(a, b) for a, b in zip(lats, lons, strict=True)]
    assert [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g] == []


def test_cache_round_trip(tmp_path, monkeypatch, fast):
    monkeypatch.setattr(CountryResolver, "build", classmethod(lambda cls, *a, **k: fast))
    first = boundaries.load_or_build(tmp_path)  # "builds" and writes the cache
    assert [f.name for f in tmp_path.iterdir()] == [boundaries.cache_path(tmp_path).name]  # no temp file left
    monkeypatch.setattr(CountryResolver, "build", None)  # from now on only the cache may be used
    second = boundaries.load_or_build(tmp_path)
    assert second is not first
    lats, lons = sphere_points(5_000, seed=3)
    for lat, lon in zip(lats, lons, strict=True):
        assert second.country_at(lat, lon) == fast.country_at(lat, lon)


def test_broken_cache_is_rebuilt(tmp_path, monkeypatch, fast):
    monkeypatch.setattr(CountryResolver, "build", classmethod(lambda cls, *a, **k: fast))
    path = boundaries.cache_path(tmp_path)
    path.write_bytes(b"not an index")
    assert boundaries.load_or_build(tmp_path).country_at(-6.2088, 106.8456) == "ID"
    assert path.stat().st_size > 1_000_000
    assert CountryResolver.load(path).country_at(-6.2088, 106.8456) == "ID"


@pytest.mark.slow
def test_fresh_build_matches_the_cached_index(fast):
    """The build is deterministic, and the cache in use is what the current code builds (if this fails
    after changing the build rules, bump grid.INDEX_VERSION)."""
    fresh = CountryResolver.build().index
    cached = fast.index
    assert (fresh.rows, fresh.cols, fresh.codes) == (cached.rows, cached.cols, cached.codes)
    assert np.array_equal(fresh.cells, cached.cells)
    assert np.array_equal(fresh.piece_feature, cached.piece_feature)
    assert fresh.wkb == cached.wkb


def test_lookups_from_many_threads_agree(fast):
    lats, lons = sphere_points(20_000, seed=17)
    expected = [fast.country_at(a, b) for a, b in zip(lats, lons, strict=True)]
    results: dict[int, list[str | None]] = {}

    def work(n: int) -> None:
        results[n] = [fast.country_at(a, b) for a, b in zip(lats, lons, strict=True)]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[n] == expected for n in range(4))


def test_singleton_is_shared_between_threads(monkeypatch, fast):
    monkeypatch.setattr(boundaries, "_resolver", None)
    calls: list[int] = []

    def fake_load() -> CountryResolver:
        calls.append(1)
        return fast

    monkeypatch.setattr(boundaries, "load_or_build", fake_load)
    seen: list[CountryResolver] = []
    threads = [threading.Thread(target=lambda: seen.append(get_country_resolver())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r is fast for r in seen)
