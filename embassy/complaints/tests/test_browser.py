"""A relative files a complaint on a 360×740 phone and gets a number; the protection officer of KBRI Kuala Lumpur
finds it in the console list on a desktop, with its colour said in words, and opens it. Axe on each page."""

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
BROWSER_SERVER = tb.ServerSpec(commands=(), setup="embassy.complaints.tests.browser_setup:setup")
PHONE = {"width": 360, "height": 740}


def _phone(browser: Any, base: str) -> Any:
    context = browser.new_context(base_url=base, viewport=PHONE, locale="id-ID")
    context.set_default_timeout(tb.TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: tb.JS_ERRORS.append(f"{page.url}: {error}"))
    return page


def test_a_relative_files_and_the_officer_sees_it(browser: Any, server: tb.Server) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()
    phone = _phone(browser, server.base)
    tb.ok(phone.goto("/pengaduan/untuk-orang-lain/"))
    a11y.audit(phone, axe, "complaints-form", "phone", failures)
    phone.fill("#c-filer", "Ahmad Yani")
    phone.fill("#c-relation", "kakak")
    phone.fill("#c-phone", "+62 812 3456 7001")
    phone.fill("#c-subject", "Siti Aminah")
    phone.fill("#c-birth", "1990-01-01")
    phone.select_option("#c-mission", "KBRI-KUALA-LUMPUR")
    phone.select_option("#c-category", "abuse")
    phone.fill("#c-text", "Adik saya dipukul majikan dan tidak boleh keluar rumah.")
    phone.locator("form[data-testid=complaint-form] button[type=submit]").click()
    number_el = phone.locator("[data-testid=number]")
    tb.expect(number_el).to_have_text(re.compile(r"^KBRI-KUALA-LUMPUR-\d{4}-\d{5}$"))
    number = number_el.inner_text().strip()
    tb.shot(phone, "complaints-filed", "phone")
    a11y.audit(phone, axe, "complaints-filed", "phone", failures)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the form is {width}px wide on a 360px phone"

    officer = tb.new_page(browser, server.base)
    tb.staff_signin(officer, "kl.protection")
    tb.ok(officer.goto("/konsol/pengaduan/"))
    row = officer.locator("[data-testid=row]", has_text=number)
    tb.expect(row).to_have_count(1)
    tb.expect(row).to_have_attribute("data-rag", "green")
    tb.expect(row.locator(".rag")).not_to_be_empty()  # the colour in words
    tb.shot(officer, "complaints-console", "desktop")
    a11y.audit(officer, axe, "complaints-console", "desktop", failures)
    row.locator("a", has_text=number).click()
    tb.expect(officer.locator("[data-testid=history]")).to_contain_text(re.compile("Diajukan|Filed"))
    tb.shot(officer, "complaints-detail", "desktop")
    a11y.audit(officer, axe, "complaints-detail", "desktop", failures)
    assert not failures, failures
    assert not [e for e in tb.JS_ERRORS if "/pengaduan/" in e]
