"""Pulling listening streams through the real SDKs (tweepy, Mastodon.py, atproto), pointed at local servers that
answer as the platforms document: X GET /2/tweets/search/recent (since_id, next_token, expansions author_id and
geo.place_id, x-rate-limit-* headers, billed per post read), Mastodon GET /api/v1/timelines/tag/:hashtag (Link
paging, X-RateLimit-*), Bluesky app.bsky.feed.searchPosts (sort=latest, since, cursor)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from embassy.listening import collect
from embassy.listening.collect import credentials_account, stream_estimate, stream_pull
from embassy.listening.models import Heard, Stream
from embassy.missions.models import Mission
from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.models import Account, Pull, ReadBudget
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
SEARCH = "/2/tweets/search/recent"
X_RATE = {"Content-Type": "application/json", "x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
          "x-rate-limit-reset": "1764850000"}
M_RATE = {"Content-Type": "application/json", "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299",
          "X-RateLimit-Reset": "2026-12-04T12:05:00.000Z"}
B_RATE = {"Content-Type": "application/json", "ratelimit-limit": "3000", "ratelimit-remaining": "2999",
          "ratelimit-reset": "1764849600", "ratelimit-policy": "3000;w=300"}
BSKY = "/xrpc/app.bsky.feed.searchPosts"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collect, "RETRY_DELAYS", (0.0,))


@pytest.fixture
def vendor(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as server:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "x": server.url, "mastodon": server.url,
                                    "bluesky": server.url + "/xrpc"}
        yield server


@pytest.fixture
def kl() -> Mission:
    return Mission.objects.get(code="KBRI-KUALA-LUMPUR")


@pytest.fixture
def x_account(kl: Mission) -> Account:
    account = Account.objects.create(platform="x", handle="kbri_contoh", owner="mission", unit=kl,
                                     url="https://x.com/kbri_contoh")
    return account_connect(account=account, credentials={"bearer_token": "AAAA-kl-bearer"}, token_kind="app")


def make_stream(unit: Mission | None, platforms: list[str], terms: list[str] | None = None) -> Stream:
    return Stream.objects.create(name="KBRI Kuala Lumpur", kind=Stream.Kind.MENTION, unit=unit, platforms=platforms,
                                 terms=terms or ['"KBRI Kuala Lumpur"', "@kbri_contoh"])


def tweet(tid: str, when: str, text: str, author: str = "77", **extra: Any) -> dict[str, Any]:
    return {"id": tid, "text": text, "created_at": when, "author_id": author, "lang": "in",
            "edit_history_tweet_ids": [tid], "public_metrics": {"retweet_count": 2, "reply_count": 1, "like_count": 5,
                                                                "quote_count": 1}, **extra}


USERS = {"users": [{"id": "77", "username": "siti_wni", "name": "Siti", "location": "Cheras, Kuala Lumpur"},
                   {"id": "78", "username": "budi", "name": "Budi"}]}


def x_page(*tweets: dict[str, Any], next_token: str | None = None, places: list[Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(tweets)}
    if tweets:
        meta.update(newest_id=tweets[0]["id"], oldest_id=tweets[-1]["id"])
    if next_token:
        meta["next_token"] = next_token
    return {"data": list(tweets), "includes": {**USERS, "places": places or []}, "meta": meta}


def test_x_recent_search_reads_with_the_units_token_and_is_incremental(vendor: VendorServer, x_account: Account,
                                                                        kl: Mission) -> None:
    stream = make_stream(kl, ["x"])
    vendor.on("GET", SEARCH, 200, x_page(
        tweet("1900", "2026-12-04T11:00:00.000Z", "Terima kasih KBRI Kuala Lumpur, paspor selesai cepat",
              geo={"coordinates": {"type": "Point", "coordinates": [101.7, 3.1]}}),
        tweet("1899", "2026-12-04T10:00:00.000Z", "@kbri_contoh jam buka?", author="78", geo={"place_id": "p1"}),
        places=[{"id": "p1", "full_name": "Kuala Lumpur", "geo": {"type": "Feature", "bbox": [101.6, 3.0, 101.8, 3.2]}}]),
        headers=X_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and not pulled.errors, pulled and pulled.errors
    asked = vendor.requests[0]
    assert asked.headers["authorization"] == "Bearer AAAA-kl-bearer"
    assert asked.query["query"] == '("kbri kuala lumpur" OR @kbri_contoh) -is:retweet'
    assert "since_id" not in asked.query and asked.query["max_results"] == "100"
    first, second = pulled.items
    assert (first.post_id, first.author_handle, first.author_location) == ("1900", "siti_wni", "Cheras, Kuala Lumpur")
    assert (first.lat, first.lon) == (3.1, 101.7) and first.published_at == dt.datetime(2026, 12, 4, 11, tzinfo=dt.UTC)
    assert second.lat == pytest.approx(3.1) and second.lon == pytest.approx(101.7)  # the tagged place's centre
    assert first.url == "https://x.com/siti_wni/status/1900"
    stored = {h.post_id: h for h in Heard.objects.all()}
    assert set(stored) == {"1900", "1899"} and stream.pk in stored["1900"].streams
    stream.refresh_from_db()
    assert stream.cursor["x"]["q"] == {'("kbri kuala lumpur" OR @kbri_contoh) -is:retweet': "1900"}
    assert stream.last_success_at == NOW and stream.failures == 0 and stream.last_error == ""
    bill = Pull.objects.get(account=x_account, source="listening")
    assert (bill.reads, bill.cost, bill.posts) == (2, Decimal("0.0100"), 2)  # two posts read at $0.005

    vendor.on("GET", SEARCH, 200, x_page(tweet("1902", "2026-12-04T12:20:00.000Z", "KBRI Kuala Lumpur buka Sabtu"),
                                         next_token="b26v89c19zqg8o3fo7gesq"), headers=X_RATE)
    vendor.on("GET", SEARCH, 200, x_page(tweet("1901", "2026-12-04T12:10:00.000Z", "Antre di KBRI Kuala Lumpur")),
              headers=X_RATE)
    later = NOW + dt.timedelta(minutes=30)
    pulled = stream_pull(stream_id=stream.pk, now=later)
    assert pulled is not None and [i.post_id for i in pulled.items] == ["1902", "1901"]
    newer = [r for r in vendor.requests if r.route == SEARCH][1:]
    assert newer[0].query["since_id"] == "1900" and newer[1].query["next_token"] == "b26v89c19zqg8o3fo7gesq"
    assert Heard.objects.count() == 4
    stream.refresh_from_db()
    assert next(iter(stream.cursor["x"]["q"].values())) == "1902"


def test_x_stops_at_the_units_monthly_budget_and_says_so(vendor: VendorServer, x_account: Account, kl: Mission) -> None:
    ReadBudget.objects.create(unit=kl, monthly_usd=Decimal("0.30"))  # less than a page of 100 posts at $0.005
    stream = make_stream(kl, ["x"])
    [estimate] = stream_estimate(stream, now=NOW)
    assert (estimate.reads, estimate.usd, estimate.budget_left) == (100, Decimal("0.50"), Decimal("0.30"))
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and "budget" in pulled.errors["x"]
    assert not vendor.requests  # nothing read, nothing billed
    stream.refresh_from_db()
    assert "budget" in stream.last_error and stream.retry_after == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert stream.last_success_at is None
    assert Pull.objects.get(account=x_account, source="listening").status == Pull.Status.BUDGET
    assert stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(hours=1), force=True) is not None
    assert not vendor.requests  # pull now does not override a spent budget


def test_a_mission_without_an_x_account_reads_with_headquarters_token(vendor: VendorServer, kl: Mission) -> None:
    ministry = Account.objects.create(platform="x", handle="kemlu_contoh", owner="ministry", url="https://x.com/k")
    assert credentials_account(unit=kl, platform="x") is None  # no token anywhere yet
    account_connect(account=ministry, credentials={"bearer_token": "AAAA-hq"}, token_kind="app")
    assert credentials_account(unit=kl, platform="x") == ministry
    stream = make_stream(kl, ["x"])
    vendor.on("GET", SEARCH, 200, x_page(), headers=X_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and not pulled.errors and pulled.items == []
    assert vendor.requests[0].headers["authorization"] == "Bearer AAAA-hq"


def test_with_no_x_account_at_all_the_stream_says_so_and_reads_the_other_platforms(vendor: VendorServer,
                                                                                   kl: Mission) -> None:
    stream = make_stream(kl, ["x", "bluesky"], terms=["WNI"])
    vendor.on("GET", BSKY, 200, {"posts": []}, headers=B_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and "no connected X account" in pulled.errors["x"] and "bluesky" not in pulled.errors
    stream.refresh_from_db()
    assert "X account" in stream.last_error and stream.cursor["bluesky"]["ok_at"] == NOW.isoformat()


def status(sid: str, when: str, content: str, *, location: str = "") -> dict[str, Any]:
    account = {"id": "55", "username": "siti", "acct": "siti@mastodon.example", "display_name": "Siti",
               "locked": False, "bot": False, "created_at": "2022-11-14T00:00:00.000Z", "note": "",
               "url": "https://mastodon.example/@siti", "avatar": "", "header": "", "followers_count": 3,
               "following_count": 2, "statuses_count": 9, "last_status_at": "2026-12-01", "emojis": [],
               "fields": [{"name": "Lokasi", "value": location, "verified_at": None}] if location else []}
    return {"id": sid, "created_at": when, "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False,
            "spoiler_text": "", "visibility": "public", "language": "id",
            "uri": f"https://mastodon.example/users/siti/statuses/{sid}", "url": f"https://mastodon.example/@siti/{sid}",
            "replies_count": 0, "reblogs_count": 1, "favourites_count": 2, "content": content, "reblog": None,
            "account": account, "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
            "media_attachments": []}


def test_mastodon_hashtag_timelines_page_by_link_and_resume_from_since_id(vendor: VendorServer) -> None:
    stream = Stream.objects.create(name="Hualien", kind=Stream.Kind.CRISIS, platforms=["mastodon"],
                                   terms=["Hualien WNI"])
    tag = "/api/v1/timelines/tag/hualien"  # hashtags are case-insensitive: asked in lower case
    vendor.on("GET", tag, 200, [
        status("112", "2026-12-04T11:00:00.000Z", "<p>Gempa di Hualien, ada WNI terdampak?<br>Mohon info</p>",
               location="Taipei"),
        status("111", "2026-12-04T10:00:00.000Z", "<p>Hualien earthquake: roads closed</p>")],
        headers={**M_RATE, "Link": f'<{vendor.url}{tag}?max_id=111>; rel="next"'})
    pulled = stream_pull(stream_id=stream.pk, now=NOW, force=True)
    assert pulled is not None and not pulled.errors, [r.path for r in vendor.requests]
    # A first search reads one page; of it, only the posts that also say "WNI" are the stream's.
    assert [i.post_id for i in pulled.items] == ["112"]
    item = pulled.items[0]
    assert item.text == "Gempa di Hualien, ada WNI terdampak?\nMohon info"
    assert (item.author_handle, item.author_location) == ("siti@mastodon.example", "Taipei")
    stream.refresh_from_db()
    assert stream.cursor["mastodon"]["q"] == {"#hualien +wni": "112"}
    assert stream.cursor["mastodon"]["quota"]["remaining"] == 299

    vendor.on("GET", tag, 200, [status("114", "2026-12-04T12:10:00.000Z", "<p>KBRI: WNI di Hualien selamat</p>")],
              headers={**M_RATE, "Link": f'<{vendor.url}{tag}?max_id=114>; rel="next"'})
    vendor.on("GET", tag, 200, [status("113", "2026-12-04T12:00:00.000Z", "<p>WNI &amp; TKI di Hualien aman</p>")],
              headers=M_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(minutes=20))
    assert pulled is not None and [i.post_id for i in pulled.items] == ["114", "113"]
    assert pulled.items[1].text == "WNI & TKI di Hualien aman"
    later = [r for r in vendor.requests if r.route == tag][1:]
    assert later[0].query["since_id"] == "112" and later[1].query["max_id"] == "114"


def bsky_post(rkey: str, when: str, text: str) -> dict[str, Any]:
    did = "did:plc:z72i7hdynmk6r22z27h6tvur"
    return {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": f"bafyrei{rkey}",
            "author": {"did": did, "handle": "ani.bsky.social", "displayName": "Ani"},
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": when, "langs": ["id"]},
            "replyCount": 0, "repostCount": 1, "likeCount": 3, "quoteCount": 0, "indexedAt": when, "labels": []}


def test_bluesky_search_posts_latest_first_then_only_since_the_newest(vendor: VendorServer) -> None:
    stream = Stream.objects.create(name="TKI", platforms=["bluesky"], terms=["TKI", "@kemlu.go.id"])
    vendor.on("GET", BSKY, 200, {"posts": [bsky_post("3lc2", "2026-12-04T11:00:00.000Z", "TKI di Taiwan butuh bantuan")],
                                 "cursor": "1"}, headers=B_RATE)
    vendor.on("GET", BSKY, 200, {"posts": []}, headers=B_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and not pulled.errors, pulled and pulled.errors
    asked = [r.query for r in vendor.requests]
    assert asked[0] == {"q": "TKI", "sort": "latest", "limit": "100"}
    assert asked[1]["q"] == "mentions:kemlu.go.id"
    assert pulled.items[0].url == "https://bsky.app/profile/ani.bsky.social/post/3lc2"
    vendor.on("GET", BSKY, 200, {"posts": []}, headers=B_RATE, times=2)
    stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(minutes=20))
    assert vendor.requests[2].query["since"] == "2026-12-04T11:00:00.000000Z"


def test_a_failure_is_recorded_on_the_stream_retried_later_and_cleared_by_a_good_pull(
        vendor: VendorServer, x_account: Account, kl: Mission) -> None:
    stream = make_stream(kl, ["x", "bluesky"], terms=["WNI"])
    vendor.on("GET", SEARCH, 503, {"title": "Service Unavailable"}, times=2)  # the try and its retry
    vendor.on("GET", BSKY, 200, {"posts": [bsky_post("3lc9", "2026-12-04T11:30:00.000Z", "WNI di Penang")]},
              headers=B_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and set(pulled.errors) == {"x"}
    assert len([r for r in vendor.requests if r.route == SEARCH]) == 2  # retried once
    assert Heard.objects.filter(platform="bluesky").count() == 1  # the platform that answered is stored
    stream.refresh_from_db()
    assert stream.failures == 1 and stream.last_error.startswith("X:") and stream.last_error_at == NOW
    assert stream.retry_after == NOW + dt.timedelta(minutes=1) and stream.last_success_at is None
    assert stream.cursor["bluesky"]["ok_at"] == NOW.isoformat() and stream.cursor["x"]["failures"] == 1

    vendor.on("GET", BSKY, 200, {"posts": []}, headers=B_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(seconds=30))  # X still backing off
    assert pulled is not None and [o.platform for o in pulled.outcomes if o.skipped] == ["x"]
    assert len([r for r in vendor.requests if r.route == SEARCH]) == 2

    vendor.on("GET", SEARCH, 200, x_page(tweet("1950", "2026-12-04T12:01:00.000Z", "WNI di Johor")), headers=X_RATE)
    vendor.on("GET", BSKY, 200, {"posts": []}, headers=B_RATE)
    pulled = stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(minutes=2))
    assert pulled is not None and not pulled.errors
    stream.refresh_from_db()
    assert stream.failures == 0 and stream.last_error == "" and stream.retry_after is None
    assert stream.last_success_at == NOW + dt.timedelta(minutes=2)


def test_a_rate_limit_waits_for_the_platforms_reset_even_when_forced(vendor: VendorServer, x_account: Account,
                                                                     kl: Mission) -> None:
    stream = make_stream(kl, ["x"])
    reset = int((NOW + dt.timedelta(minutes=12)).timestamp())
    vendor.on("GET", SEARCH, 429, {"title": "Too Many Requests", "status": 429},
              headers={**X_RATE, "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    pulled = stream_pull(stream_id=stream.pk, now=NOW)
    assert pulled is not None and "rate limit" in pulled.errors["x"]
    assert len(vendor.requests) == 1  # a rate limit is not retried at once
    stream.refresh_from_db()
    assert stream.retry_after is not None and stream.retry_after >= NOW + dt.timedelta(minutes=1)
    assert stream.cursor["x"]["rate_limited"]
    stream_pull(stream_id=stream.pk, now=NOW + dt.timedelta(seconds=30), force=True)
    assert len(vendor.requests) == 1


def test_due_streams_are_those_not_pulled_lately(kl: Mission) -> None:
    fresh = make_stream(kl, ["bluesky"])
    old = make_stream(kl, ["bluesky"])
    Stream.objects.filter(pk=fresh.pk).update(last_pull_at=NOW - dt.timedelta(minutes=5))
    Stream.objects.filter(pk=old.pk).update(last_pull_at=NOW - dt.timedelta(minutes=40))
    stopped = make_stream(kl, ["bluesky"])
    Stream.objects.filter(pk=stopped.pk).update(active=False)
    assert collect.due_streams(now=NOW) == [old.pk]


def test_a_since_older_than_xs_window_is_dropped_and_the_command_pulls_one_stream(
        vendor: VendorServer, x_account: Account, kl: Mission) -> None:
    stream = make_stream(kl, ["x"], terms=["WNI"])
    query = "(wni) -is:retweet"
    Stream.objects.filter(pk=stream.pk).update(cursor={"x": {"q": {query: "1800", "gone": "1"},
                                                             "read_at": (NOW - dt.timedelta(days=8)).isoformat()}})
    vendor.on("GET", SEARCH, 200, x_page(tweet("1990", "2026-12-04T11:59:00.000Z", "WNI di Klang")), headers=X_RATE)
    out = StringIO()
    call_command("listening_pull", str(stream.pk), stdout=out)
    assert "1 read" in out.getvalue()
    assert "since_id" not in vendor.requests[0].query
    stream.refresh_from_db()
    assert stream.cursor["x"]["q"] == {query: "1990"}  # the removed query's cursor is dropped too
    out = StringIO()
    call_command("listening_pull", str(stream.pk), "--estimate", stdout=out)
    assert "x: ≤300 reads, ≤1.50 USD" in out.getvalue()
