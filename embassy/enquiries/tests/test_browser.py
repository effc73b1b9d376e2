"""A mother asks about her daughter during a drill crisis, on a 360×740 phone: the public form (misspelt and
transposed name, date of birth), then the status page, which says her daughter answered "safe" (the mother is
the daughter's emergency contact, so the default consent lets her hear it)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y
from embassy.common.tests import harness as tb

browser = tb.browser
server = tb.server
pytestmark = pytest.mark.browser
BROWSER_SERVER = tb.ServerSpec(commands=(), setup="embassy.enquiries.tests.browser_setup:setup")
PHONE = {"width": 360, "height": 740}


def test_a_mother_asks_and_hears_her_daughter_is_safe(browser: Any, server: tb.Server) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()
    context = browser.new_context(base_url=server.base, viewport=PHONE, locale="id-ID")
    context.set_default_timeout(tb.TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    tb.ok(page.goto("/cari-keluarga/"))
    page.get_by_role("link", name="Latihan: banjir Kuala Lumpur").click()
    page.wait_for_url(f"**/cari-keluarga/krisis/{server.data['crisis']}/")
    a11y.audit(page, axe, "enquiry-form", "phone", failures)
    page.fill("#id_enquirer_name", "Sumarni")
    page.fill("#id_relation", "ibu")
    page.fill("#id_enquirer_phone", "+62 811 1222 333")
    page.fill("#id_sought_name", "Lestari Dewy")  # transposed and misspelt
    page.fill("#id_sought_birth_date", "1994-03-12")
    page.fill("#id_last_city", "Kuala Lumpur")
    tb.shot(page, "enquiry-form", "phone")
    page.locator("form[data-testid=enquiry-form] button[type=submit]").click()
    page.wait_for_url("**/kabar/**")
    status = page.locator("[data-testid=enquiry-status]")
    tb.expect(status).to_have_attribute("data-state", "safe")
    tb.expect(page.locator("[data-testid=enquiry-news]")).to_contain_text("Lestari Dewy")
    tb.shot(page, "enquiry-status", "phone")
    a11y.audit(page, axe, "enquiry-status", "phone", failures)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    context.close()
    assert not failures, failures
    assert not errors, errors
