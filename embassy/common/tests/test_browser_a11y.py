"""Accessibility, checked in headless Chromium: axe-core on every citizen and console page, and a keyboard-only pass.

axe-core (vendored for the tests in ./vendor/axe-core, never served) runs on each page with the WCAG 2.0/2.1/2.2
A and AA rules; a serious or critical violation on any page fails the test, after every page has been measured.
Citizen pages are checked on the phone viewport the issue names (360×740), console pages on the desktop
(1366×900). The counts per page and impact go to var/a11y.json and are printed as a table at the end of the module
(docs/accessibility.md quotes them). axe is injected with page.evaluate, which the pages' Content-Security-Policy
does not govern, so every page is measured as it is served, CSP included.

The keyboard test uses no mouse: a citizen presses SOS and sends lapor diri with Tab, arrows, typing and Enter,
and every element that takes the focus on the way must show it (a :focus-visible outline or ring).

The server is the harness's, on this module's own database, so that the pages that need data can be given it
(a11y_data.py): a crisis around Kuala Lumpur with roll-call links, an SOS case, an advisory draft.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y  # after the skips above: it needs Playwright
from embassy.common.tests import harness as tb  # after the skips above (it skips the same way)
from embassy.common.tests.a11y import Keyboard, audit

expect = tb.expect
browser = tb.browser  # the same module-scoped Chromium fixture as the other browser tests

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}  # the cheap phone
DESKTOP = tb.VIEWPORTS["desktop"]  # 1366×900
REPORT = tb.REPO / "var" / "a11y.json"
CITIZEN, OTHER = "siti.rahayu@example.com", "dewi.lestari@example.com"
OFFICER = "hq.admin"  # sees every mission, the outbox and the audit log: every console page has content

# The demo seed and the advisories, then a crisis with its roll-call, an SOS case and a draft (a11y_data.py).
BROWSER_SERVER = tb.ServerSpec(
    commands=(("load_advisories",), ("seed_demo", "--citizens", "300", "--seed", "7")),
    setup="embassy.common.tests.a11y_data:a11y_pages", setup_args=(("citizen", CITIZEN),),
    env=(("SITE_URL", "{base}"), ("SIGNIN_CODE_MAX_PER_IP_HOUR", "100")))  # the pages ask for codes from one address
server = tb.server


# --- axe -----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def axe_source() -> str:
    return a11y.axe_source()


@pytest.fixture(scope="module", autouse=True)
def a11y_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module: var/a11y.json and a table of violations per page and impact."""
    yield
    if not a11y.RESULTS:
        return
    a11y.write_report(REPORT, {"citizen": PHONE, "console": DESKTOP})
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write_line("")
        for line in a11y.table():
            reporter.write_line(line)
        if a11y.KEYBOARD:
            reporter.write_line("keyboard only: " + ", ".join(f"{k}: {v} key presses" for k, v in a11y.KEYBOARD.items()))


def new_page(browser: Any, server: tb.Server, viewport: dict[str, int], *, locale: str = "id-ID", **options: Any) -> Any:
    context = browser.new_context(base_url=server.base, viewport=viewport, locale=locale, **options)
    context.set_default_timeout(tb.TIMEOUT_MS)
    return context.new_page()


def visit(page: Any, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, (path, response and response.status)


# --- Citizen pages (phone) -------------------------------------------------------------------------------------------
def test_citizen_pages_signed_out(browser: Any, server: tb.Server, axe_source: str) -> None:
    page, failures = new_page(browser, server, PHONE), []

    def check(name: str, path: str, status: int = 200) -> None:
        visit(page, path, status)
        audit(page, axe_source, name, "phone", failures)

    check("home (signed out)", "/")
    check("sign-in", "/masuk/")
    page.fill("#address", CITIZEN)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#code")).to_be_visible()  # the code page answers the same address
    audit(page, axe_source, "sign-in code", "phone", failures)
    check("missions directory", "/perwakilan/")
    check("consular services", "/layanan/")
    check("a mission's consular services", "/perwakilan/KBRI-SINGAPORE/layanan/")
    check("a consular service", "/perwakilan/KBRI-SINGAPORE/layanan/passport-renewal/")
    check("country information", "/informasi-negara/")
    check("country page (MY)", "/informasi-negara/MY/")
    check("country page (AF, level 4)", "/informasi-negara/AF/")
    check("offline page", "/offline/")
    check("roll-call question (/aman/)", server.data["question"])
    check("roll-call link refused", f"/aman/{server.data['crisis']}/rusak/", 403)
    visit(page, server.data["other"])
    page.locator("[data-testid=answer-safe]").click()
    expect(page.locator("[data-testid=rollcall-done]")).to_be_visible()
    audit(page, axe_source, "roll-call answered", "phone", failures)
    for _ in range(8):  # one address asks for codes until it is refused: the page names the hotline
        visit(page, "/masuk/")
        page.fill("#address", "terlalu.sering@example.com")
        page.locator("main form button[type=submit]").click()
        if page.get_by_test_id("limit-hotline").is_visible():
            break
    expect(page.get_by_test_id("limit-hotline")).to_be_visible()
    audit(page, axe_source, "sign-in refused (too many codes)", "phone", failures)
    page.context.close()
    assert not failures, "serious or critical accessibility violations:\n" + "\n".join(failures)


def test_page_frame_speaks_the_page_language(browser: Any, server: tb.Server) -> None:
    """WCAG 3.1.2 (language of parts), which axe cannot see: on a page marked lang="id", the frame every page
    shares (skip link, menu name, footer, sign-in) is Indonesian too, not English a screen reader reads as Indonesian."""
    page = new_page(browser, server, PHONE)
    visit(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    english = {"skip link": ("a.skip", "Skip to content"), "sign-in link": ("header .tools a", "Sign in"),
               "footer": ("footer p", "Ministry of Foreign Affairs of the Republic of Indonesia")}
    untranslated = [f"{name}: {page.locator(css).first.inner_text().strip()!r}" for name, (css, text) in english.items()
                    if page.locator(css).first.inner_text().strip().startswith(text)]
    if page.locator("header nav").get_attribute("aria-label") == "Main":
        untranslated.append("menu name: 'Main'")
    page.context.close()
    assert not untranslated, "English on an Indonesian page:\n" + "\n".join(untranslated)


def test_citizen_pages_signed_in(browser: Any, server: tb.Server, axe_source: str) -> None:
    page, failures = new_page(browser, server, PHONE, geolocation=tb.KL, permissions=["geolocation"]), []

    def check(name: str, path: str) -> None:
        visit(page, path)
        audit(page, axe_source, name, "phone", failures)

    tb.citizen_signin(page, CITIZEN)
    expect(page.get_by_test_id("rollcall-question")).to_be_visible()
    audit(page, axe_source, "home (signed in, roll-call open)", "phone", failures)
    check("lapor diri (new stay)", "/lapor-diri/")
    page.get_by_test_id("send-stay").click()  # nothing filled in: the error summary, focused, above the form
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    audit(page, axe_source, "lapor diri (errors)", "phone", failures)
    check("lapor diri (a stay)", f"/lapor-diri/{server.data['stay']}/")
    check("profile", "/profil/")
    check("family (dependants)", "/profil/keluarga/")
    check("emergency contacts", "/kontak-darurat/")
    visit(page, "/lapor-diri/999999/", 404)  # error.html, as a DomainError renders it (DEBUG shows Django's 404)
    audit(page, axe_source, "not found (error page)", "phone", failures)
    check("SOS page", "/sos/")
    page.context.set_offline(True)  # a press without network: kept on the phone, SMS and call offered
    page.locator("[data-sos-button]").click()
    expect(page.get_by_test_id("sos-saved")).to_be_visible()
    audit(page, axe_source, "SOS saved offline", "phone", failures)
    page.context.set_offline(False)
    try:  # the kept press is sent by itself once the network is back, and the page follows it to the case
        page.wait_for_url(re.compile(r"/sos/kasus/\d+/"), timeout=8_000)
    except tb.sync_api.TimeoutError:
        visit(page, "/sos/")
        page.locator("[data-sos-button]").click()  # or pressed again: the same case either way
        page.wait_for_url(re.compile(r"/sos/kasus/\d+/"))
    audit(page, axe_source, "SOS case (citizen)", "phone", failures)
    page.context.close()
    assert not failures, "serious or critical accessibility violations:\n" + "\n".join(failures)


# --- Console pages (desktop) -----------------------------------------------------------------------------------------
def test_console_pages(browser: Any, server: tb.Server, axe_source: str) -> None:
    from embassy.accounts.demo import DEMO_PASSWORD, demo_totp_now

    page, failures, data = new_page(browser, server, DESKTOP), [], server.data

    def check(name: str, path: str) -> None:
        visit(page, path)
        audit(page, axe_source, name, "desktop", failures)

    check("staff sign-in", "/staf/masuk/")
    page.fill("#username", OFFICER)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staf/verifikasi/"))
    audit(page, axe_source, "staff second factor (OTP)", "desktop", failures)
    page.fill("#otp", demo_totp_now(OFFICER))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konsol/"))
    audit(page, axe_source, "console dashboard", "desktop", failures)
    check("SOS queue", "/konsol/sos/")
    check("SOS case (console)", f"/konsol/sos/{data['case']}/")
    check("citizens", "/konsol/warga/")
    check("citizen record", f"/konsol/warga/{data['citizen']}/")
    check("where citizens are", "/konsol/sebaran/")
    check("crises", "/konsol/krisis/")
    check("new crisis", "/konsol/krisis/baru/")
    check("crisis room", f"/konsol/krisis/{data['crisis']}/")
    check("crisis room (before the roll-call)", f"/konsol/krisis/{data['quiet']}/")
    page.get_by_test_id("rollcall").click()
    expect(page.locator("#dlg-rollcall")).to_be_visible()
    audit(page, axe_source, "crisis room: roll-call dialog", "desktop", failures)
    page.keyboard.press("Escape")
    check("crisis report", f"/konsol/krisis/{data['crisis']}/laporan/")
    check("advisories", "/konsol/advisories/")
    check("advisory history", f"/konsol/advisories/{data['country']}/")
    check("advisory draft", f"/konsol/advisories/versions/{data['draft']}/")
    check("advisory comparison", f"/konsol/advisories/versions/{data['draft']}/diff/")
    check("outbox (notify)", "/konsol/notify/")
    check("audit log", "/konsol/audit/")
    check("service catalogue (a mission's terms)", "/konsol/layanan/KBRI-KUALA-LUMPUR/")
    check("social-media accounts", "/konsol/sosmed/")
    page.locator("table.social-accounts a").first.click()
    page.wait_for_url(re.compile(r"/konsol/sosmed/\d+/"))
    audit(page, axe_source, "social-media account", "desktop", failures)
    check("social-media dashboard", "/konsol/sosmed/dasbor/")
    check("social-media report", "/konsol/sosmed/laporan/month/")
    page.context.close()

    page = new_page(browser, server, DESKTOP)  # a mission's duty officer: the queue with the duty switch
    tb.staff_signin(page, "kl.protection")
    check("SOS queue (mission duty officer)", "/konsol/sos/")
    page.context.close()

    page = new_page(browser, server, DESKTOP)  # a name tried with wrong passwords until it is locked
    for _ in range(8):
        visit(page, "/staf/masuk/")
        page.fill("#username", "a11y.locked")
        page.fill("#password", "not-the-password")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("load")
        if page.locator("#password").count() == 0:  # the lockout page has no form
            break
    expect(page.locator("#password")).to_have_count(0)
    audit(page, axe_source, "staff sign-in locked", "desktop", failures)
    page.context.close()
    assert not failures, "serious or critical accessibility violations:\n" + "\n".join(failures)


# --- Keyboard only (phone) -------------------------------------------------------------------------------------------
def _keyboard_signin(page: Any, keys: Keyboard) -> None:
    """Sign in: the address, Enter; the code the demo shows, Enter."""
    visit(page, "/masuk/")
    keys.tab_to(page.get_by_label("Email address or phone number", exact=False))
    keys.type(OTHER)
    keys.press("Enter")
    code = page.get_by_test_id("demo-code").locator("strong")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    keys.tab_to(page.get_by_label("Code", exact=True))
    keys.type(code.inner_text().strip())
    keys.press("Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the home page (r"/$" would match /masuk/ too)


def _keyboard_stay_form(page: Any, keys: Keyboard) -> None:
    """The stay form: a typed city picked from the suggestions, the purpose with the arrows, the arrival date."""
    place = page.get_by_role("combobox", name=re.compile(r"City or town"))
    keys.tab_to(place)
    keys.type("Kuala Lump")
    expect(page.get_by_role("option", name=re.compile(r"Kuala Lumpur")).first).to_be_visible()
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(page.locator("[data-place-chosen]")).to_contain_text("Kuala Lumpur, Malaysia")
    assert page.url.endswith("/lapor-diri/"), "Enter in the suggestions sent the form"

    purpose = page.get_by_role("radio", name="Work", exact=True)
    for _ in range(40):  # Tab into the group, then the arrows move and choose (a radio group takes one Tab stop)
        if page.evaluate("() => document.activeElement.name") == "purpose":
            break
        keys.press("Tab")
    for _ in range(8):
        if purpose.is_checked():
            break
        keys.press("ArrowDown")
    expect(purpose).to_be_checked()

    start = page.get_by_label(re.compile(r"Arrived there"))
    if not start.input_value():  # a date field: typed as the English (US) locale orders it
        keys.tab_to(start)
        today = dt.datetime.now(tz=dt.UTC).date() - dt.timedelta(days=30)
        keys.type(f"{today.month:02d}{today.day:02d}{today.year}")
        assert start.input_value() == today.isoformat(), start.input_value()


def test_keyboard_only_sos_and_lapor_diri(browser: Any, server: tb.Server) -> None:
    """A citizen with no mouse and no touch: signs in, presses SOS, reports a stay in Kuala Lumpur (English UI,
    so the test reads the labels as the code writes them)."""
    page = new_page(browser, server, PHONE, locale="en-US", geolocation=tb.KL, permissions=["geolocation"])
    keys = Keyboard(page)
    _keyboard_signin(page, keys)

    # The skip link is the first stop and takes the focus into the page's content.
    keys.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert keys.focused(skip), "the first Tab does not reach the skip link"
    keys.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # SOS: Tab to the button, Enter.
    before = keys.presses
    keys.tab_to(page.get_by_role("button", name=re.compile(r"^SOS")))
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/sos/kasus/\d+/"))
    a11y.KEYBOARD["SOS from the home page"] = keys.presses - before
    expect(page.locator("main")).to_contain_text(re.compile(r"SOS-\d+"))

    # Lapor diri: from the home page's button, the form, send.
    visit(page, "/")
    before = keys.presses
    keys.tab_to(page.get_by_role("link", name=re.compile(r"Report a stay")))
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/lapor-diri/$"))
    _keyboard_stay_form(page, keys)
    keys.tab_to(page.get_by_role("button", name=re.compile(r"^Send my report")), limit=120)
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your report is sent")
    a11y.KEYBOARD["lapor diri from the home page (typing included)"] = keys.presses - before
    expect(page.locator("main")).to_contain_text(re.compile(r"Indonesia in Kuala Lumpur|KBRI Kuala Lumpur"))
    page.context.close()
    assert not keys.unseen, "the focus could not be seen on:\n" + "\n".join(keys.unseen)
