"""Issue 10 on a cheap phone (360×740) and the officer's desktop, in headless Chromium against a real server.

- SOS from a cold start without network: after one visit the home page and the panic button come from the
  service worker's cache with their styles and script; a press is kept, the first thing on screen is "your SOS
  is saved and will be sent by itself" with SMS and Call; back online it reaches the queue exactly once.
- An accidental press taken back: "I pressed by mistake" right after the press, "Cancel my SOS" later, and a
  press that never left the phone dropped from it. The officer sees "cancelled by the citizen".
- The officer's choice of sound and notifications survives a reload.
Screenshots: var/screenshots/sos-*.png.
"""

from __future__ import annotations

import re
import time
import urllib.parse
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
kl_state = tb.kl_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}  # the phone
SAVED_TEXT = re.compile(r"(No connection|Tidak ada koneksi)")


def phone(browser: Any, server: str, **options: Any) -> Any:
    context = browser.new_context(base_url=server, viewport=PHONE, locale="id-ID", geolocation=tb.KL,
                                  permissions=["geolocation"], **options)
    context.set_default_timeout(tb.TIMEOUT_MS)
    return watch(context.new_page())


def watch(page: Any) -> Any:
    page.on("request", lambda request: tb.REQUESTS.append(request.url))
    page.on("pageerror", lambda error: tb.JS_ERRORS.append(f"{page.url}: {error}"))
    return page


def cases_of(officer: Any, name: str) -> list[dict[str, Any]]:
    r = officer.context.request.get(f"/api/v1/sos/cases?status=all&q={urllib.parse.quote(name)}")
    assert r.ok, r.text()
    return list(r.json())


def worker_ready(page: Any) -> None:
    """The service worker is installed (its shell cached) and holds the page the citizen is on."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done = page.evaluate("""async () => {
          const shell = (await caches.keys()).some((k) => k.startsWith("shell-"));
          const script = await caches.match("/static/sos/panic.js");
          const home = await (await caches.open("pages-v1")).match("/");
          return shell && !!script && !!home;
        }""")
        if done:
            return
        time.sleep(0.3)
    pytest.fail("the service worker did not cache the shell and the home page")


def test_sos_from_a_cold_start_without_network_is_kept_offered_by_sms_and_sent_once(
        browser: Any, server: str, kl_state: Any) -> None:
    officer = tb.new_page(browser, server, "desktop", storage_state=kl_state)
    before = len(cases_of(officer, "Siti"))

    page = phone(browser, server)
    tb.citizen_signin(page, tb.SITI)  # the first visit
    worker_ready(page)
    context = page.context
    context.set_offline(True)
    page.close()
    page = watch(context.new_page())  # reopened from a cold start, no network
    tb.ok(page.goto("/"))
    assert page.evaluate("() => navigator.onLine") is False
    button = page.locator("[data-sos-button]")
    expect(button).to_be_visible()
    # Styled (sos.css came from the cache): the big red round button, not a small unstyled "SOSDarurat".
    style = button.evaluate("(b) => { const s = getComputedStyle(b); return [s.backgroundColor, s.borderRadius]; }")
    assert style[0] == "rgb(200, 16, 46)" and style[1] == "50%", style
    assert button.bounding_box()["width"] >= 200

    button.click()
    saved = page.locator("[data-testid=sos-saved]")
    expect(saved).to_be_visible()
    expect(saved).to_contain_text(SAVED_TEXT)
    expect(page.locator("[data-sos-state]")).to_be_hidden()  # never "Sending your SOS…" offline
    box = saved.bounding_box()
    # first on screen and whole (scrolled into view: a fraction of a pixel above the top is rounding)
    assert -1 <= box["y"] <= 80 and box["y"] + box["height"] <= PHONE["height"] + 1, box
    assert box["y"] < button.bounding_box()["y"]
    sms = page.locator("[data-testid=sos-sms]")
    expect(sms).to_have_attribute("href", re.compile(r"^sms:\+\d+\?body=.*3\.13900"))
    href = sms.get_attribute("href")
    body = urllib.parse.unquote(href.split("?body=", 1)[1])
    assert "https://osm.org/?mlat=3.13900&mlon=101.68690" in body and len(body) <= 160, body
    expect(page.locator("[data-testid=sos-call]")).to_have_attribute("href", re.compile(r"^tel:\+\d+$"))
    tb.shot(page, "sos-offline-coldstart", "phone360", full=False)
    assert len(cases_of(officer, "Siti")) == before  # nothing reached the server

    context.set_offline(False)
    page.wait_for_url(re.compile(r"/sos/kasus/\d+/$"), timeout=30_000)
    case_id = int(re.search(r"/sos/kasus/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    tb.ok(page.goto("/"))  # the next open, and the worker's own sync, send nothing twice
    page.wait_for_timeout(3_000)
    after = cases_of(officer, "Siti")
    assert len(after) == before + 1, after  # exactly one case…
    assert [c["alerts"] for c in after if c["id"] == case_id] == [1]  # …from exactly one stored press
    queue_row = officer.locator(f"[data-testid=case-row][data-case='{case_id}']")
    tb.ok(officer.goto("/konsol/sos/"))
    expect(queue_row).to_have_count(1)
    officer.context.close()
    context.close()


def test_offline_from_an_open_page_shows_the_saved_state_at_once_and_mistake_drops_it(
        browser: Any, server: str, kl_state: Any) -> None:
    officer = tb.new_page(browser, server, "desktop", storage_state=kl_state)
    before = len(cases_of(officer, "Budi"))
    page = phone(browser, server)
    tb.citizen_signin(page, tb.BUDI)
    page.context.set_offline(True)
    page.locator("[data-sos-button]").click()
    saved = page.locator("[data-testid=sos-saved]")
    expect(saved).to_be_visible(timeout=1_000)  # at once, not after a network timeout
    expect(saved).to_contain_text(SAVED_TEXT)
    page.locator("[data-testid=sos-mistake-local]").click()
    expect(saved).to_be_hidden()
    expect(page.locator("[data-sos-state]")).to_contain_text(re.compile(r"(took back|menarik kembali)"))
    assert page.evaluate("() => localStorage.getItem('embassy.sos.pending')") is None
    page.context.set_offline(False)
    page.wait_for_timeout(3_000)
    assert len(cases_of(officer, "Budi")) == before  # dropped on the phone: never sent
    officer.context.close()
    page.context.close()


def test_an_accidental_press_is_cancelled_and_the_officer_sees_it(browser: Any, server: str, kl_state: Any) -> None:
    page = phone(browser, server)
    tb.citizen_signin(page, tb.BUDI)
    page.locator("[data-sos-button]").click()
    page.wait_for_url(re.compile(r"/sos/kasus/\d+/$"))
    case_id = int(re.search(r"/sos/kasus/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    mistake = page.locator("[data-testid=mistake]")
    expect(mistake).to_be_visible()
    expect(mistake).to_contain_text(re.compile(r"\(\d+\)"))  # the countdown
    assert mistake.bounding_box()["y"] < PHONE["height"]
    tb.shot(page, "sos-mistake", "phone360", full=False)
    mistake.locator("button").click()
    expect(page.locator("[data-testid=cancelled]")).to_be_visible()
    tb.shot(page, "sos-cancelled", "phone360")

    officer = tb.new_page(browser, server, "desktop", storage_state=kl_state)
    tb.ok(officer.goto("/konsol/sos/"))
    row = officer.locator(f"[data-testid=case-row][data-case='{case_id}']")
    expect(row.locator("[data-testid=badge-cancelled]")).to_be_visible()
    tb.shot(officer, "sos-queue-cancelled", "desktop")
    row.locator("a").click()
    expect(officer.locator("[data-testid=cancelled-by-citizen]")).to_be_visible()
    expect(officer.locator("[data-testid=timeline]")).to_contain_text(re.compile(r"(Cancelled by the citizen|Dibatalkan)"))

    # Later: a new press, the offer counts down and goes; the case page still lets the citizen cancel.
    page.goto("/")
    page.locator("[data-sos-button]").click()
    page.wait_for_url(re.compile(r"/sos/kasus/\d+/$"))
    second = int(re.search(r"/sos/kasus/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    assert second != case_id
    expect(page.locator("[data-testid=mistake]")).to_be_hidden(timeout=14_000)
    page.locator("[data-testid=cancel]").click()
    expect(page.locator("[data-testid=cancelled]")).to_be_visible()
    officer.goto(f"/konsol/sos/{second}/")
    expect(officer.locator("[data-testid=cancelled-by-citizen]")).to_be_visible()
    officer.context.close()
    page.context.close()


def test_the_case_page_shows_local_times_dot_positions_and_the_nearest_place(
        browser: Any, server: str, kl_state: Any) -> None:
    page = phone(browser, server)
    tb.citizen_signin(page, tb.SITI)
    page.locator("[data-sos-button]").click()  # joins or opens Siti's case
    page.wait_for_url(re.compile(r"/sos/kasus/\d+/$"))
    case_id = int(re.search(r"/sos/kasus/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("[data-testid=case-status] time").first).to_contain_text("UTC+8")
    officer = tb.new_page(browser, server, "desktop", storage_state=kl_state)
    tb.ok(officer.goto(f"/konsol/sos/{case_id}/"))
    position = officer.locator("[data-testid=case-position]")
    expect(position).to_contain_text("3.13900, 101.68690")
    expect(position.locator("a[href^='geo:3.13900,101.68690']")).to_have_count(1)
    expect(officer.locator("[data-testid=case-place]")).to_contain_text("Kuala Lumpur")
    expect(officer.locator("[data-case-map] .leaflet-tooltip")).to_contain_text("Kuala Lumpur")
    time_el = officer.locator("[data-testid=case-live] time[title$='UTC']").first
    expect(time_el).to_contain_text("UTC+8")
    tb.shot(officer, "sos-case-local-time", "desktop")
    officer.context.close()
    page.context.close()


def test_the_officers_sound_and_notification_choice_is_remembered(browser: Any, server: str, kl_state: Any) -> None:
    officer = tb.new_page(browser, server, "desktop", storage_state=kl_state, permissions=["notifications"])
    tb.ok(officer.goto("/konsol/sos/"))
    toggle = officer.locator("[data-testid=enable-alerts]")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    officer.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(officer.locator("[data-alerts-state]")).to_have_text("")  # notifications still allowed
    toggle.click()  # and off again, also remembered
    officer.reload()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    officer.context.close()
