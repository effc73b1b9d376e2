"""A database that is away answers 503 with Retry-After at once (embassy.common.outage), on the fast path, the API
and pages; the client address behind the proxy (config.proxy_headers). The real restart of PostgreSQL under load
is tests/test_cluster.py's drill."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from config.proxy_headers import ProxyHeaders

# Imported here, before any test patches what they import (a module first imported inside a patch keeps the patch).
from embassy.accounts import auth as accounts_auth
from embassy.common.tests.factories import bearer, make_citizen_user
from embassy.sos import fastpath as sos_fastpath

pytestmark = pytest.mark.django_db


def _away(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("connection failed: server closed the connection unexpectedly")


def test_the_panic_button_answers_503_with_retry_after_when_the_database_is_away(monkeypatch: Any) -> None:
    headers = bearer(make_citizen_user("outage@example.com"))
    monkeypatch.setattr(sos_fastpath, "token_authenticate", _away)  # the fast path's first query fails
    client = Client(raise_request_exception=False)
    response = client.post("/api/v1/sos/alerts", {"idempotency_key": "k-outage-1", "lat": 3.14, "lon": 101.69},
                           content_type="application/json", headers={**headers, "Accept-Language": "id"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "unavailable"
    assert "coba lagi" in body["detail"]  # in the citizen's language


def test_an_api_route_and_a_page_answer_503_too(monkeypatch: Any) -> None:
    headers = bearer(make_citizen_user("outage2@example.com"))
    monkeypatch.setattr(accounts_auth, "token_authenticate", _away)  # ninja's bearer auth
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/sos/my-cases", headers=headers)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"

    monkeypatch.setattr(SessionStore, "load", _away)  # a page's session cannot be read
    client.cookies["sessionid"] = "a" * 32
    page = client.get("/informasi-negara/", headers={"Accept": "text/html"})
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "Coba lagi dalam beberapa detik" in page.content.decode()


def _environ(remote: str, forwarded: str | None = None) -> dict[str, Any]:
    environ = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    return environ


def _seen(trusted: str, environ: dict[str, Any]) -> str:
    seen: dict[str, str] = {}

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["remote"] = env["REMOTE_ADDR"]
        return [b""]

    ProxyHeaders(app, trusted)(environ, lambda *a: None)
    return seen["remote"]


def test_the_client_address_comes_from_x_forwarded_for_only_through_a_trusted_proxy() -> None:
    assert _seen("127.0.0.1", _environ("127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # A client's own X-Forwarded-For is ignored: the right-most address the trusted proxy added wins.
    assert _seen("127.0.0.1", _environ("127.0.0.1", "10.9.9.9, 203.0.113.7")) == "203.0.113.7"
    # Chains of trusted proxies (CIDR ranges) are walked from the right.
    assert _seen("172.30.250.0/24,127.0.0.1", _environ("127.0.0.1", "198.51.100.4, 172.30.250.9")) == "198.51.100.4"
    # Not from a trusted proxy: the header is not believed.
    assert _seen("127.0.0.1", _environ("198.51.100.20", "127.0.0.1")) == "198.51.100.20"
    assert _seen("127.0.0.1", _environ("127.0.0.1")) == "127.0.0.1"
    assert _seen("*", _environ("192.0.2.1", "203.0.113.9")) == "203.0.113.9"
