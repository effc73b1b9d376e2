"""The offline basemap's city names (embassy/geo/basemap.py), their tiles and the endpoints that serve them."""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from django.conf import settings
from django.test import Client

from embassy.geo import basemap

KL = (3.1686, 101.698)  # Kuala Lumpur as Natural Earth places its label


def _tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


# --- the data ---------------------------------------------------------------------------------------------------
def test_the_bundled_places_load_with_their_ranks() -> None:
    places = basemap.labels()
    assert len(places) > 7000
    kl = next(p for p in places if p.name == "Kuala Lumpur")
    assert (kl.country, kl.capital, kl.rank) == ("MY", True, 2)
    assert (kl.lat, kl.lon) == KL
    tokyo = next(p for p in places if p.name == "Tokyo")
    assert tokyo.rank == 0 and tokyo.min_zoom < kl.min_zoom
    # the file is in placing order: by first zoom, then the most populous first
    keys = [(p.min_zoom, -p.population) for p in places]
    assert keys == sorted(keys)
    assert all(-90 <= p.lat <= 90 and -180 <= p.lon <= 180 for p in places)
    assert all(p.country == "" or (len(p.country) == 2 and p.country.isupper()) for p in places)


def test_the_build_script_keeps_ranks_of_zero_and_reads_either_case(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_places", Path(settings.DATA_DIR) / "basemap" / "build_places.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    source = tmp_path / "places.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.827492, -6.172472]},
         "properties": {"NAME": "Jakarta", "NAME_EN": "Jakarta", "ISO_A2": "ID", "min_zoom": 2.1, "SCALERANK": 0,
                        "POP_MAX": 9125000, "ADM0CAP": 1}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [101.55, 3.0667]},
         "properties": {"name": "Shah Alam", "name_en": "Shah Alam", "iso_a2": "MY", "min_zoom": 9, "scalerank": 10,
                        "pop_max": 481654, "adm0cap": 0}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]},
         "properties": {"NAME": "Nowhere", "ISO_A2": "-99", "min_zoom": 5, "SCALERANK": 3, "POP_MAX": 0, "ADM0CAP": 0}},
    ]}))
    rows = build.rows(source)
    assert [r["name"] for r in rows] == ["Jakarta", "Nowhere", "Shah Alam"]
    jakarta, nowhere, shah_alam = rows
    assert jakarta == {"name": "Jakarta", "name_en": "", "country": "ID", "lat": -6.1725, "lon": 106.8275,
                       "min_zoom": 2.1, "rank": 0, "population": 9125000, "capital": 1}
    assert nowhere["country"] == ""  # Natural Earth's -99: no code
    assert shah_alam["rank"] == 10 and shah_alam["capital"] == 0


# --- tiles ------------------------------------------------------------------------------------------------------
def test_tile_bounds_follow_the_web_mercator_grid() -> None:
    west, south, east, north = basemap.tile_bounds(0, 0, 0)
    assert (west, east) == (-180, 180)
    assert north == pytest.approx(85.0511, abs=1e-4) and south == pytest.approx(-85.0511, abs=1e-4)
    assert basemap.tile_bounds(1, 1, 0) == pytest.approx((0, 0, 180, 85.0511), abs=1e-4)


def test_tile_addresses_wrap_around_the_antimeridian_and_are_checked() -> None:
    assert basemap.normalise(3, 9, 2) == (3, 1, 2)
    assert basemap.normalise(3, -1 % 8, 2) == (3, 7, 2)
    assert basemap.normalise(basemap.MAX_ZOOM + 2, 4000, 2000) == (basemap.MAX_ZOOM, 1000, 500)
    for bad in ((3, 0, 8), (3, 0, -1), (-1, 0, 0), (23, 0, 0)):
        with pytest.raises(basemap.BadTile):
            basemap.normalise(*bad)


def test_a_tile_holds_the_places_a_map_two_zooms_closer_may_label() -> None:
    world = {p.name for p in basemap.labels_in_tile(0, 0, 0)}
    assert {"Tokyo", "Jakarta", "Singapore"} <= world
    assert "Shah Alam" not in world  # a town: only when zoomed in
    x, y = _tile_of(*KL, basemap.MAX_ZOOM)
    close = {p.name for p in basemap.labels_in_tile(basemap.MAX_ZOOM, x, y)}
    assert "Kuala Lumpur" in close
    x, y = _tile_of(3.0667, 101.55, 7)
    assert "Shah Alam" in {p.name for p in basemap.labels_in_tile(7, x, y)}  # min_zoom 9 <= 7 + 3


def test_every_place_is_in_exactly_one_tile_of_a_zoom() -> None:
    z = 2
    limit = z + basemap.ZOOM_AHEAD
    seen: list[str] = []
    for x in range(4):
        for y in range(4):
            seen += [f"{p.name}@{p.lat},{p.lon}" for p in basemap.labels_in_tile(z, x, y)]
    expected = [f"{p.name}@{p.lat},{p.lon}" for p in basemap.labels() if p.min_zoom <= limit and abs(p.lat) < 85.05]
    assert sorted(seen) == sorted(expected)


# --- endpoints --------------------------------------------------------------------------------------------------
@pytest.mark.urls("embassy.geo.tests.basemap_urls")
def test_a_places_tile_is_geojson_cached_compressed_and_revalidated(client: Client) -> None:
    x, y = _tile_of(*KL, 4)
    response = client.get(f"/geo/places/4/{x}/{y}.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "max-age=86400" in response["Cache-Control"] and "public" in response["Cache-Control"]
    doc = json.loads(response.content)
    assert doc["type"] == "FeatureCollection"
    kl = next(f for f in doc["features"] if f["properties"]["name"] == "Kuala Lumpur")
    assert kl["geometry"] == {"type": "Point", "coordinates": [KL[1], KL[0]]}
    assert kl["properties"]["capital"] is True
    etag = response["ETag"]

    zipped = client.get(f"/geo/places/4/{x}/{y}.geojson", HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == doc
    assert len(zipped.content) < len(response.content) / 2

    again = client.get(f"/geo/places/4/{x}/{y}.geojson", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    # the same tile one world to the east: the same places (a map that crossed the antimeridian)
    assert json.loads(client.get(f"/geo/places/4/{x + 16}/{y}.geojson").content) == doc


@pytest.mark.urls("embassy.geo.tests.basemap_urls")
def test_tiles_outside_the_grid_or_the_layers_are_not_found(client: Client) -> None:
    assert client.get("/geo/places/3/0/8.geojson").status_code == 404
    assert client.get("/geo/places/30/0/0.geojson").status_code == 404
    assert client.get("/geo/roads/3/0/0.geojson").status_code == 404
    assert client.get(f"/geo/land/{basemap.LAND_MIN_ZOOM - 1}/0/0.geojson").status_code == 404  # the outlines file
    assert client.post("/geo/places/3/0/0.geojson").status_code == 405


def test_a_land_tile_holds_the_countries_in_detail_cut_to_the_tile() -> None:
    z = 8
    x, y = _tile_of(3.0, 101.35, z)  # the coast at Klang
    doc = json.loads(basemap.land_tile_geojson(z, x, y))
    kinds = {(f["properties"]["code"], f["properties"]["kind"]) for f in doc["features"]}
    assert ("MY", "area") in kinds and ("MY", "line") in kinds
    west, south, east, north = basemap.tile_bounds(z, x, y)
    pad = (east - west) / 64 + 1e-4  # and the rounding of coordinates
    for f in doc["features"]:
        shape = shapely.geometry.shape(f["geometry"])
        minx, miny, maxx, maxy = shape.bounds
        assert west - pad <= minx and maxx <= east + pad and south - pad <= miny and maxy <= north + pad
    # far more detail than the world file: the coast of this one tile has more points than all of Malaysia there
    line = next(shapely.geometry.shape(f["geometry"]) for f in doc["features"]
                if f["properties"] == {"code": "MY", "kind": "line"})
    assert shapely.get_num_coordinates(line) > 40


@pytest.mark.urls("embassy.geo.tests.basemap_urls")
def test_a_land_tile_is_served_like_the_names(client: Client) -> None:
    z = basemap.LAND_MIN_ZOOM + 2
    x, y = _tile_of(3.0, 101.35, z)
    response = client.get(f"/geo/land/{z}/{x}/{y}.geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert response["ETag"].startswith('"land-')
    assert json.loads(gzip.decompress(response.content))["type"] == "FeatureCollection"
    assert client.get(f"/geo/land/{z}/{x}/{y}.geojson", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.urls("embassy.geo.tests.basemap_urls")
def test_the_outlines_carry_an_etag(client: Client) -> None:
    response = client.get("/geo/outlines.geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    doc = json.loads(gzip.decompress(response.content))
    assert len(doc["features"]) > 200
    assert len(response.content) < 450_000  # was 810 KB with coordinates at full float precision
    malaysia = next(f for f in doc["features"] if f["properties"]["code"] == "MY")
    ring = malaysia["geometry"]["coordinates"][0][0]
    assert all(round(v, 3) == v for point in ring for v in point)
    again = client.get("/geo/outlines.geojson", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
