"""The installable web app: web app manifest, service worker and offline page, all served from the site root
(a service worker controls only the paths below its own URL)."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The colours of static/css/app.css: the top bar (--red) and the page background (--bg).
THEME_COLOUR = "#b3121f"
BACKGROUND_COLOUR = "#f6f7f9"
SW_SOURCE = "pwa/sw.js"
# The app shell, fetched when the worker installs: every static file these pages reference (their templates,
# what they include or extend, and what their style sheets load), so that the home page and the panic button
# work from a cold start without network. Derived from the templates, never listed by hand.
SHELL_PAGES = ("citizens/home.html", "sos/panic.html", "sos/case.html", "citizens/offline.html")
# Used by the worker itself (notification icons), not referenced by a page.
WORKER_STATIC = ("pwa/icon-192.png", "pwa/badge-96.png")
_STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]""")
_TEMPLATE_TAG = re.compile(r"""{%\s*(?:include|extends)\s+['"]([^'"#]+)""")
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")


def shell_static(pages: tuple[str, ...] = SHELL_PAGES) -> list[str]:
    """The static files (names as given to `static`) that `pages` reference, following {% include %} and
    {% extends %}, and the files their style sheets load with url()."""
    names: list[str] = []
    seen: set[str] = set()
    stack = list(pages)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        source = get_template(name).template.source  # type: ignore[attr-defined]  # the Django backend's Template wraps the engine's, which the stubs do not type
        stack.extend(_TEMPLATE_TAG.findall(source))
        names.extend(n for n in _STATIC_TAG.findall(source) if n not in names)
    for css in [n for n in names if n.endswith(".css")]:
        for ref in _CSS_URL.findall(_read_static(css).decode("utf-8", "replace")):
            if ref.startswith(("data:", "http:", "https:", "//", "#")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(css), ref.split("?")[0].split("#")[0]))
            if target not in names:
                names.append(target)
    return names + [n for n in WORKER_STATIC if n not in names]


@lru_cache(maxsize=1)
def _precache_static() -> tuple[str, ...]:
    return tuple(shell_static())


def _read_static(name: str) -> bytes:
    """A static file's bytes: from the source folders (development, tests) or the collected files."""
    path = finders.find(name)
    if path:
        with open(path if isinstance(path, str) else path[0], "rb") as fh:
            return fh.read()
    with staticfiles_storage.open(name) as fh:
        return bytes(fh.read())


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (names in the visitor's language)."""
    data = {
        "id": "/",
        "name": _("Smart Embassy — Safe Travel"),
        "short_name": _("Safe Travel"),
        "description": _("Report your stay abroad to your mission, read country information offline and reach "
                         "your mission in an emergency."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["travel", "government", "utilities"],
        "icons": [
            {"src": static("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("pwa/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("pwa/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json",
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _sw_build() -> str:
    offline_url = reverse("citizens:offline")
    names = shell_static() if settings.DEBUG else _precache_static()
    precache = [static(name) for name in names] + [offline_url]
    digest = hashlib.sha256()
    template = _read_static(SW_SOURCE)
    digest.update(template)
    for name in names:
        digest.update(name.encode())
        digest.update(_read_static(name))
    # The offline page is part of the shell: a change to it is a new version too.
    digest.update(render_to_string("citizens/offline.html").encode())
    version = digest.hexdigest()[:16]
    return (template.decode("utf-8")
            .replace("__VERSION__", version)
            .replace("/*__PRECACHE__*/[]", json.dumps(precache))
            .replace("__OFFLINE__", offline_url)
            .replace("__ICON__", static("pwa/icon-192.png"))
            .replace("__BADGE__", static("pwa/badge-96.png")))


_sw_cached = lru_cache(maxsize=1)(_sw_build)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from static/pwa/sw.js with its version (a hash of what it precaches) filled in.
    Never cached by the browser's HTTP cache, so a deploy is picked up on the next visit."""
    body = _sw_build() if settings.DEBUG else _sw_cached()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache, no-store, must-revalidate, max-age=0"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker when a page is neither reachable nor cached. Bilingual, and nothing
    personal: it is cached once for everyone using the browser."""
    response = render(request, "citizens/offline.html", {"languages": ("id", "en")})  # Indonesian first
    response["Cache-Control"] = "no-cache"
    return response
