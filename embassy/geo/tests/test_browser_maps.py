"""The console's maps in headless Chromium (desktop, 1366×900), without MAP_TILE_URL: the bundled basemap draws
country outlines (in detail when zoomed in) and city names; a circle drawn on the crisis map lands where it is clicked; a circle can be set
by typing a city and a radius; the where-citizens-are map passes axe. Screenshots: var/screenshots/maps-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from embassy.common.tests import harness as tb  # after the skips above (it skips the same way)

expect = tb.expect
browser = tb.browser
server = tb.server

pytestmark = pytest.mark.browser

OFFICER = "kl.protection"
KL = (3.1412, 101.68653)  # Kuala Lumpur in the gazetteer (GeoNames)
AXE = Path(tb.__file__).parent / "vendor" / "axe-core" / "axe.min.js"

# Lets the tests reach the page's Leaflet maps (window.__maps) to turn a place into a point on screen.
MAP_HOOK = """
(() => {
  window.__maps = [];
  let leaflet;
  Object.defineProperty(window, "L", { configurable: true, get() { return leaflet; }, set(value) {
    leaflet = value;
    if (value && value.Map && value.Map.addInitHook) value.Map.addInitHook(function () { window.__maps.push(this); });
  } });
})();
"""


@pytest.fixture(scope="module")
def officer(browser: Any, server: str) -> Iterator[Any]:
    """A protection officer of KBRI Kuala Lumpur, signed in once for the module."""
    page = tb.new_page(browser, server, "desktop")
    page.context.add_init_script(MAP_HOOK)
    tb.staff_signin(page, OFFICER)
    yield page
    page.context.close()


def _basemap_drawn(page: Any, selector: str) -> None:
    """The map shows the country outlines and at least a few city names."""
    expect(page.locator(f"{selector}[data-basemap=ready]")).to_be_attached()
    expect(page.locator(f"{selector} .leaflet-overlay-pane path").first).to_be_attached()
    expect(page.locator(f"{selector} .se-place").first).to_be_visible()


def _pixel(page: Any, lat: float, lon: float) -> tuple[int, int, float, float]:
    """The whole viewport pixel under a place on the page's map, and the place that pixel stands for.

    A mouse event carries whole pixels, and a map's container points start inside its border: a click computed
    from the border box and a fractional position lands a pixel or two up and left — tens of kilometres at the
    zoom a crisis map opens with (the reported 47 km)."""
    x, y, plat, plon = page.evaluate("""([lat, lon]) => {
        const map = window.__maps[0], c = map.getContainer(), box = c.getBoundingClientRect();
        const p = map.latLngToContainerPoint([lat, lon]);
        const x = Math.round(box.left + c.clientLeft + p.x), y = Math.round(box.top + c.clientTop + p.y);
        const at = map.containerPointToLatLng([x - box.left - c.clientLeft, y - box.top - c.clientTop]);
        return [x, y, at.lat, at.lng];
    }""", [lat, lon])
    return int(x), int(y), float(plat), float(plon)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    from embassy.geo.distance import haversine_km

    return float(haversine_km(a[0], a[1], b[0], b[1]))


def _centre(page: Any) -> tuple[float, float]:
    return float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))


def _open_declare(page: Any) -> Any:
    tb.ok(page.goto("/konsol/krisis/baru/"))
    page.wait_for_function("() => window.__maps.length === 1")
    zone_map = page.locator("[data-zone-map]")
    _basemap_drawn(page, "[data-zone-map]")
    zone_map.scroll_into_view_if_needed()
    return zone_map


def test_the_crisis_map_shows_outlines_and_city_names_without_tiles(officer: Any) -> None:
    sizes: dict[str, int] = {}

    def measure(response: Any) -> None:
        if "/geo/" in response.url and response.status == 200:
            sizes[response.url] = int(response.headers.get("content-length") or len(response.body()))

    officer.on("response", measure)
    zone_map = _open_declare(officer)
    expect(zone_map.locator(".leaflet-tile")).to_have_count(0)  # no tile server configured
    expect(zone_map.locator(".leaflet-control-attribution")).to_contain_text("Natural Earth")
    expect(zone_map.locator(".se-place", has_text="Jakarta")).to_be_visible()  # capitals at world view
    labels = int(zone_map.get_attribute("data-place-labels") or 0)
    assert 10 <= labels <= 60, labels  # names, not clutter
    # Closer in: the city and the towns around it.
    officer.evaluate("([lat, lon]) => window.__maps[0].setView([lat, lon], 9, {animate: false})", list(KL))
    expect(zone_map.locator(".se-place", has_text="Kuala Lumpur")).to_be_visible()
    expect(zone_map.locator(".se-place", has_text="Putrajaya")).to_be_visible()
    expect(zone_map).to_have_attribute("data-detail", re.compile(r"^[1-9]"))  # the outlines in detail
    # Labels never overlap.
    boxes = zone_map.locator(".se-name").evaluate_all("els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1), (a, b)
    tb.shot(officer, "maps-crisis-declare-kl", "desktop", full=False)
    officer.remove_listener("response", measure)
    names = {url: n for url, n in sizes.items() if "/geo/places/" in url}
    assert names and sum(names.values()) < 80_000, names  # the names of a console map: a few small tiles
    land = {url: n for url, n in sizes.items() if "/geo/land/" in url}
    assert land and sum(land.values()) < 200_000, land


def test_a_circle_lands_where_it_is_clicked(officer: Any) -> None:
    zone_map = _open_declare(officer)
    # At the zoom the editor opens with, a pixel is tens of kilometres: the centre is the clicked pixel's place,
    # and the officer is told how coarse that is.
    x, y, plat, plon = _pixel(officer, *KL)
    officer.mouse.click(x, y)
    lat, lon = _centre(officer)
    # within a quarter of a pixel (Leaflet reads a fractional box width as a CSS scale: up to 0.2 px at the edge)
    quarter = 360 / (256 * 2 ** officer.evaluate("() => window.__maps[0].getZoom()")) / 4
    assert abs(lat - plat) < quarter and abs(lon - plon) < quarter, ((lat, lon), (plat, plon))
    expect(officer.locator("#zone-place-status")).to_contain_text(re.compile(r"\d+ km"))
    officer.mouse.click(x + 30, y)  # the radius
    expect(officer.locator("#id_radius_km")).not_to_have_value("")
    # Zoomed in on the city, as an officer does: the stored centre is within a kilometre of Kuala Lumpur.
    officer.evaluate("([lat, lon]) => window.__maps[0].setView([lat, lon], 10, {animate: false})", list(KL))
    x, y, plat, plon = _pixel(officer, *KL)
    officer.mouse.click(x, y)
    centre = _centre(officer)
    assert _km(centre, KL) < 1.0, centre
    assert _km(centre, (plat, plon)) < 0.1
    expect(zone_map.locator(".zone-handle").first).to_be_visible()


def test_a_city_and_a_radius_set_the_circle_and_the_room_shows_it(officer: Any) -> None:
    zone_map = _open_declare(officer)
    officer.fill("#id_title", "LATIHAN: Peta Kuala Lumpur")
    officer.fill("#id_radius_km", "15")
    place = officer.locator("#zone-place")
    place.fill("Kuala Lum")
    expect(officer.locator("#zone-place-list option").first).to_have_attribute("value", "Kuala Lumpur, Malaysia")
    place.press("Enter")
    expect(officer.locator("#zone-place-status")).to_contain_text("Kuala Lumpur, Malaysia")
    assert _km(_centre(officer), KL) < 0.01
    expect(zone_map.locator(".leaflet-tooltip")).to_have_text(re.compile(r"^15 km$"))  # the circle, drawn
    expect(zone_map.locator(".se-place", has_text="Kuala Lumpur")).to_be_visible()
    tb.shot(officer, "maps-crisis-city-radius", "desktop", full=False)
    officer.locator("[data-testid=declare]").click()
    officer.wait_for_url(re.compile(r"/konsol/krisis/\d+/$"))
    expect(officer.locator("[data-testid=zone-text]")).to_contain_text("15 km")
    expect(officer.locator("[data-testid=zone-text]")).to_contain_text(f"{KL[0]:.4f}, {KL[1]:.4f}")
    # The crisis room's map: the same basemap (loaded by the map script when the page does not include it).
    _basemap_drawn(officer, "[data-room-map]")
    expect(officer.locator("[data-room-map] .se-place", has_text="Kuala Lumpur")).to_be_visible()
    tb.shot(officer, "maps-crisis-room", "desktop", full=False)


def test_the_where_map_is_labelled_and_passes_axe(officer: Any) -> None:
    tb.ok(officer.goto("/konsol/sebaran/"))
    _basemap_drawn(officer, "[data-where-map]")
    expect(officer.locator("[data-where-map][data-state=ready]")).to_be_attached()
    where_map = officer.locator("[data-where-map]")
    expect(where_map).to_have_attribute("role", "region")
    officer.evaluate(AXE.read_text())
    result = officer.evaluate("""() => axe.run(document, {runOnly: {type: "tag", values:
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})""")
    serious = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]
               if v["impact"] in {"serious", "critical"}]
    assert serious == [], serious
    # The map's controls stay reachable by keyboard: the zoom buttons are links inside the region.
    expect(where_map.locator(".leaflet-control-zoom-in")).to_have_attribute("role", "button")
    tb.shot(officer, "maps-where", "desktop", full=False)


PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="


def test_with_a_tile_server_the_map_shows_its_tiles_and_credits_openstreetmap(officer: Any) -> None:
    """MAP_TILE_URL set (here a one-pixel image for every tile, no network): street tiles, no bundled names."""
    tb.ok(officer.goto("/konsol/sebaran/"))
    expect(officer.locator("[data-where-map][data-basemap=ready]")).to_be_attached()
    officer.evaluate("""url => {
        const el = document.createElement("div");
        el.id = "tiles-map"; el.className = "map"; el.dataset.tileUrl = url;
        el.dataset.outlines = document.querySelector("[data-where-map]").dataset.outlines;
        document.querySelector("main").prepend(el);
        const map = L.map(el).setView([3.14, 101.69], 9);
        window.__tilesDone = SEBasemap.add(map, el, {}).then(layer => layer === null);
    }""", PIXEL)
    assert officer.evaluate("() => window.__tilesDone") is True  # no outlines asked for: none fetched
    tiles_map = officer.locator("#tiles-map")
    expect(tiles_map.locator("img.leaflet-tile").first).to_be_attached()
    expect(tiles_map.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    expect(tiles_map.locator(".leaflet-control-attribution")).not_to_contain_text("Natural Earth")
    expect(tiles_map.locator(".se-place")).to_have_count(0)


def test_a_map_opened_on_a_place_loads_only_the_tiles_it_shows(officer: Any) -> None:
    """An SOS or a stay opens the map zoomed in on one place: detailed outlines and names of that area, and not the
    world outlines file (~360 KB) until the map is zoomed out."""
    tb.ok(officer.goto("/konsol/sebaran/"))
    expect(officer.locator("[data-where-map][data-basemap=ready]")).to_be_attached()
    asked: list[str] = []
    officer.on("request", lambda r: "/geo/" in r.url and asked.append(r.url))
    officer.evaluate("""() => {
        const el = document.createElement("div");
        el.id = "place-map"; el.className = "map";
        el.dataset.outlines = document.querySelector("[data-where-map]").dataset.outlines;
        document.querySelector("main").prepend(el);
        window.__placeMap = L.map(el).setView([3.1412, 101.68653], 13);
        SEBasemap.add(window.__placeMap, el);
    }""")
    place_map = officer.locator("#place-map")
    expect(place_map).to_have_attribute("data-basemap", "ready")
    expect(place_map.locator(".leaflet-overlay-pane path").first).to_be_attached()  # the coast, in detail
    expect(place_map.locator(".se-place", has_text="Kuala Lumpur")).to_be_visible()
    assert not [u for u in asked if u.endswith("/geo/outlines.geojson")], asked
    assert [u for u in asked if "/geo/land/" in u] and [u for u in asked if "/geo/places/" in u], asked
    officer.evaluate("() => window.__placeMap.setZoom(4, {animate: false})")
    officer.wait_for_function("() => [...document.querySelectorAll('#place-map .leaflet-overlay-pane path')].length > 100")
    assert [u for u in asked if u.endswith("/geo/outlines.geojson")], asked
