"""Territorial seas: coastal places belong to their country, overlaps go to the nearer coast, and the app's
resolver answers exactly what the naive definition does."""

import math

import numpy as np
import pytest
import shapely

from embassy.geo import coast
from embassy.geo.boundaries import get_country_resolver, locate
from embassy.geo.cities import city_accuracy
from embassy.geo.naive import NaiveCountryResolver
from embassy.geo.naturalearth import load_features


@pytest.fixture(scope="module")
def fast():
    return get_country_resolver()


@pytest.fixture(scope="module")
def naive():
    return NaiveCountryResolver()


# City centres (GeoNames) that Natural Earth 1:10m draws a few hundred metres out at sea.
COASTAL = [
    ("Kota Kinabalu", 5.9749, 116.0724, "MY"),
    ("Tawau", 4.2448, 117.8911, "MY"),
    ("Sandakan", 5.8402, 118.1179, "MY"),
    ("Labuan", 5.2831, 115.2308, "MY"),
    ("Lagos", 6.4541, 3.3947, "NG"),
    ("Victoria, Hong Kong", 22.2783, 114.1747, "HK"),
    ("Juneau", 58.3019, -134.4197, "US"),
    ("Bremerton", 47.5673, -122.6326, "US"),
    ("Bandar Abbas", 27.1865, 56.2808, "IR"),
    ("Kuta, Bali", -8.7233, 115.1723, "ID"),
    ("Lý Sơn (island missing at 1:10m)", 15.3720, 109.1189, "VN"),
    ("Abyei (enclosed gap in this edition)", 9.5953, 28.4349, "SD"),
]


@pytest.mark.parametrize(("name", "lat", "lon", "code"), COASTAL, ids=[c[0] for c in COASTAL])
def test_coastal_cities_resolve_to_their_country(fast, naive, name, lat, lon, code):
    answer = fast.locate(lat, lon)
    assert answer[0] == code and answer[1] in {"land", "coastal"}
    assert naive.locate(lat, lon) == answer
    assert locate(lat, lon) == answer


def test_the_band_is_twelve_nautical_miles(fast):
    # Due east of Lagos's coast: land, then territorial sea, then the open Gulf of Guinea. Walk south
    # from the Lagos shore and find where "coastal" ends: 22.224 km from the coast, within 100 m.
    edges = coast.edges_for(load_features())
    nigeria = load_features().codes.index("NG")
    lon, lat, last = 3.6, 6.40, None
    while fast.locate(lat, lon)[1] != "sea":
        if fast.locate(lat, lon)[1] == "coastal":
            last = lat
        lat -= 0.0005
    assert last is not None
    d = coast.km_of_chord2(coast.coast_chord2(coast.point_vector(last, lon), edges.a[edges.of(nigeria)],
                                              edges.b[edges.of(nigeria)]))
    assert math.isclose(d, coast.TERRITORIAL_SEA_KM, abs_tol=0.1)


def test_open_sea_is_still_at_sea(fast):
    for lat, lon in [(0.0, -30.0), (-40.0, 80.0), (0.0, -150.0), (-5.0, 80.0)]:
        assert fast.locate(lat, lon) == (None, "sea")


def test_overlapping_territorial_seas_go_to_the_nearer_coast(fast, naive):
    """Singapore Strait and Johor Strait: SG, MY and ID 12-nm bands overlap. Every off-land point in two
    or more bands is answered by the country whose coast (its whole outline) is nearest."""
    features = load_features()
    edges = coast.edges_for(features)
    owners = naive.band_owner
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(1.0, 1.55, 4000), rng.uniform(103.4, 104.4, 4000)
    shared = 0
    for lat, lon in zip(lats.tolist(), lons.tolist(), strict=True):
        code, rule = fast.locate(lat, lon)
        if rule != "coastal":
            continue
        point = shapely.Point(lon, lat)
        holders = sorted({int(owners[i]) for i in naive.band_tree.query(point, predicate="intersects")})
        if len(holders) < 2:
            continue
        shared += 1
        p = coast.point_vector(lat, lon)
        dist = {f: coast.coast_chord2(p, edges.a[edges.of(f)], edges.b[edges.of(f)]) for f in holders}
        assert code == features.codes[min(holders, key=lambda f: (dist[f], f))]
    assert shared > 100  # the test really exercised the overlap


def test_antimeridian_and_poles(fast, naive):
    # Chukotka's coast is cut by Natural Earth at 180°: the sea on both sides belongs to Russia, measured
    # across the line; Fiji likewise. The poles are far from any coast.
    for lat, lon in [(66.5, 179.9), (66.5, -179.9), (-16.8, 179.99), (-16.8, -179.99)]:
        assert fast.locate(lat, lon) == naive.locate(lat, lon)
        assert fast.locate(lat, lon)[0] in {"RU", "FJ"}
    assert fast.locate(90.0, 0.0) == (None, "sea")
    assert fast.locate(-85.0, 0.0) == ("AQ", "land")


def test_identical_answers_near_coasts(fast, naive):
    """Points scattered within 40 km of coast vertices: the fast grid agrees with the naive definition."""
    rng = np.random.default_rng(9)
    coords = shapely.get_coordinates(shapely.boundary(load_features().geometries))
    pick = coords[rng.integers(0, len(coords), 15_000)]
    lats = np.clip(pick[:, 1] + rng.normal(0, 0.15, len(pick)), -90, 90).tolist()
    lons = np.clip(pick[:, 0] + rng.normal(0, 0.15, len(pick)), -180, 180).tolist()
    expected = naive.locate_many(lats, lons)
    got = [fast.locate(a, b) for a, b in zip(lats, lons, strict=True)]
    assert [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g] == []
    assert sum(g[1] == "coastal" for g in got) > 1000


def test_geonames_cities_resolve_to_their_own_country(fast):
    """GeoNames cities of 15,000+ people: at least 99.5 % answer their own country, none is at sea."""
    result = city_accuracy(fast.locate)
    assert result.total > 30_000
    assert [c.name for c in result.at_sea] == []
    assert result.own_share >= 0.995
    assert result.rules["coastal"] > 400  # the places the old rule put at sea
