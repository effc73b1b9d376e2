"""The demo's searches: a stream pulled while the replay server runs reads its simulated posts through the real
SDKs (X recent search with a demo token, Mastodon's hashtag timeline, Bluesky's searchPosts), the same posts
for the same seed, some of them asking for help, all of them marked simulated."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from embassy.listening import collect
from embassy.listening.collect import stream_pull
from embassy.listening.models import Heard, Stream
from embassy.listening.replay import posts_until, searches
from embassy.social.models import Account
from embassy.social.replay import EXTENSIONS, Replay, make_server
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 4, 12, 30, tzinfo=dt.UTC)


@pytest.fixture
def replay(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(collect, "RETRY_DELAYS", (0.0,))
    server = make_server(Replay(seed=1, now=lambda: NOW, accounts=[]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SOCIAL_REPLAY_URL = f"http://127.0.0.1:{server.server_port}"
    try:
        yield settings.SOCIAL_REPLAY_URL
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def demo_x() -> Account:
    account = Account.objects.create(platform="x", handle="demo.kemlu", owner="ministry", demo=True,
                                     url="https://example.org/demo/x/demo.kemlu")
    return account_connect(account=account, credentials={"bearer_token": f"demo-x-{account.pk}"}, token_kind="app")


def test_the_extension_is_registered_once() -> None:
    assert EXTENSIONS.count(searches) == 1


def test_the_simulated_week_is_the_same_for_the_same_seed_and_has_distress_posts() -> None:
    week = posts_until(1, "x", NOW)
    assert week == posts_until(1, "x", NOW) and week != posts_until(2, "x", NOW)
    assert all(p.published_at <= NOW for p in week) and [p.number for p in week] == sorted(
        (p.number for p in week), reverse=True)
    assert all(p.author.startswith("demo.") and p.name.endswith("(simulasi)") for p in week)
    assert any("tolong" in p.text.lower() or "help" in p.text.lower() for p in week)
    assert {p.lang for p in week} == {"id", "en"}


def test_a_demo_stream_reads_all_three_searches_through_the_sdks_and_then_only_whats_new(
        replay: str, demo_x: Account) -> None:
    stream = Stream.objects.create(name="WNI", terms=["WNI", '"KBRI Kuala Lumpur"'],
                                   platforms=["x", "mastodon", "bluesky"])
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and not pulled.errors, pulled and pulled.errors
    by_platform = {o.platform: o for o in pulled.outcomes}
    assert all(by_platform[p].items for p in ("x", "mastodon", "bluesky"))
    assert all("wni" in i.text.lower() or "kbri kuala lumpur" in i.text.lower() for i in pulled.items)
    assert all(i.url.startswith("https://x.com/demo_warga") or "example.org" in i.url for i in pulled.items)
    assert any(i.author_location for i in by_platform["x"].items)
    stored = Heard.objects.count()
    assert stored == len({(i.platform, i.post_id) for i in pulled.items})
    stream.refresh_from_db()
    assert stream.last_success_at == NOW and all(stream.cursor[p]["q"] for p in ("x", "mastodon", "bluesky"))
    again = stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(minutes=15))  # the replay's clock stands still
    assert again is not None and not again.errors
    assert Heard.objects.count() == stored  # nothing new: nothing stored twice


def test_a_real_token_is_refused_by_the_demo_server(replay: str) -> None:
    account = Account.objects.create(platform="x", handle="real_one", owner="ministry", demo=True,
                                     url="https://x.com/real_one")
    account_connect(account=account, credentials={"bearer_token": "AAAA-real"}, token_kind="app")
    stream = Stream.objects.create(name="WNI", terms=["WNI"], platforms=["x"])
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and "X refused the token" in pulled.errors["x"]
