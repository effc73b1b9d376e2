"""End-to-end checks in headless Chromium (Playwright) against a real server on a phone and a desktop viewport.

The server, the browser and the helpers are embassy/common/tests/harness.py.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest

from embassy.common.tests import harness as tb  # skips this module when Chromium or Playwright is missing
from embassy.common.tests.harness import (
    BUDI,
    CONSOLE_ERRORS,
    JS_ERRORS,
    KL,
    OVERFLOWS,
    REQUESTS,
    SINGAPORE,
    SITI,
    VIEWPORTS,
    citizen_signin,
    expect,
    map_ready,
    new_page,
    ok,
    shot,
    staff_signin,
)

pytestmark = pytest.mark.browser
server, browser, kl_state = tb.server, tb.browser, tb.kl_state  # the harness's module-scoped fixtures


# --- Citizen pages -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_home_language_and_directory(browser: Any, server: str, viewport: str) -> None:
    page = new_page(browser, server, viewport, locale="ms-MY")  # a language the site lacks: default applies
    ok(page.goto("/"))
    assert page.locator("html").get_attribute("lang") == "id"
    expect(page.locator(".brand")).to_contain_text("Smart Embassy")
    hero_id = page.locator("main h1").inner_text()
    expect(page.locator("header nav")).to_contain_text("Perwakilan")
    shot(page, "home-anonymous", viewport)

    page.locator("button.lang-btn[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Safe Travel")
    assert hero_id.strip() != "Safe Travel", "the Indonesian page shows the English heading"
    ok(page.goto("/perwakilan/"))  # the choice is remembered (cookie) on the next page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Indonesian missions abroad")

    shot(page, "directory-en", viewport, full=False)

    page.locator("button.lang-btn[value=id]").click()  # back to Indonesian, on the same page
    page.wait_for_url(re.compile(r"/perwakilan/$"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    missions = page.locator("main article.mission")
    assert missions.count() > 50, missions.count()
    page.fill("input[name=q]", "Jeddah")
    expect(missions).to_have_count(1)
    expect(missions.first.locator("h3")).to_have_text("KJRI Jeddah")
    shot(page, "directory-search", viewport)
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_find_my_mission(browser: Any, server: str, viewport: str) -> None:
    page = new_page(browser, server, viewport, geolocation=KL, permissions=["geolocation"])
    ok(page.goto("/"))
    page.locator("[data-find-mission]").click()
    answer = page.locator("#mission-answer")
    expect(answer.locator("strong")).to_contain_text("Kuala Lumpur")
    expect(answer).to_contain_text(re.compile(r"KBRI", re.I))
    shot(page, "find-mission", viewport)
    page.context.close()


def test_citizen_signin_and_report_stay(browser: Any, server: str) -> None:
    page = new_page(browser, server, "phone", geolocation=SINGAPORE, permissions=["geolocation"])
    citizen_signin(page, SITI)
    expect(page.locator("main h1")).to_contain_text("Siti Rahayu")
    stays = page.locator("[data-testid=stay]")
    expect(stays.filter(has_text="Kuala Lumpur").first).to_be_visible()
    expect(stays.first).to_contain_text(re.compile(r"KBRI Kuala Lumpur", re.I))
    shot(page, "citizen-home", "phone")

    ok(page.goto("/lapor-diri/"))
    expect(page.locator("#pick-map")).to_be_hidden()  # the map loads only when asked for
    page.locator("[data-use-location]").click()  # the phone's position, named by the nearest place
    expect(page.locator("[data-place-chosen]")).to_contain_text("Singap")
    expect(page.locator("#id_lat")).to_have_value(re.compile(r"^1\.29"))
    expect(page.locator("#id_lon")).to_have_value(re.compile(r"^103\.85"))
    expect(page.locator("#id_country")).to_have_value("SG")
    page.locator("label.choice", has=page.locator("input[name=purpose][value=study]")).click()
    page.fill("#id_start_date", "2026-01-15")
    shot(page, "stay-form", "phone")
    page.locator("#stay-form [data-testid=send-stay]").click()
    page.wait_for_url(re.compile(r"/lapor-diri/\d+/terkirim/$"))
    expect(page.locator("[data-testid=stay-done]")).to_contain_text(re.compile(r"KBRI Singapura|KBRI Singapore", re.I))
    ok(page.goto("/"))
    new = stays.filter(has_text=re.compile(r"KBRI Singapura|KBRI Singapore", re.I))
    expect(new).to_have_count(1)
    expect(stays.filter(has_text="Kuala Lumpur").first).to_be_visible()  # the earlier stay is still there
    shot(page, "citizen-home-after-report", "phone")

    # Desktop: the same pages laid out wide (session reused, no second code).
    wide = new_page(browser, server, "desktop", storage_state=page.context.storage_state())
    ok(wide.goto("/"))
    expect(wide.locator("[data-testid=stay]")).to_have_count(2)
    shot(wide, "citizen-home", "desktop")
    ok(wide.goto("/lapor-diri/"))
    map_ready(wide)
    box = wide.locator("#pick-map").bounding_box()
    wide.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # choose a point by clicking
    expect(wide.locator("#id_lat")).not_to_have_value("")
    expect(wide.locator("[data-place-chosen]")).to_be_visible()  # named (or "the place you marked"), not numbers
    wide.wait_for_function("() => [...document.querySelectorAll('#pick-map img')].every(i => i.complete)")
    shot(wide, "stay-form", "desktop")
    wide.context.close()
    page.context.close()


# --- Console -----------------------------------------------------------------------------------------------------
def _siti_url(page: Any) -> str:
    ok(page.goto("/konsol/warga/?q=Siti+Rahayu"))
    link = page.locator("main table a", has_text="Siti Rahayu").first
    href = link.get_attribute("href")
    assert href is not None
    assert re.fullmatch(r"/konsol/warga/\d+/", href), href
    return str(href)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_console_citizens(browser: Any, server: str, kl_state: Any, viewport: str) -> None:
    page = new_page(browser, server, viewport, storage_state=kl_state)
    ok(page.goto("/konsol/"))
    expect(page.locator("#mission-switch")).to_be_visible()
    expect(page.locator("#mission-switch option:checked")).to_contain_text("KBRI-KUALA-LUMPUR")
    active = int(re.sub(r"\D", "", page.locator("[data-testid=active-stays]").inner_text()) or "0")
    assert active >= 1
    shot(page, "console-home", viewport)

    ok(page.goto("/konsol/warga/"))
    results = page.locator("main table.table")  # not "#results": the htmx swap nests a second #results
    expect(results.locator("tbody tr")).not_to_have_count(0)
    page.fill("input[name=q]", "Siti Rahayu")
    expect(results.locator("a", has_text="Siti Rahayu")).to_have_count(1)
    shot(page, "console-citizens", viewport)

    page.fill("input[name=q]", "X1234567")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Siti Rahayu")
    expect(results).not_to_contain_text("Budi Santoso")  # Jeddah's citizen is not in Kuala Lumpur's list

    results.locator("a", has_text="Siti Rahayu").click()
    page.wait_for_url(re.compile(r"/konsol/warga/\d+/$"))
    expect(page.locator("main h1")).to_have_text("Siti Rahayu")
    expect(page.locator("main")).to_contain_text("X1234567")
    expect(page.locator("main .notice")).to_be_visible()  # "this view has been recorded in the audit log"
    shot(page, "console-citizen", viewport)
    page.context.close()


def test_other_mission_is_refused(browser: Any, server: str, kl_state: Any) -> None:
    kl = new_page(browser, server, storage_state=kl_state)
    url = _siti_url(kl)
    kl.context.close()

    page = new_page(browser, server)
    staff_signin(page, "jeddah.protection")
    response = page.goto(url)
    assert response is not None
    assert response.status == 403, response.status
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("X1234567")
    expect(page.locator("main")).not_to_contain_text("Siti Rahayu")
    shot(page, "refused", "desktop")
    page.context.close()


def test_admin_needs_hq_second_factor(browser: Any, server: str) -> None:
    page = new_page(browser, server)
    staff_signin(page, "hq.admin")
    ok(page.goto("/admin/"))
    assert "/admin/login" not in page.url, page.url
    expect(page.locator("#site-name, #header")).not_to_have_count(0)
    shot(page, "admin", "desktop")
    page.context.close()

    citizen = new_page(browser, server)
    citizen_signin(citizen, BUDI)
    response = citizen.goto("/admin/")
    assert response is not None
    path = urllib.parse.urlsplit(citizen.url).path
    assert response.status >= 400 or not path.startswith("/admin/") or path.startswith("/admin/login"), citizen.url
    expect(citizen.locator("#site-name")).to_have_count(0)
    citizen.context.close()


# --- Safe Travel: country information, the panic button and the duty officer -----------------------------------
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_country_information(browser: Any, server: str, viewport: str) -> None:
    page = new_page(browser, server, viewport)
    ok(page.goto("/informasi-negara/"))
    page.locator("main input[type=search]").first.fill("Malay")
    expect(page.locator("main a", has_text="Malaysia").first).to_be_visible()
    shot(page, "advisories", viewport)
    ok(page.goto("/informasi-negara/MY/"))
    expect(page.locator("main")).to_contain_text("KBRI Kuala Lumpur")
    expect(page.locator("main a[href^='tel:']").first).to_be_visible()
    shot(page, "advisory-MY", viewport)
    page.context.close()


def test_panic_button_reaches_the_duty_officer_and_back(browser: Any, server: str, kl_state: Any) -> None:
    officer = new_page(browser, server, "desktop", storage_state=kl_state)
    ok(officer.goto("/konsol/sos/"))
    queue = officer.locator("#queue")
    expect(queue).to_be_visible()
    before = officer.locator("[data-testid=case-row]").count()

    citizen = new_page(browser, server, "phone", geolocation=KL, permissions=["geolocation"])
    citizen_signin(citizen, SITI)
    button = citizen.locator("[data-sos-button]")
    expect(button).to_be_visible()
    shot(citizen, "sos-home", "phone")
    button.click()  # one touch: no form
    citizen.wait_for_url(re.compile(r"/sos/kasus/\d+/$"))
    case_id = int(re.search(r"/sos/kasus/(\d+)/", citizen.url).group(1))  # type: ignore[union-attr]
    status = citizen.locator("[data-testid=case-status]")
    expect(status).to_contain_text("KBRI Kuala Lumpur")
    expect(citizen.locator("[data-testid=call-mission]")).to_have_attribute("href", re.compile(r"^tel:\+"))
    shot(citizen, "sos-case", "phone")

    # The officer's queue shows it without a reload, within two seconds of the alert being stored.
    row = officer.locator(f"[data-testid=case-row][data-case='{case_id}']")
    expect(row).to_be_visible(timeout=3_000)
    assert officer.locator("[data-testid=case-row]").count() == before + 1
    shot(officer, "sos-queue", "desktop")
    row.locator("a").click()
    officer.wait_for_url(re.compile(rf"/konsol/sos/{case_id}/$"))
    expect(officer.locator("[data-case-map].leaflet-container")).to_be_visible()
    expect(officer.locator("[data-testid=timeline]")).to_contain_text(re.compile(r"SOS", re.I))
    officer.locator("[data-testid=acknowledge]").click()
    expect(officer.locator("[data-testid=case-status]")).to_have_text(re.compile(r"^(Ditanggapi|Acknowledged)$", re.I))
    officer.fill("#m", "Kami akan menelepon Anda sekarang.")
    officer.locator("[data-testid=send-message]").click()
    expect(officer.locator("[data-testid=timeline]")).to_contain_text("Kami akan menelepon Anda sekarang.")
    shot(officer, "sos-case-console", "desktop")

    # The citizen's screen shows the acknowledgement and the message (it polls every two seconds).
    expect(citizen.locator("[data-testid=acknowledged]")).to_be_visible(timeout=6_000)
    expect(citizen.locator("[data-testid=thread]")).to_contain_text("Kami akan menelepon Anda sekarang.", timeout=6_000)
    shot(citizen, "sos-acknowledged", "phone")

    # Offline: the alert waits on the phone, an SMS with the position is offered, and it is sent (joining the
    # open case, never a second one) when the network returns.
    ok(citizen.goto("/"))
    citizen.context.set_offline(True)
    citizen.locator("[data-sos-button]").click()
    sms = citizen.locator("[data-sos-sms]")
    expect(sms).to_be_visible()
    expect(sms).to_have_attribute("href", re.compile(r"^sms:\+.*3\.13900"))
    shot(citizen, "sos-offline", "phone")
    citizen.context.set_offline(False)
    citizen.wait_for_url(re.compile(rf"/sos/kasus/{case_id}/$"), timeout=20_000)
    officer.context.close()
    citizen.context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_where_citizens_are(browser: Any, server: str, kl_state: Any, viewport: str) -> None:
    page = new_page(browser, server, viewport, storage_state=kl_state)
    ok(page.goto("/konsol/sebaran/"))
    expect(page.locator(".where-map[data-state=ready] path.leaflet-interactive").first).to_be_attached()  # hexagons
    expect(page.locator("#where-table tbody")).to_contain_text("Malaysia")
    expect(page.locator("#where-list tbody a[href^='/konsol/warga/']").first).to_be_visible()  # names, for the officer
    expect(page.locator("[data-testid=export-xlsx]")).to_be_visible()
    shot(page, "console-where", viewport)
    page.select_option("select[name=purpose]", "study")
    expect(page).to_have_url(re.compile(r"purpose=study"))
    page.locator("#where-table nav a").nth(1).click()  # group by city
    expect(page).to_have_url(re.compile(r"by=city"))
    page.context.close()


def test_no_request_leaves_the_server(server: str) -> None:
    """No page of any browser test module (each has its own loopback server) asked another host."""
    assert REQUESTS, "no browser test ran"
    foreign = sorted({u for u in REQUESTS if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))})
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not JS_ERRORS, JS_ERRORS


def test_pages_fit_and_console_is_clean(server: str) -> None:
    assert REQUESTS, "no browser test ran"
    assert not OVERFLOWS, OVERFLOWS
    # This module's pages only (other modules test refusals, 409 warnings and 422 forms on purpose). The
    # refusal page is meant to be 403; the offline SOS test cuts the network on purpose.
    errors = sorted({e for e in CONSOLE_ERRORS if e.startswith(server + "/") and "status of 403" not in e
                     and "ERR_INTERNET_DISCONNECTED" not in e})
    assert not errors, errors
