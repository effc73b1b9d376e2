"""The browser-test harness: a real server on its own database, headless Chromium (Playwright), pages and sign-ins.

The server (the `server` fixture, one per module) is a separate uvicorn process on its own database (a temporary
SQLite file, or a fresh PostgreSQL database when DATABASE_URL is set), loaded with the reference data and a small
demo population unless the module's BROWSER_SERVER says otherwise. Screenshots of key pages go to
var/screenshots/<name>-<viewport>.png.
"""

from __future__ import annotations

import atexit
import json
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from embassy.ops.management.commands.run_worker import READY

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


def _postgres_database(url: str, *, name: str = "", template: str = "") -> tuple[str, Any]:
    """A fresh database beside the one in DATABASE_URL (a copy of `template` when given); returns its URL and a
    function that drops it."""
    import psycopg
    from psycopg import sql

    name = name or f"test_browser_{os.getpid()}"
    parts = urllib.parse.urlsplit(url)
    admin_url = parts._replace(path="/postgres").geturl()

    def run(statement: Any) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(statement)

    run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if template:
        run(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    else:
        run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return parts._replace(path=f"/{name}").geturl(), lambda: run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass(frozen=True)
class Template:
    """A database with the migrations applied and the reference data loaded, built once per test process: each
    browser module's server starts from a copy (a copied VAR_DIR on SQLite, CREATE DATABASE ... TEMPLATE on
    PostgreSQL) instead of migrating and loading again (about a minute each)."""

    var: Path
    database: str  # the template database's name on PostgreSQL; "" on SQLite


_template: list[Template] = []  # this process's, built by the first server that needs it


def browser_template() -> Template:
    if _template:
        return _template[0]
    var = Path(tempfile.mkdtemp(prefix="embassy-browser-template-"))
    atexit.register(shutil.rmtree, var, ignore_errors=True)
    env = _server_env(ServerSpec(), var, 0)
    database = ""
    if os.environ.get("DATABASE_URL"):
        database = f"test_browser_tpl_{os.getpid()}"
        env["DATABASE_URL"], drop = _postgres_database(os.environ["DATABASE_URL"], name=database)
        atexit.register(drop)
    manage(env, ["migrate", "--noinput", "-v0"], ["load_reference"])
    _template.append(Template(var, database))
    return _template[0]


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
    # The first routing call loads the country index (seconds), and the first map the simplified country outlines
    # (seconds more on a fresh VAR_DIR, longer on a busy machine); pay for both here, not in a test's timeout.
    urllib.request.urlopen(f"{base}/api/v1/missions/route?lat=0&lon=0", timeout=60).close()  # noqa: S310
    urllib.request.urlopen(f"{base}/geo/outlines.geojson", timeout=120).close()  # noqa: S310
    return proc


@dataclass(frozen=True)
class ServerSpec:
    """How a browser module's server is set up. A module that needs more than the default sets BROWSER_SERVER.

    After `migrate` and `load_reference`, `commands` (manage.py commands) load data; `setup` ("module:function")
    then runs on the server's database through on_server (factories, services) and what it returns becomes
    Server.data. `env` is added to the server's environment ("{base}" and "{port}" filled in) and `unset` taken
    out of it; `worker` starts a `db_worker` beside uvicorn, as `make run` does.
    """

    commands: tuple[tuple[str, ...], ...] = (("seed_demo", "--citizens", "300", "--seed", "7"),)
    setup: str = ""
    setup_args: tuple[tuple[str, Any], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    unset: tuple[str, ...] = ()
    worker: bool = False


class Server(str):
    """The server's base URL (a str, so pages take it as their base_url), with its environment, its VAR_DIR and
    what the module's set-up returned."""

    env: dict[str, str]
    var: Path
    data: Any

    @property
    def base(self) -> str:
        return str(self)

    def call(self, target: str, **kwargs: Any) -> Any:
        """Run `target` ("module:function") on this server's database; returns what it returned."""
        return on_server_call(self.env, target, **kwargs)


def on_server_call(env: dict[str, str], target: str, **kwargs: Any) -> Any:
    done = subprocess.run([sys.executable, "-m", "embassy.common.tests.on_server", target, json.dumps(kwargs)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{target} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _server_env(spec: ServerSpec, var: Path, port: int) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    unset = {"DATABASE_URL", "PYTEST_CURRENT_TEST", *spec.unset}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(VAR_DIR=str(var), DEBUG="1", DEMO_SHOW_CODES="1", DJANGO_SETTINGS_MODULE="config.settings")
    env.update({k: v.format(base=base, port=port) for k, v in spec.env})
    return env


def start_worker(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    """The task worker as `make run` starts it (run_worker: the in-memory indexes loaded before its first task;
    its SQLite writes give way to the web's), without reloading; one worker takes every queue here (make run
    gives `inbound` one of its own). Returns once it takes tasks."""
    proc = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--queue-name", "*", "--interval", "0.5",
                             "--no-reload", "--no-startup-delay"], cwd=REPO, env={**env, "SQLITE_WRITER": "background"},
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while READY not in Path(log.name).read_text(errors="replace"):
        assert proc.poll() is None and time.monotonic() < deadline, "the task worker did not start"
        time.sleep(0.2)
    return proc


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """This module's server on its own database, set up as the module's BROWSER_SERVER says.

    Module-scoped, not shared by the whole session: the modules' data collide (the crisis drill counts exactly
    the people it placed in Kuala Lumpur, where the demo seed and the accessibility crisis put others; the SOS
    and lapor diri modules add cases and stays to the citizens whose counts test_browser.py checks), and some
    need their own settings (a task worker, SITE_URL from HOST and PORT)."""
    spec: ServerSpec = getattr(request.module, "BROWSER_SERVER", ServerSpec())
    template = browser_template()
    var = Path(tempfile.mkdtemp(prefix="embassy-browser-"))
    shutil.copytree(template.var, var, dirs_exist_ok=True)  # migrated, reference data loaded
    port = _free_port()
    env = _server_env(spec, var, port)
    drop = None
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"], drop = _postgres_database(os.environ["DATABASE_URL"], template=template.database)
    log = (var / "server.log").open("w+")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        manage(env, *(list(c) for c in spec.commands))
        data = on_server_call(env, spec.setup, **dict(spec.setup_args)) if spec.setup else None
        procs.append(start_server(env, port, log))
        if spec.worker:
            procs.append(start_worker(env, log))
        served = Server(f"http://127.0.0.1:{port}")
        served.env, served.var, served.data = env, var, data
        yield served
        for proc in procs:
            assert proc.poll() is None, f"a server process stopped:\n{(var / 'server.log').read_text()[-4000:]}"
    finally:
        stop(*procs)
        log.close()
        if drop is not None:
            drop()
        shutil.rmtree(var, ignore_errors=True)


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

    def console(msg: Any) -> None:
        if msg.type == "error":
            CONSOLE_ERRORS.append(f"{page.url}: {msg.text}")

    page.on("console", console)
    return page


# The element that reaches furthest right, so that a page too wide on another machine's fonts says what to fix.
WIDEST = """() => {
  let far = null, right = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    const r = Math.max(box.right, box.left + el.scrollWidth);  // text overflowing its box counts too
    if (r >= right) { far = el; right = r; }
  }
  if (!far) return "";
  const id = far.id ? "#" + far.id : "";
  const cls = far.classList.length ? "." + [...far.classList].join(".") : "";
  return `${far.tagName.toLowerCase()}${id}${cls} reaches ${Math.round(right)}px: ${far.textContent.trim().slice(0, 40)}`;
}"""


def shot(page: Any, name: str, viewport: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        OVERFLOWS.append(f"{name}-{viewport}: {page.url} is {width}px wide ({page.evaluate(WIDEST)})")
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
