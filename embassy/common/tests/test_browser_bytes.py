"""First visit of the pages a worker opens first, on a cheap phone: home and lapor diri ≤ 200 KB (issue 10).

The test server runs with DEBUG=1 and sends everything uncompressed, where production compresses (WhiteNoise's
pre-compressed .gz static files, Caddy's zstd/gzip for HTML). To count what production would send, each
response's body is gzip-compressed here (level 6: within a few per cent of WhiteNoise's gzip -9 and Caddy's
zstd), and its status line and headers are counted as they came. Every response of the first visit counts,
the service worker's own fetches (its install) included, until nothing new has arrived for a second. Not
counted again: what the worker answers from its cache, and a static file fetched a second time (production
gives static files hashed names and a year in the HTTP cache; the DEBUG server makes the browser ask again).
benchmarks/bench_pages.py measures the same pages against a server configured as in production
(docs/benchmarks.md).
"""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest

from embassy.common.tests import harness as tb

browser = tb.browser
server = tb.server

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
BUDGET = 200_000  # bytes
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json",
                "application/geo+json", "image/svg+xml")


def _on_the_wire(context: Any, response: Any) -> int:
    """What production would send for this response: status line, headers, body gzip-compressed if textual."""
    size = len(f"HTTP/1.1 {response.status} {response.status_text}\r\n\r\n")
    size += sum(len(h["name"]) + len(h["value"]) + 4 for h in response.headers_array())
    if 300 <= response.status < 400:
        return size
    # Playwright has no body for what the service worker fetched: the same GET again, with the same cookies.
    body = context.request.get(response.url).body() if response.request.service_worker else response.body()
    if response.headers.get("content-type", "").startswith(COMPRESSIBLE) and len(body) >= 512:
        body = gzip.compress(body, compresslevel=6)
    return size + len(body)


def first_visit(browser: Any, server: str, path: str, storage_state: Any = None) -> tuple[int, list[str]]:
    """(bytes, "bytes url" lines, biggest first) for a first visit of `path` with an empty cache."""
    context = browser.new_context(base_url=server, viewport=PHONE, locale="id-ID", storage_state=storage_state)
    responses: list[Any] = []
    context.on("response", lambda response: responses.append(response))  # the page's and its worker's
    page = context.new_page()
    tb.ok(page.goto(path))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => navigator.serviceWorker.ready.then(() => true)"), "no service worker"
    seen, quiet_since = len(responses), time.monotonic()
    while time.monotonic() - quiet_since < 1.0:  # until the worker's install has fetched everything
        page.wait_for_timeout(100)
        if len(responses) != seen:
            seen, quiet_since = len(responses), time.monotonic()
    sizes: list[tuple[int, str]] = []
    static: set[str] = set()
    for response in responses:
        url = response.url.removeprefix(server)
        if response.from_service_worker or url in static:
            continue  # answered by the worker; or a static file the worker fetches again after the page did,
            # which in production comes from the HTTP cache (hashed names, cached for a year)
        if url.startswith("/static/"):
            static.add(url)
        sizes.append((_on_the_wire(context, response), url))
    context.close()
    sizes.sort(reverse=True)
    return sum(size for size, _url in sizes), [f"{size:>8,} {url}" for size, url in sizes]


def test_home_first_visit_fits_the_budget(browser: Any, server: str) -> None:
    total, lines = first_visit(browser, server, "/")
    assert total <= BUDGET, f"home page, first visit: {total:,} bytes\n" + "\n".join(lines)
    assert any(line.endswith("/sw.js") for line in lines), lines  # the worker's install was counted


def test_lapor_diri_first_visit_fits_the_budget(browser: Any, server: str) -> None:
    signin = browser.new_context(base_url=server, viewport=PHONE, locale="id-ID")
    tb.citizen_signin(signin.new_page(), tb.SITI)
    state = signin.storage_state()  # the session only: the next context starts with an empty cache
    signin.close()
    total, lines = first_visit(browser, server, "/lapor-diri/", storage_state=state)
    assert total <= BUDGET, f"lapor diri, first visit: {total:,} bytes\n" + "\n".join(lines)
    assert any("/lapor-diri/" in line for line in lines), lines
