"""The installable web app: manifest, service worker, offline page, and the tags on every page."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import struct
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from embassy.citizens import pwa

pytestmark = pytest.mark.django_db


def _source(name: str) -> str:
    path = finders.find(name)
    assert isinstance(path, str), name
    return Path(path).read_text(encoding="utf-8")


def test_manifest_is_served_as_a_web_app_manifest_with_installable_icons() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["theme_color"] == "#b3121f" and manifest["background_color"] == "#f6f7f9"
    assert manifest["short_name"] == "Safe Travel" and manifest["lang"] == "en"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable"), ("any", "any")} <= sizes
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix("/static/")
        path = finders.find(name)
        assert path, icon["src"]
        if icon["type"] == "image/png":
            with open(path, "rb") as fh:
                head = fh.read(24)
            assert head[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", head[16:24])
            assert f"{width}x{height}" == icon["sizes"]
    css = _source("css/app.css")
    assert "--red: #b3121f" in css and "--bg: #f6f7f9" in css  # the colours match the stylesheet


def test_service_worker_is_served_from_the_root_uncached_with_its_version() -> None:
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', body)
    assert version, body[:400]
    precache = re.search(r"const PRECACHE = (\[.*?\]);", body)
    assert precache
    for url in ("/static/css/app.css", "/static/js/app.js", "/static/vendor/htmx-2.0.11/htmx.min.js", "/offline/"):
        assert f'"{url}"' in precache.group(1)
    for placeholder in ("__VERSION__", "__PRECACHE__", "__OFFLINE__", "__ICON__", "__BADGE__"):
        assert placeholder not in body
    for event in ('"install"', '"activate"', '"fetch"', '"push"', '"notificationclick"', '"message"'):
        assert f"addEventListener({event}" in body
    assert "/keluar/" in body  # caches are dropped on sign-out


def test_service_worker_version_follows_the_precached_files(settings, tmp_path) -> None:
    first = pwa._sw_build()
    extra = tmp_path / "static"
    (extra / "css").mkdir(parents=True)
    (extra / "css" / "app.css").write_text(_source("css/app.css") + "\n/* v2 */")
    settings.STATICFILES_DIRS = [str(extra), *settings.STATICFILES_DIRS]
    finders.get_finder.cache_clear()  # type: ignore[attr-defined]  # get_finder is lru_cache'd; the stubs omit it
    try:
        second = pwa._sw_build()
    finally:
        finders.get_finder.cache_clear()  # type: ignore[attr-defined]  # get_finder is lru_cache'd; the stubs omit it

    def version(body: str) -> str:
        found = re.search(r'const VERSION = "(\w+)"', body)
        assert found
        return found.group(1)

    assert version(first) != version(second)
    assert version(pwa._sw_build()) == version(pwa._sw_build())  # stable otherwise


def test_offline_page_is_bilingual_and_impersonal() -> None:
    response = Client().get("/offline/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="id"' in page and 'lang="en"' in page
    assert "No network? Send an SMS to your mission's hotline." in page  # the English half
    assert "The SOS button works without network too" in page
    assert "csrf" not in page.lower()  # cached for everyone on the phone: no token, no name
    assert "/perwakilan/" in page


def test_every_page_links_the_manifest_and_registers_the_worker() -> None:
    page = Client().get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#b3121f">' in page
    assert 'rel="apple-touch-icon"' in page
    assert re.search(r'<script src="/static/pwa/register.js" data-sw="/sw.js" defer></script>', page)
    assert "data-install" in page  # the "Install the app" button (shown by the browser's install prompt)


def _precache() -> list[str]:
    body = Client().get("/sw.js").content.decode()
    found = re.search(r"const PRECACHE = (\[.*?\]);", body)
    assert found
    return list(json.loads(found.group(1)))


def _static_refs(html: str) -> set[str]:
    return set(re.findall(r'(?:src|href)="(/static/[^"?#]+)', html))


def test_everything_the_home_and_sos_pages_reference_is_precached() -> None:
    """Issue 10, point 1: offline from a cold start the home page and the panic button come with their styles
    and scripts. Every static file the real pages reference, and every file their style sheets load, is in the
    worker's install list, and every file in that list exists (one missing file would fail the install)."""
    from embassy.citizens.models import Stay
    from embassy.citizens.services import stay_register
    from embassy.common.tests.factories import make_citizen_user
    from embassy.sos.models import Case

    user = make_citizen_user("warga.pwa@example.com")
    stay_register(citizen=user.citizen, actor=user, city="Kuala Lumpur", lat=3.139, lon=101.6869,
                  purpose=Stay.Purpose.OTHER, start_date=dt.date.today())
    web = Client()
    web.force_login(user)
    precache = set(_precache())
    pages = {url: web.get(url) for url in ("/", "/sos/", "/offline/")}
    web.post("/sos/")  # the button without JavaScript: a case, so the case page can be read too
    case = Case.objects.get()
    pages["case"] = web.get(f"/sos/kasus/{case.pk}/")
    referenced: set[str] = set()
    for url, response in pages.items():
        assert response.status_code == 200, url
        refs = _static_refs(response.content.decode())
        assert refs, url
        referenced |= refs
    assert {"/static/sos/panic.js", "/static/sos/sos.css", "/static/css/app.css",
            "/static/vendor/htmx-2.0.11/htmx.min.js"} <= referenced
    missing = sorted(referenced - precache)
    assert not missing, f"referenced by the home/SOS pages but not precached: {missing}"
    for url in precache:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"precached but missing: {url}"
    for css in [u for u in precache if u.endswith(".css")]:
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", _source(css.removeprefix("/static/"))):
            if not ref.startswith(("data:", "http", "#")):
                target = "/static/" + posixpath.normpath(posixpath.join(posixpath.dirname(css.removeprefix("/static/")),
                                                                        ref))
                assert target in precache, f"{css} loads {ref}, not precached"


def test_shell_list_follows_includes_and_conditional_branches() -> None:
    names = pwa.shell_static()
    # home.html → sos/home_button.html → notify/push_button.html, and base.html's scripts
    for name in ("sos/panic.js", "sos/sos.css", "notify/push.js", "pwa/register.js", "js/app.js", "sos/case.js"):
        assert name in names
    assert "crises/answer.css" in names  # only on the home page while a roll-call is open: still precached
    assert "pwa/icon-192.png" in names and "pwa/badge-96.png" in names  # the worker's notification icons


def test_the_worker_keeps_the_first_visited_page_and_sends_a_saved_sos_by_itself() -> None:
    body = Client().get("/sw.js").content.decode()
    assert 'const CACHED_PAGES = ["/", "/sos/"];' in body
    assert 'data.type === "warm"' in body  # the first visit is fetched again by the worker and kept
    assert 'addEventListener("sync"' in body and '"sos-send"' in body  # Background Sync where available
    register = _source("pwa/register.js")
    assert 'type: "warm"' in register and "caches.match(path)" in register
