"""End-to-end checks in headless Chromium (Playwright) against a real server on a phone and a desktop viewport.

The server is a separate uvicorn process on its own database (a temporary SQLite file, or a fresh PostgreSQL
database when DATABASE_URL is set), loaded with the reference data and a small demo population. Screenshots of
key pages go to var/screenshots/<name>-<viewport>.png.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
expect.set_options(timeout=15_000)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
SHOTS = REPO / "var" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
KL, SINGAPORE = {"latitude": 3.139, "longitude": 101.6869}, {"latitude": 1.2903, "longitude": 103.8519}
SITI, BUDI = "siti.rahayu@example.com", "budi.santoso@example.com"
REQUESTS: list[str] = []  # every URL any page asked for, checked by the last tests
JS_ERRORS: list[str] = []  # uncaught exceptions in pages
CONSOLE_ERRORS: list[str] = []  # console errors (CSP violations, failed loads)
OVERFLOWS: list[str] = []  # screenshots of pages wider than the phone's viewport
TIMEOUT_MS = 15_000


# --- Server ------------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(*procs: subprocess.Popen[bytes]) -> None:
    """Terminate server processes; kill those still running after 10 s."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _postgres_database(url: str) -> tuple[str, Any]:
    """A fresh database beside the one in DATABASE_URL; returns its URL and a function that drops it."""
    import psycopg
    from psycopg import sql

    name = f"test_browser_{os.getpid()}"
    parts = urllib.parse.urlsplit(url)
    admin_url = parts._replace(path="/postgres").geturl()

    def run(statement: Any) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(statement)

    run(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return parts._replace(path=f"/{name}").geturl(), lambda: run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(env: dict[str, str], *commands: list[str]) -> None:
    """Run manage.py commands in order (migrate, load data) for a test server's database."""
    for args in commands:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"


def start_server(env: dict[str, str], port: int, log: Any) -> subprocess.Popen[bytes]:
    """uvicorn on 127.0.0.1:`port`, returned once /healthz answers and the routing index is loaded."""
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            log.seek(0)
            pytest.fail(f"server did not come up:\n{log.read()[-4000:]}")
        time.sleep(0.2)
    # The first routing call loads the country index (seconds); pay for it here, not in a test's timeout.
    urllib.request.urlopen(f"{base}/api/v1/missions/route?lat=0&lon=0", timeout=60).close()  # noqa: S310
    return proc


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp(prefix="embassy-browser-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_CURRENT_TEST"}}
    env.update(VAR_DIR=str(tmp), DEBUG="1", DEMO_SHOW_CODES="1", DJANGO_SETTINGS_MODULE="config.settings")
    drop = None
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"], drop = _postgres_database(os.environ["DATABASE_URL"])
    log = (tmp / "server.log").open("w+")
    proc = None
    try:
        manage(env, ["migrate", "--noinput", "-v0"], ["load_reference"], ["seed_demo", "--citizens", "300", "--seed", "7"])
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(env, port, log)
        yield base
    finally:
        if proc is not None:
            stop(proc)
        log.close()
        if drop is not None:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


# --- Browser -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def new_page(browser: Any, server: str, viewport: str = "desktop", *, locale: str = "id-ID", **options: Any) -> Any:
    context = browser.new_context(base_url=server, viewport=VIEWPORTS[viewport], locale=locale, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("request", lambda request: REQUESTS.append(request.url))
    page.on("pageerror", lambda error: JS_ERRORS.append(f"{page.url}: {error}"))
    page.on("console", lambda msg: msg.type == "error" and CONSOLE_ERRORS.append(f"{page.url}: {msg.text}"))
    return page


def shot(page: Any, name: str, viewport: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        OVERFLOWS.append(f"{name}-{viewport}: {page.url} is {width}px wide")
    page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=full)


def map_ready(page: Any) -> None:
    """The stay form's map, loaded only when asked for ("Choose on a map"), has drawn its basemap."""
    opener = page.locator("[data-map-open]")
    if opener.is_visible():
        opener.click()
    expect(page.locator("#pick-map.leaflet-container")).to_be_visible()
    expect(page.locator("#pick-map .leaflet-overlay-pane path").first).to_be_attached()


def ok(response: Any) -> Any:
    assert response is not None
    assert response.status < 400, f"{response.url}: {response.status}"
    return response


def citizen_signin(page: Any, address: str) -> None:
    ok(page.goto("/masuk/"))
    page.fill("#address", address)
    page.locator("main form button[type=submit]").click()
    code = page.locator("[data-testid=demo-code] strong").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code), code
    page.fill("#code", code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the home page itself, not /masuk/


_used_codes: dict[str, str] = {}


def staff_signin(page: Any, username: str) -> None:
    from embassy.accounts.demo import DEMO_PASSWORD, demo_totp_now

    ok(page.goto("/staf/masuk/"))
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staf/verifikasi/"))
    code = demo_totp_now(username)
    while code == _used_codes.get(username):  # a TOTP code is accepted once; wait for the next one
        time.sleep(1)
        code = demo_totp_now(username)
    _used_codes[username] = code
    page.fill("#otp", code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konsol/"))


@pytest.fixture(scope="module")
def kl_state(browser: Any, server: str) -> Iterator[Any]:
    """kl.protection signed in with both factors, as storage state for new contexts (one TOTP use)."""
    page = new_page(browser, server)
    staff_signin(page, "kl.protection")
    yield page.context.storage_state()
    page.context.close()


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
