"""The shelter page and the repatriation board in headless Chromium, on a desktop and on a 360×740 phone, with
the demo's shelters (shelters_demo): the protection officer of KBRI Kuala Lumpur sees the residents with their
length of stay and the beds in use, checks in someone who is not registered, and reads the board, the longest
waiting first. axe-core finds no serious or critical WCAG 2.2 AA violation, and the phone page is no wider than
the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y
from embassy.common.tests import harness as tb

browser = tb.browser
server = tb.server
pytestmark = pytest.mark.browser
BROWSER_SERVER = tb.ServerSpec(commands=(("seed_demo", "--citizens", "300", "--seed", "7"), ("shelters_demo",)))
PHONE = {"width": 360, "height": 740}


def _phone(browser: Any, base: str) -> Any:
    context = browser.new_context(base_url=base, viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True)
    context.set_default_timeout(tb.TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: tb.JS_ERRORS.append(f"{page.url}: {error}"))
    return page


def test_shelter_page_and_repatriation_board(browser: Any, server: tb.Server) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()
    desk = tb.new_page(browser, server.base)
    tb.staff_signin(desk, "kl.protection")
    tb.ok(desk.goto("/konsol/shelter/"))
    desk.locator("a", has_text="Shelter KBRI Kuala Lumpur (demo)").click()
    desk.wait_for_url(re.compile(r"/konsol/shelter/\d+/$"))
    shelter_url = desk.url
    tb.expect(desk.locator("[data-testid=resident]")).to_have_count(5)
    tb.expect(desk.locator("#bed-use")).to_have_attribute("value", "5")
    tb.expect(desk.locator("[data-testid=resident] [data-testid=days]").first).to_have_text("30")
    tb.shot(desk, "shelter-page", "desktop")
    a11y.audit(desk, axe, "shelter-page", "desktop", failures)

    desk.locator("[data-testid=check-in-link]").click()
    desk.fill("#ci-name", "Tamu Tanpa Registrasi")
    desk.locator("[data-testid=check-in-form] button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/konsol/shelter/penghuni/\d+/$"))
    tb.expect(desk.locator("h1")).to_have_text("Tamu Tanpa Registrasi")
    a11y.audit(desk, axe, "shelter-resident", "desktop", failures)
    tb.ok(desk.goto(shelter_url))
    tb.expect(desk.locator("[data-testid=resident]")).to_have_count(6)

    tb.ok(desk.goto(shelter_url + "pemulangan/"))
    rows = desk.locator("[data-testid=board-row]")
    tb.expect(rows).to_have_count(5)
    tb.expect(rows.first).to_have_attribute("data-step", "documents")
    tb.expect(rows.first.locator("[data-testid=stuck]")).to_have_text("30")
    tb.shot(desk, "shelter-board", "desktop")
    a11y.audit(desk, axe, "shelter-board", "desktop", failures)

    phone = _phone(browser, server.base)
    tb.staff_signin(phone, "kl.consul")
    for name, url in (("shelter-page", shelter_url), ("shelter-board", shelter_url + "pemulangan/"),
                      ("shelter-occupancy", shelter_url + "hunian/"), ("shelter-check-in", shelter_url + "masuk/?q=lubis")):
        tb.ok(phone.goto(url))
        tb.shot(phone, name, "phone")
        a11y.audit(phone, axe, name, "phone", failures)
    assert not failures, failures
    assert not [e for e in tb.JS_ERRORS if "/shelter/" in e]
