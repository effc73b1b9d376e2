import math

import numpy as np
import pytest

from embassy.common.errors import BadInput
from embassy.geo.distance import haversine_km, haversine_km_many
from embassy.geo.h3cells import STAY_RES, cell_at, cell_center, disk


def test_cell_at_returns_an_int_cell_near_the_point():
    cell = cell_at(-6.2088, 106.8456)
    assert isinstance(cell, int)
    lat, lon = cell_center(cell)
    assert haversine_km(lat, lon, -6.2088, 106.8456) < 0.3  # res 9 cells are ~0.1 km²
    assert cell_at(-6.2088, 106.8456, STAY_RES) == cell
    assert cell_at(-6.2088, 106.8456, 5) != cell


def test_disk():
    cell = cell_at(1.2903, 103.8519)
    ring = disk(cell, 1)
    assert len(ring) == 7
    assert cell in ring
    assert len(disk(cell, 0)) == 1
    assert all(isinstance(c, int) for c in ring)


@pytest.mark.parametrize(
    ("lat", "lon", "res", "field"), [(91, 0, 9, "lat"), (0, "x", 9, "lon"), (0, 0, 16, "res")]
)
def test_cell_at_rejects_bad_input(lat, lon, res, field):
    with pytest.raises(BadInput) as exc:
        cell_at(lat, lon, res)
    assert exc.value.field == field


def test_haversine_known_distances():
    assert haversine_km(0, 0, 0, 0) == 0
    # Jakarta (Monas) – Singapore (City Hall) ≈ 892 km
    assert haversine_km(-6.2088, 106.8456, 1.2903, 103.8519) == pytest.approx(892, abs=10)
    # a quarter of a meridian
    assert haversine_km(0, 0, 90, 0) == pytest.approx(math.pi / 2 * 6371.0088)
    # antipodes do not fail on rounding
    assert haversine_km(10, 20, -10, -160) == pytest.approx(math.pi * 6371.0088)


def test_haversine_many_matches_scalar():
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(-90, 90, 500), rng.uniform(-180, 180, 500)
    many = haversine_km_many(-6.2, 106.8, lats, lons)
    assert many.shape == (500,)
    expected = [haversine_km(-6.2, 106.8, a, b) for a, b in zip(lats, lons, strict=True)]
    assert np.allclose(many, expected, rtol=1e-12, atol=1e-9)
