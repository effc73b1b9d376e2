"""The public performance page of a mission (filled by `performance_demo`, as `make run` fills it) on a phone and
a desktop, and the IKM survey answered on a phone through its signed link, then refused when replayed."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y
from embassy.common.tests import harness as tb

browser = tb.browser
server = tb.server
pytestmark = pytest.mark.browser
BROWSER_SERVER = tb.ServerSpec(
    commands=(("seed_demo", "--citizens", "300", "--seed", "7"), ("performance_demo",)),
    setup="embassy.performance.tests.browser_setup:setup")


def test_public_page_and_survey(browser: Any, server: tb.Server) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()
    for viewport in ("phone", "desktop"):
        page = tb.new_page(browser, server.base, viewport)
        tb.ok(page.goto("/kinerja/KBRI-KUALA-LUMPUR/"))
        tb.expect(page.locator("[data-testid=indicators]")).to_be_visible()
        tb.expect(page.locator("svg.chart").first).to_be_visible()
        tb.expect(page.locator("[data-testid=ikm]")).not_to_have_text("—")
        tb.shot(page, "performance-mission", viewport)
        a11y.audit(page, axe, "performance-mission", viewport, failures)
    league = tb.new_page(browser, server.base, "phone")
    tb.ok(league.goto("/kinerja/"))
    tb.expect(league.locator("[data-testid=league] tbody tr").first).to_contain_text("1")
    tb.shot(league, "performance-league", "phone")
    a11y.audit(league, axe, "performance-league", "phone", failures)

    phone = tb.new_page(browser, server.base, "phone")
    code = server.data["code"]
    tb.ok(phone.goto(f"/survei/{code}/"))
    tb.shot(phone, "performance-survey", "phone")
    a11y.audit(phone, axe, "performance-survey", "phone", failures)
    for i in range(1, 10):
        phone.locator(f"input[name=u{i}][value='{3 if i % 2 else 4}']").check()
    phone.fill("#survey-comment", "Pelayanan cepat.")
    phone.locator("main form button[type=submit]").click()
    tb.expect(phone.locator("[data-testid=survey-thanks]")).to_be_visible()
    response = phone.goto(f"/survei/{code}/")
    assert response is not None and response.status == 410
    tb.expect(phone.locator("[data-testid=survey-refused]")).to_be_visible()
    forged = phone.goto(f"/survei/{code[:-1]}x/")
    assert forged is not None and forged.status in (403, 404)
    assert not failures, failures
    # The refused links above answer 410 and 403 on purpose; anything else logged on these pages is an error.
    assert not [e for e in tb.CONSOLE_ERRORS + tb.JS_ERRORS
                if ("/kinerja/" in e or "/survei/" in e) and "status of 410" not in e and "status of 403" not in e]
