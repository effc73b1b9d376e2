"""The installable web app: manifest, service worker, offline page, and the tags on every page."""

from __future__ import annotations

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
    finders.get_finder.cache_clear()
    try:
        second = pwa._sw_build()
    finally:
        finders.get_finder.cache_clear()

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
    assert "csrf" not in page.lower()  # cached for everyone on the phone: no token, no name
    assert "/perwakilan/" in page


def test_every_page_links_the_manifest_and_registers_the_worker() -> None:
    page = Client().get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#b3121f">' in page
    assert 'rel="apple-touch-icon"' in page
    assert re.search(r'<script src="/static/pwa/register.js" data-sw="/sw.js" defer></script>', page)
    assert "data-install" in page  # the "Install the app" button (shown by the browser's install prompt)
