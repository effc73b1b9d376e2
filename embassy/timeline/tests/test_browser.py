"""The console timeline in headless Chromium, on a desktop and on a 360×740 phone: the demo protection officer of
KBRI Kuala Lumpur opens Siti Rahayu's history, adds a call with htmx, filters by kind; axe finds no serious or
critical violation and the phone page does not scroll sideways."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y
from embassy.common.tests import harness as tb

browser = tb.browser
server = tb.server
kl_state = tb.kl_state
pytestmark = pytest.mark.browser
BROWSER_SERVER = tb.ServerSpec(
    commands=(("seed_demo", "--citizens", "20", "--seed", "7"), ("timeline_demo",)),
    setup="embassy.timeline.tests.browser_setup:setup")
CALL = "Menelepon Siti: paspor siap diambil Senin."


def test_the_officer_reads_and_adds_to_a_timeline(browser: Any, server: tb.Server, kl_state: Any) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()
    url = f"/konsol/warga/{server.data['citizen']}/riwayat/"
    page = tb.new_page(browser, server.base, "desktop", storage_state=kl_state)
    tb.ok(page.goto(f"/konsol/warga/{server.data['citizen']}/"))
    tb.ok(page.goto(url))
    entries = page.locator("[data-testid=entry]")
    tb.expect(entries.filter(has_text="(demo)")).to_have_count(2)
    tb.expect(entries.first).to_contain_text("UTC+8")
    form = page.locator("[data-testid=note-form]")
    form.locator("textarea").fill(CALL)
    form.locator("button[type=submit]").click()
    tb.expect(entries.first).to_contain_text(CALL)  # swapped in by htmx, newest first
    assert page.url.endswith(url)
    tb.shot(page, "timeline-console", "desktop")
    a11y.audit(page, axe, "timeline-console", "desktop", failures)
    page.locator("[data-testid=filters] input[value=note]").check()
    page.locator("[data-testid=filters] button[type=submit]").click()
    tb.expect(entries).to_have_count(3)
    tb.expect(page.locator("[data-testid=entry][data-kind=stay]")).to_have_count(0)

    phone = browser.new_context(base_url=server.base, viewport={"width": 360, "height": 740}, locale="id-ID",
                                storage_state=kl_state).new_page()
    tb.ok(phone.goto(url))
    tb.expect(phone.locator("[data-testid=entry]").first).to_contain_text(CALL)
    tb.shot(phone, "timeline-console", "phone")
    a11y.audit(phone, axe, "timeline-console", "phone", failures)
    assert not failures, failures
    assert not [e for e in tb.CONSOLE_ERRORS + tb.JS_ERRORS if "/riwayat/" in e]
