"""The roll-call question as a citizen meets it, on a 360×740 phone in headless Chromium (issue 10, point 6), and
a crisis room read in the mission's local time (point 4).

- While a roll-call is open, "Are you safe?" is a card at the very top of the home page, above the SOS button,
  with its two answers as a green and a red button, all within the first screen.
- /aman/ (the page behind the link in the message) shows "I am safe" green and "I need help" red.
- The officer's crisis room states times in Kuala Lumpur time with the zone, UTC on hover.

The server is the harness's, on its own database with a small demo seed; the crisis and the roll-call are set up
with the factories on that database (crises/tests/browser_data.py; no worker: the roll-call's messages are not
needed, only the question). Screenshots: var/screenshots/home-*.png.
"""

from __future__ import annotations

import re
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

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}  # the cheap phone of the issue
SITI = "siti.rahayu@example.com"  # demo citizen with a stay in Kuala Lumpur
OFFICER = "kl.protection"
GREEN, RED = "rgb(31, 122, 63)", "rgb(179, 18, 31)"  # static/crises/answer.css

# A small demo seed; SITE_URL follows HOST and PORT (the answer links must lead to this server).
BROWSER_SERVER = tb.ServerSpec(commands=(("seed_demo", "--citizens", "40", "--seed", "3"),),
                               env=(("HOST", "127.0.0.1"), ("PORT", "{port}")), unset=("SITE_URL",))
server = tb.server


@pytest.fixture(scope="module")
def drill(server: tb.Server) -> dict[str, Any]:
    """A flood over central Kuala Lumpur declared by kl.protection, its roll-call started."""
    found = server.call("embassy.crises.tests.browser_data:open_rollcall", officer=OFFICER, citizen=SITI)
    assert found["link"].startswith(server.base + "/aman/"), found  # links lead to this server (SITE_URL)
    return dict(found)


def _phone(browser: Any, server: tb.Server) -> Any:
    page = tb.new_page(browser, server.base, "phone")
    page.set_viewport_size(PHONE)
    return page


def _background(locator: Any) -> str:
    return str(locator.evaluate("e => getComputedStyle(e).backgroundColor"))


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_the_question_is_the_first_thing_on_the_phone(browser: Any, server: tb.Server, drill: dict[str, Any]) -> None:
    page = _phone(browser, server)
    tb.citizen_signin(page, SITI)
    card = page.locator("[data-testid=rollcall-question]")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Apakah Anda selamat?")
    safe, help_ = card.locator("[data-testid=own-safe]"), card.locator("[data-testid=own-help]")
    # above everything else in the page's content, the SOS button included, and whole on the first screen
    main_first = page.locator("main > :not(.messages)").first
    assert main_first.get_attribute("data-testid") == "rollcall-question"
    sos = page.locator("[data-sos-button]")
    assert _box(card)["y"] + _box(card)["height"] <= _box(sos)["y"]
    for button in (safe, help_):
        box = _box(button)
        assert box["y"] + box["height"] <= PHONE["height"], box  # no scrolling to answer
        assert box["height"] >= 44, box  # a thumb's target
    assert _background(safe) == GREEN and _background(help_) == RED
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    tb.shot(page, "home-rollcall", "phone360", full=False)
    # answering: the question goes, a short note stays
    safe.click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("[data-testid=rollcall-question]")).to_have_count(0)
    expect(page.locator("[data-testid=rollcall-answered]")).to_be_visible()
    page.context.close()


def test_the_answer_page_has_a_green_and_a_red_button(browser: Any, server: tb.Server, drill: dict[str, Any]) -> None:
    page = _phone(browser, server)
    tb.ok(page.goto(drill["link"]))
    safe, help_ = page.locator("[data-testid=answer-safe]"), page.locator("[data-testid=answer-help]")
    expect(safe).to_be_visible()
    assert _background(safe) == GREEN and _background(help_) == RED
    assert page.evaluate("e => getComputedStyle(e).color", safe.element_handle()) == "rgb(255, 255, 255)"
    for button in (safe, help_):
        box = _box(button)
        assert box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 44, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    tb.shot(page, "home-answer", "phone360", full=False)
    help_.click()  # the page after the answer: "I need help after all" stays red-styled where offered
    expect(page.locator("[data-testid=rollcall-done]")).to_be_visible()
    page.context.close()


def test_the_crisis_room_reads_kuala_lumpur_time(browser: Any, server: tb.Server, drill: dict[str, Any]) -> None:
    page = tb.new_page(browser, server.base, "desktop")
    tb.staff_signin(page, OFFICER)
    tb.ok(page.goto(f"/konsol/krisis/{drill['crisis']}/"))
    times = page.locator("#log time")
    expect(times.first).to_be_visible()
    text, title = times.first.inner_text(), times.first.get_attribute("title") or ""
    local = re.search(r"(\d\d):(\d\d) UTC\+8$", text)
    utc = re.fullmatch(r"\d{4}-\d\d-\d\d (\d\d):(\d\d) UTC", title)
    assert local and utc, (text, title)
    assert (int(local[1]) - int(utc[1])) % 24 == 8 and local[2] == utc[2], (text, title)  # the same moment
    page.context.close()
