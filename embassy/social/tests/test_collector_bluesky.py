"""Pulling a Bluesky account through the atproto SDK, pointed at a local server that answers as the public
AppView does (lexicons app.bsky.actor.getProfile, app.bsky.feed.getAuthorFeed, app.bsky.graph.getFollows;
docs.bsky.app: rate-limit headers ratelimit-limit/-remaining/-reset/-policy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.models import Account, AccountDay, Follow, Post, Pull
from embassy.social.pull import account_pull

pytestmark = pytest.mark.django_db
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
HANDLE = "kemlu.example.com"
PROFILE, FEED, FOLLOWS = ("/xrpc/app.bsky.actor.getProfile", "/xrpc/app.bsky.feed.getAuthorFeed",
                          "/xrpc/app.bsky.graph.getFollows")
RATE = {"Content-Type": "application/json", "ratelimit-limit": "3000", "ratelimit-remaining": "2998",
        "ratelimit-reset": "1764849600", "ratelimit-policy": "3000;w=300"}
AUTHOR = {"did": DID, "handle": HANDLE, "displayName": "Kemlu (contoh)"}


def post(rkey: str, when: str, *, likes: int = 5, embed: dict[str, Any] | None = None,
         reply: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": f"Pos {rkey}", "createdAt": when, "langs": ["id"]}
    if reply:
        ref = {"uri": f"at://{DID}/app.bsky.feed.post/parent", "cid": "bafyreib2rxk3rh6kzwq"}
        record["reply"] = {"root": ref, "parent": ref}
    view: dict[str, Any] = {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": f"bafyrei{rkey}", "author": AUTHOR,
                            "record": record, "replyCount": 1, "repostCount": 2, "likeCount": likes, "quoteCount": 1,
                            "indexedAt": when, "labels": []}
    if embed:
        view["embed"] = embed
    return {"post": view}


VIDEO = {"$type": "app.bsky.embed.video#view", "cid": "bafkreivideo", "playlist": "https://video.example/p.m3u8"}
IMAGES = {"$type": "app.bsky.embed.images#view", "images": [
    {"thumb": "https://cdn.example/t.jpg", "fullsize": "https://cdn.example/f.jpg", "alt": ""}]}


@pytest.fixture
def bluesky(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "bluesky": vendor.url + "/xrpc"}
        yield vendor


@pytest.fixture
def account() -> Account:
    return Account.objects.create(platform="bluesky", handle=HANDLE, owner="ministry",
                                  url=f"https://bsky.app/profile/{HANDLE}")


def test_a_pull_reads_profile_posts_by_cursor_and_follows(bluesky: VendorServer, account: Account) -> None:
    bluesky.on("GET", PROFILE, 200, {**AUTHOR, "followersCount": 2400, "followsCount": 35, "postsCount": 3},
               headers=RATE)
    bluesky.on("GET", FEED, 200, {"feed": [post("3lc2", "2026-12-03T08:00:00.000Z", embed=VIDEO),
                                           post("3lc1", "2026-11-01T08:00:00.000Z", reply=True)],
                                  "cursor": "2026-11-01T08:00:00.000Z"}, headers=RATE)
    bluesky.on("GET", FEED, 200, {"feed": [post("3lb9", "2025-02-01T08:00:00Z", embed=IMAGES)]}, headers=RATE)
    bluesky.on("GET", FOLLOWS, 200, {"subject": AUTHOR, "follows": [
        {"did": "did:plc:abcdefghijklmnopqrstuvwx", "handle": "kln.gov.my.example"}]}, headers=RATE)
    pull = account_pull(account_id=account.pk, now=dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC))
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    posts = {p.post_id.rsplit("/", 1)[-1]: p for p in Post.objects.all()}
    assert posts["3lc2"].kind == "video" and posts["3lb9"].kind == "image" and posts["3lc1"].is_reply
    assert (posts["3lc2"].likes, posts["3lc2"].comments, posts["3lc2"].shares) == (5, 1, 3)
    assert posts["3lc2"].url == f"https://bsky.app/profile/{HANDLE}/post/3lc2"
    assert AccountDay.objects.get().followers == 2400
    assert Follow.objects.get().target_handle == "kln.gov.my.example"
    feed = [r for r in bluesky.requests if r.route == FEED]
    assert "cursor" not in feed[0].query and feed[1].query["cursor"] == "2026-11-01T08:00:00.000Z"
    account.refresh_from_db()
    assert account.platform_id == DID and account.quota["remaining"] == 2998


def test_a_rate_limited_answer_stores_nothing_and_waits(bluesky: VendorServer, account: Account) -> None:
    now = dt.datetime.now(dt.UTC)
    reset = str(int((now + dt.timedelta(minutes=5)).timestamp()))
    bluesky.on("GET", PROFILE, 200, {**AUTHOR, "followersCount": 1, "followsCount": 1, "postsCount": 1}, headers=RATE)
    bluesky.on("GET", FEED, 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
               headers={**RATE, "ratelimit-remaining": "0", "ratelimit-reset": reset})
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED
    assert not Post.objects.exists() and not AccountDay.objects.exists()
    account.refresh_from_db()
    assert account.quota["remaining"] == 0
    assert account.retry_after is not None and account.retry_after >= now + dt.timedelta(minutes=4)


def test_an_unknown_handle_and_a_malformed_feed_show_as_errors(bluesky: VendorServer, account: Account) -> None:
    bluesky.on("GET", PROFILE, 400, {"error": "InvalidRequest", "message": "Profile not found"})
    pull = account_pull(account_id=account.pk, now=dt.datetime.now(dt.UTC))
    assert pull is not None and "Profile not found" in pull.error
    account.retry_after = None
    account.save()
    bluesky.on("GET", PROFILE, 200, {**AUTHOR, "followersCount": 1, "followsCount": 1, "postsCount": 1})
    bluesky.on("GET", FEED, 200, {"feed": [{"post": {"uri": "at://x/app.bsky.feed.post/1"}}]})
    pull = account_pull(account_id=account.pk, now=dt.datetime.now(dt.UTC))
    assert pull is not None and pull.status == Pull.Status.FAILED and not Post.objects.exists()
