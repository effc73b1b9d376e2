"""Mastodon.py and atproto posting against local HTTP servers that answer as the platforms do: Mastodon's
Idempotency-Key makes a retry after a server error safe; Bluesky's record key is chosen once and a retry finds the
record instead of posting it again; refusals are Refused, server errors Retry."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from embassy.missions.models import Mission
from embassy.publishing import clients
from embassy.social.models import Account

pytestmark = pytest.mark.django_db


class _Platform(BaseHTTPRequestHandler):
    """Answers from `routes` ((method, path) → callable(handler, body) → (status, json)); records each request."""

    routes: ClassVar[dict[tuple[str, str], Any]] = {}
    seen: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0].rstrip("/")
        _Platform.seen.append((self.command, path, {k.lower(): v for k, v in self.headers.items()}, body))
        route = _Platform.routes.get((self.command, path))
        status, answer = route(self, body) if route else (404, {"error": "NotFound", "message": path})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def platform(settings: Any) -> Iterator[str]:
    _Platform.routes, _Platform.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "mastodon": base, "bluesky": base + "/xrpc"}
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def _account(platform: str, handle: str) -> Account:
    return Account.objects.create(platform=platform, handle=handle, url="https://example.org/a", owner="mission",
                                  unit=Mission.objects.get(code="KBRI-KUALA-LUMPUR"), platform_id="")


def _post(text: str = "Halo dari KBRI", **kwargs: Any) -> clients.Post:
    return clients.Post(text=text, images=kwargs.get("images", []), in_reply_to=kwargs.get("in_reply_to", ""),
                        key="key-1", state=kwargs.get("state", {}))


STATUS = {"id": "1101", "uri": "https://mastodon.example/users/kbri/statuses/1101",
          "url": "https://mastodon.example/@kbri/1101", "created_at": "2026-12-05T01:00:00.000Z", "content": "<p>Halo</p>",
          "visibility": "public", "media_attachments": [], "mentions": [], "tags": [], "emojis": []}


INSTANCE = {"domain": "mastodon.example", "uri": "mastodon.example", "title": "Mastodon", "version": "4.3.0",
            "api_versions": {"mastodon": 2}}


def test_mastodon_posts_with_an_idempotency_key_and_alt_text(platform: str) -> None:
    tries = {"n": 0}

    def statuses(handler: Any, body: bytes) -> tuple[int, Any]:
        tries["n"] += 1
        return (503, {"error": "try later"}) if tries["n"] == 1 else (200, STATUS)

    _Platform.routes = {("POST", "/api/v1/statuses"): statuses,
                        ("POST", "/api/v2/media"): lambda h, b: (200, {"id": "55", "type": "image", "url": "u"}),
                        ("GET", "/api/v2/instance"): lambda h, b: (200, INSTANCE),
                        ("GET", "/api/v1/instance"): lambda h, b: (200, INSTANCE)}
    account = _account("mastodon", "kbri@mastodon.example")
    image = clients.Image(b"\xff\xd8\xff000", "image/jpeg", "Penari di panggung", "https://example.org/i.jpg")
    with pytest.raises(clients.Retry) as failed:
        clients.publish_mastodon(account, {"access_token": "t"}, _post(images=[image]))
    assert failed.value.uncertain
    done = clients.publish_mastodon(account, {"access_token": "t"}, _post(images=[image]))
    assert done == clients.Published("1101", "https://mastodon.example/@kbri/1101")
    keys = [h.get("idempotency-key") for m, p, h, _b in _Platform.seen if p == "/api/v1/statuses"]
    assert keys == ["key-1", "key-1"]  # the instance answers the first status again for the same key
    media = next(b for m, p, h, b in _Platform.seen if p == "/api/v2/media")
    assert b"Penari di panggung" in media
    _Platform.routes[("POST", "/api/v1/statuses")] = lambda h, b: (422, {"error": "Validation failed: Text too long"})
    with pytest.raises(clients.Refused, match="too long"):
        clients.publish_mastodon(account, {"access_token": "t"}, _post())
    with pytest.raises(clients.Refused):
        clients.publish_mastodon(account, {}, _post())  # no token: nothing sent


def _jwt(did: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': did, 'iat': now, 'exp': now + 3600, 'scope': 'com.atproto.appPass'})}.c2ln"


def test_bluesky_chooses_the_record_key_once_and_a_retry_finds_the_record(platform: str) -> None:
    did = "did:plc:kbrikl"
    records: dict[str, Any] = {}
    session = {"did": did, "handle": "kbri.bsky.social", "accessJwt": _jwt(did), "refreshJwt": _jwt(did),
               "active": True}

    def create(handler: Any, body: bytes) -> tuple[int, Any]:
        asked = json.loads(body)
        if asked["rkey"] in records:
            return 400, {"error": "InvalidRequest", "message": "Record already exists"}
        records[asked["rkey"]] = asked["record"]
        return 200, {"uri": f"at://{did}/app.bsky.feed.post/{asked['rkey']}", "cid": "bafyreiabc"}

    def get(handler: Any, body: bytes) -> tuple[int, Any]:
        rkey = handler.path.split("rkey=")[-1]
        if rkey not in records:
            return 400, {"error": "RecordNotFound", "message": "Could not locate record"}
        return 200, {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": "bafyreiabc", "value": records[rkey]}

    _Platform.routes = {("POST", "/xrpc/com.atproto.server.createSession"): lambda h, b: (200, session),
                        ("GET", "/xrpc/com.atproto.server.getSession"): lambda h, b: (200, session),
                        ("POST", "/xrpc/com.atproto.repo.createRecord"): create,
                        ("GET", "/xrpc/com.atproto.repo.getRecord"): get}
    account = _account("bluesky", "kbri.bsky.social")
    account.platform_id = did
    post = _post("Halo dari KBRI 🇮🇩")
    assert clients.find_bluesky(account, {}, post, dt.datetime.now(dt.UTC)) is None  # no key chosen yet
    done = clients.publish_bluesky(account, {"app_password": "abcd-efgh"}, post)
    rkey = post.state["rkey"]
    assert len(rkey) == 13 and done.post_id == f"at://{did}/app.bsky.feed.post/{rkey}"
    assert records[rkey]["text"] == "Halo dari KBRI 🇮🇩"
    found = clients.find_bluesky(account, {}, post, dt.datetime.now(dt.UTC))
    assert found is not None and found.post_id == done.post_id
    with pytest.raises(clients.Refused, match="already exists"):
        clients.publish_bluesky(account, {"app_password": "abcd-efgh"}, post)  # the same key cannot post twice
    assert len(records) == 1


def test_tids_sort_by_time() -> None:
    assert clients.tid(1_000_000) < clients.tid(2_000_000)
