"""A crisis drill in headless Chromium (Playwright), end to end, against a real server and its task worker.

An officer of KBRI Kuala Lumpur draws a circle around central Kuala Lumpur and declares a (drill) crisis, starts
the roll-call, and watches the crisis room while citizens answer on their phones through the links in the SMS
they were sent (the development sink stands in for the SMS provider). The room's counts follow without a
reload; the officer follows up the silent by phone, writes in the log and opens the report and its PDF.

The server is the harness's uvicorn process plus a `db_worker` (the roll-call and the outbox run as background
tasks, as under `make run`), on its own database: a temporary SQLite file, or a fresh PostgreSQL database when
DATABASE_URL is set. Its data is made with the factories on that database (crises/tests/browser_data.py).
Screenshots: var/screenshots/crisis-*.png.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gsm0338  # noqa: F401  (the SMS check encodes with its codec)
import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from embassy.common.tests import harness as tb  # after the skips above (it skips the same way)

expect = tb.expect
browser = tb.browser  # the same module-scoped Chromium fixture as the other browser tests

pytestmark = pytest.mark.browser

OFFICER = "kl.drill"  # signs in with the demo password and the demo TOTP secret derived from this name
CENTRE, RADIUS_KM = (3.14, 101.69), 12.0
TITLE = "LATIHAN: Banjir Kuala Lumpur"  # "LATIHAN:" marks a drill (crises.report.data.is_drill)
# (name, phone, lat, lon): five inside the circle (within 3 km of the centre), one in Klang (~30 km away).
PEOPLE = [
    ("Ayu Lestari", "+6281234567801", 3.1390, 101.6869),
    ("Bayu Pratama", "+6281234567802", 3.1500, 101.7000),
    ("Citra Dewi", "+6281234567803", 3.1250, 101.6800),
    ("Dimas Saputra", "+6281234567804", 3.1600, 101.7100),
    ("Eka Wulandari", "+6281234567805", 3.1300, 101.6700),
]
OUTSIDE = ("Fajar Nugroho", "+6281234567806", 3.0440, 101.4460)
SHOTS = tb.SHOTS

# Lets the test find the page's Leaflet maps (window.__maps) to turn a place into a point to click on screen.
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

# Its own database: the officer and the people above only (no demo seed), a task worker for the roll-call.
BROWSER_SERVER = tb.ServerSpec(
    commands=(), setup="embassy.crises.tests.browser_data:drill_people",
    setup_args=(("officer", OFFICER), ("people", [*PEOPLE, OUTSIDE])), worker=True,
    env=(("SITE_URL", "{base}"), ("TASKS_BACKEND", "database"), ("NOTIFY_DEV_SINK", "1"),
         ("ROLLCALL_CHANNELS", "push,email,sms,whatsapp")))
server = tb.server


# --- Pages ---------------------------------------------------------------------------------------------------------
@dataclass
class Watch:
    """What every page of the drill asked for and complained about, checked at the end."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions and console errors
    overflows: list[str] = field(default_factory=list)  # screenshots of pages wider than their viewport

    def page(self, context: Any) -> Any:
        page = context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"{page.url}: {msg.text}"))
        return page

    def new(self, browser: Any, server: tb.Server, viewport: str, **options: Any) -> Any:
        context = browser.new_context(base_url=server.base, viewport=tb.VIEWPORTS[viewport], locale="id-ID",
                                      **options)
        context.set_default_timeout(tb.TIMEOUT_MS)
        return self.page(context)

    def shot(self, page: Any, name: str, *, full: bool = True) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            self.overflows.append(f"{name}: {page.url} is {width}px wide")
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _on_screen(page: Any, lat: float, lon: float) -> tuple[float, float]:
    """Where a place is on the page's (only) map, in viewport pixels."""
    x, y = page.evaluate("""([lat, lon]) => {
        const map = window.__maps[0], p = map.latLngToContainerPoint([lat, lon]);
        const box = map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""", [lat, lon])
    return float(x), float(y)


def _count(page: Any, name: str) -> Any:
    return page.locator(f"#room-counts [data-count={name}]")


def _expect_counts(page: Any, timeout: int = 8_000, **counts: int) -> None:
    for name, value in counts.items():
        expect(_count(page, name)).to_have_text(str(value), timeout=timeout)


def _map_drawn(page: Any) -> None:
    """The room's map shows the country outlines and the hexagons of the people inside."""
    expect(page.locator("[data-room-map].leaflet-container")).to_be_visible()
    expect(page.locator("[data-room-map] .leaflet-overlay-pane path.leaflet-interactive").first).to_be_attached()


# --- The drill, step by step ---------------------------------------------------------------------------------------
def _draw_circle(officer: Any) -> tuple[float, float, float]:
    """Draw a circle on the map (click the centre, click again at the edge, drag the handle back to 12 km);
    returns the centre and radius the form holds."""
    zone_map = officer.locator("[data-zone-map]")
    expect(zone_map).to_have_class(re.compile(r"leaflet-container"))
    expect(zone_map.locator(".leaflet-overlay-pane path").first).to_be_attached()  # the country outlines
    officer.wait_for_function("() => window.__maps.length === 1")
    officer.fill("#id_title", TITLE)
    officer.select_option("#id_kind", "flood")
    expect(officer.locator("input[name=zone][value=circle]")).to_be_checked()
    zone_map.scroll_into_view_if_needed()
    # The officer zooms in on Kuala Lumpur (as with the wheel), then draws.
    officer.evaluate("([lat, lon]) => window.__maps[0].setView([lat, lon], 11, {animate: false})", list(CENTRE))
    officer.mouse.click(*_on_screen(officer, *CENTRE))
    expect(officer.locator("#id_lat")).to_have_value(re.compile(r"^3\.1[34]\d*$"))
    label = zone_map.locator(".leaflet-tooltip")  # the radius, beside the handle on the circle's edge

    def east(km: float) -> tuple[float, float]:
        return _on_screen(officer, CENTRE[0], CENTRE[1] + km / (111.32 * math.cos(math.radians(CENTRE[0]))))

    officer.mouse.move(*east(10), steps=5)  # the circle follows the pointer; the radius shows in its field
    expect(officer.locator("#id_radius_km")).to_have_value(re.compile(r"^(9\.\d|10(\.\d)?)$"))
    expect(label).to_have_count(0)  # no handle with a stale radius while sizing
    officer.mouse.click(*east(15))
    expect(label).to_have_count(1)
    expect(label).to_have_text(re.compile(r"^1[45]([.,]\d)? km$"))
    # Then drags the handle back to 12 km: the field and the label follow.
    officer.mouse.move(*east(15))
    officer.mouse.down()
    officer.mouse.move(*east(RADIUS_KM), steps=6)
    officer.mouse.up()
    expect(label).to_have_text(re.compile(r"^1[12]([.,]\d)? km$"))
    lat, lon = float(officer.input_value("#id_lat")), float(officer.input_value("#id_lon"))
    radius = float(officer.input_value("#id_radius_km"))
    assert abs(lat - CENTRE[0]) < 0.002 and abs(lon - CENTRE[1]) < 0.002, (lat, lon)
    assert abs(radius - RADIUS_KM) <= 0.3, radius
    assert label.inner_text() == f"{radius:g} km".replace(".", ","), (label.inner_text(), radius)  # id-ID: comma
    return lat, lon, radius


def _declare(officer: Any, watch: Watch) -> int:
    """1. Declare the crisis over the circle drawn; the room counts the five inside (not Fajar, in Klang)."""
    tb.ok(officer.goto("/konsol/krisis/baru/"))
    lat, lon, radius = _draw_circle(officer)
    officer.locator("[data-testid=declare]").click()
    officer.wait_for_url(re.compile(r"/konsol/krisis/\d+/$"))
    crisis_id = int(re.search(r"/konsol/krisis/(\d+)/", officer.url).group(1))  # type: ignore[union-attr]
    expect(officer.locator("main h1")).to_have_text(TITLE)
    expect(officer.locator("[data-testid=zone-text]")).to_contain_text(f"{radius:g} km")  # the circle as drawn
    expect(officer.locator("[data-testid=zone-text]")).to_contain_text(f"{lat:.4f}, {lon:.4f}")
    _expect_counts(officer, affected=len(PEOPLE), safe=0, help=0, silent=len(PEOPLE))  # not Fajar, in Klang
    expect(_by_mission(officer)).to_have_text(["KBRI-KUALA-LUMPUR", str(len(PEOPLE)), "0", "0", str(len(PEOPLE))])
    _map_drawn(officer)
    watch.shot(officer, "crisis-room-declared")
    return crisis_id


def _by_mission(officer: Any) -> Any:
    return officer.locator("[data-testid=by-mission] tbody tr td")


def _start_rollcall(officer: Any, crisis_id: int) -> None:
    """2. The roll-call: confirm in the dialog; the worker sends one SMS each and marks them reached."""
    officer.locator("[data-testid=rollcall]").click()
    dialog = officer.locator("#dlg-rollcall")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(str(len(PEOPLE)))
    sms = dialog.locator("[data-testid=rollcall-sms]")  # what the SMS will take before it is sent
    expect(sms).to_contain_text(str(len(PEOPLE)))
    expect(sms).to_contain_text("1 segmen")
    dialog.locator("[data-testid=rollcall-confirm]").click()
    officer.wait_for_url(re.compile(rf"/konsol/krisis/{crisis_id}/$"))
    expect(officer.locator("[data-testid=rollcall]")).to_have_count(0)  # it cannot be started twice
    expect(_count(officer, "reached")).to_have_text(str(len(PEOPLE)), timeout=30_000)  # live, no reload
    sms = officer.locator("#room-counts [data-channel=sms]")  # per channel: the sink reports them delivered
    expect(sms.locator("[data-count=handed_over]")).to_have_text(str(len(PEOPLE)))
    expect(sms.locator("[data-count=delivered]")).to_have_text(str(len(PEOPLE)))
    expect(_count(officer, "reached").locator("xpath=..").locator(".small")).to_have_text(
        re.compile(rf"^\s*{len(PEOPLE)}\b"))  # "5 asked"
    _expect_counts(officer, unreachable=0, silent=len(PEOPLE))
    officer.evaluate("() => { window.__sameRoom = true; }")  # gone if the room reloads


def _sms_links(server: tb.Server) -> list[str]:
    """The SMS each person inside was sent (nobody outside), through the sink; each one's one short link (/a/<code>):
    one GSM-7 segment, the question page behind it."""
    messages = server.call("embassy.crises.tests.browser_data:rollcall_messages")
    assert len(messages) == len(PEOPLE), messages
    by_phone = {m["address"]: m for m in messages}
    assert set(by_phone) == {p[1] for p in PEOPLE}, sorted(by_phone)  # nobody outside the zone is asked
    assert {(m["channel"], m["status"]) for m in messages} == {("sms", "sent")}, messages
    sink = (server.var / "notify" / "sink.jsonl").read_text().splitlines()
    assert len(sink) == len(PEOPLE), sink
    links = []
    for _name, phone, *_where in PEOPLE:
        body = by_phone[phone]["body"]
        assert len(body.encode("gsm03.38")) <= 160, body
        found = re.search(rf"{re.escape(server.base)}/a/[0-9A-Za-z]+", body)
        assert found, body
        links.append(found.group(0))
    return links


def _citizens_answer(browser: Any, server: tb.Server, watch: Watch, links: list[str]) -> list[Any]:
    """3. Citizens answer on their phones, without signing in: one tap on the page the SMS opens."""
    ayu = watch.new(browser, server, "phone")
    tb.ok(ayu.goto(links[0]))
    ayu.locator("[data-testid=answer-safe]").click()
    expect(ayu.locator("[data-testid=rollcall-done]")).to_have_text(re.compile(r"ditandai selamat|marked safe"))
    watch.shot(ayu, "crisis-answer-safe-phone")

    bayu = watch.new(browser, server, "phone")
    tb.ok(bayu.goto(links[1]))
    bayu.locator("[data-testid=answer-help]").click()
    expect(bayu.locator("[data-testid=rollcall-done]")).to_have_text(re.compile(r"bantuan Anda telah diterima|call for help"))
    watch.shot(bayu, "crisis-answer-help-phone")

    citra = watch.new(browser, server, "phone")
    tb.ok(citra.goto(links[2]))  # the question itself: both buttons, nothing sent yet
    expect(citra.locator("main")).to_contain_text(TITLE)
    expect(citra.locator("[data-testid=answer-help]")).to_be_visible()
    watch.shot(citra, "crisis-answer-question-phone")
    citra.locator("[data-testid=answer-safe]").click()  # one tap
    expect(citra.locator("[data-testid=rollcall-done]")).to_have_text(re.compile(r"ditandai selamat|marked safe"))
    return [ayu, bayu, citra]


def _room_follows(officer: Any) -> None:
    """4. The room follows by itself (it polls every 2 s)."""
    _expect_counts(officer, safe=2, help=1, silent=2)
    assert officer.evaluate("() => window.__sameRoom === true"), "the room was reloaded"
    expect(_by_mission(officer)).to_have_text(["KBRI-KUALA-LUMPUR", str(len(PEOPLE)), "2", "1", "2"])  # by mission too
    expect(officer.locator("[data-testid=crisis-log] li.rollcall")).to_have_count(1)


def _people_to_call(officer: Any, watch: Watch) -> None:
    """Who needs help (with the SOS case opened for them) and the silent; Dimas is called and recorded safe."""
    officer.locator("[data-testid=people-refresh]").click()  # htmx: the list alone, the page stays
    helping = officer.locator("[data-testid=help-list] tbody tr")
    expect(helping).to_have_count(1)
    expect(helping.first).to_contain_text(PEOPLE[1][0])
    case_link = helping.first.locator("[data-testid=case-link]")
    expect(case_link).to_have_attribute("href", re.compile(r"^/konsol/sos/\d+/$"))
    expect(case_link).to_have_text(re.compile(r"^SOS-\d{6}$"))
    silent = officer.locator("[data-testid=silent-row]")
    expect(silent).to_have_count(2)
    for name, phone, *_where in PEOPLE[3:]:
        row = silent.filter(has_text=name)
        expect(row).to_have_count(1)
        expect(row.locator(f"a[href='tel:{phone}']")).to_be_visible()
        expect(row).to_contain_text("SMS")
    expect(officer.locator("[data-testid=silent-total]")).to_have_text("2")

    # The case link opens the SOS case of the person who asked for help.
    case = watch.page(officer.context)
    tb.ok(case.goto(str(case_link.get_attribute("href"))))
    expect(case.locator("main")).to_contain_text(PEOPLE[1][0])
    case.close()

    # Dimas is called and is safe: recorded by the officer, the counts follow.
    dimas = silent.filter(has_text=PEOPLE[3][0])
    dimas.locator("input[name=note]").fill("Ditelepon: aman di rumah.")
    dimas.locator("[data-testid=answer-safe]").click()
    expect(officer.locator("[data-testid=silent-total]")).to_have_text("1")
    expect(silent).to_have_count(1)
    expect(silent.first).to_contain_text(PEOPLE[4][0])
    _expect_counts(officer, safe=3, help=1, silent=1, reached=len(PEOPLE))
    assert officer.evaluate("() => window.__sameRoom === true"), "the room was reloaded"


def _note(officer: Any, watch: Watch, crisis_id: int) -> None:
    """A note in the log."""
    note = "Latihan: tim piket menelepon warga yang belum menjawab."
    officer.fill("#note-text", note)
    officer.locator("[data-testid=add-note]").click()
    officer.wait_for_url(re.compile(rf"/konsol/krisis/{crisis_id}/#notes$"))
    expect(officer.locator("[data-testid=crisis-log] li.note").first).to_contain_text(note)
    _expect_counts(officer, safe=3, help=1, silent=1)
    _map_drawn(officer)
    officer.evaluate("() => window.scrollTo(0, 0)")
    watch.shot(officer, "crisis-room-drill")


def _report(officer: Any, watch: Watch, crisis_id: int) -> None:
    """5. The report, and the same as a PDF."""
    tb.ok(officer.goto(f"/konsol/krisis/{crisis_id}/laporan/"))
    report = officer.locator("[data-testid=crisis-report]")
    expect(report).to_be_visible()
    expect(officer.locator(".report-drill")).to_be_visible()  # marked as an exercise
    expect(report.locator("[data-testid=count-safe]")).to_have_text("3")
    expect(report.locator("[data-testid=count-help]")).to_have_text("1")
    expect(report.locator("[data-testid=count-silent]")).to_have_text("1")
    watch.shot(officer, "crisis-report")
    pdf_url = officer.locator("[data-testid=report-pdf]").get_attribute("href")
    assert pdf_url is not None
    response = officer.request.get(pdf_url)
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("application/pdf"), response.headers
    assert response.body().startswith(b"%PDF"), response.body()[:20]


def test_crisis_drill_in_the_crisis_room(browser: Any, server: tb.Server) -> None:
    assert set(server.data.values()) == {"KBRI-KUALA-LUMPUR"}, server.data  # everyone's stay is Kuala Lumpur's
    watch = Watch()
    officer = watch.new(browser, server, "desktop")
    officer.context.add_init_script(MAP_HOOK)
    tb.staff_signin(officer, OFFICER)
    crisis_id = _declare(officer, watch)
    _start_rollcall(officer, crisis_id)
    phones = _citizens_answer(browser, server, watch, _sms_links(server))
    _room_follows(officer)
    _people_to_call(officer, watch)
    _note(officer, watch, crisis_id)
    _report(officer, watch, crisis_id)
    for page in (*phones, officer):
        page.context.close()

    # 6. As for every browser test: nothing left the server, no script failed, the pages fit.
    assert watch.requests, "no page was opened"
    foreign = sorted({u for u in watch.requests if not u.startswith((server.base + "/", "data:", "blob:"))})
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not watch.errors, watch.errors
    assert not watch.overflows, watch.overflows
