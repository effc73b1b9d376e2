"""Pulling a Facebook Page and an Instagram professional account through Meta's Graph API with `requests`,
pointed at a local server that answers as the Graph API documents (developers.facebook.com/docs:
graph-api/reference/page and /page/feed (the posts edge with field expansion, `summary(true)` and cursor
paging), instagram-platform/reference/ig-user and /ig-user/media, /instagram-media (media_type,
media_product_type), graph-api/overview/rate-limiting (X-App-Usage, X-Business-Use-Case-Usage with
estimated_time_to_regain_access) and graph-api/guides/error-handling (the error object; codes 4, 80001, 190))."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

import embassy.social.collectors.graph  # noqa: F401  # registers "facebook" and "instagram" (one module for both)
from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.collectors.graph import GRAPH_VERSION
from embassy.social.models import Account, AccountDay, Follow, Post, Pull
from embassy.social.pull import account_pull
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
PAGE_ID, IG_ID = "104958162837", "17841405822304914"
V = f"/{GRAPH_VERSION}"
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
USAGE = {"Content-Type": "application/json", "X-App-Usage": json.dumps({"call_count": 12, "total_cputime": 3,
                                                                        "total_time": 5})}
TOKEN = "EAAGpage-token-for-tests"


def fb_post(pid: str, when: str, *, media: str | None = None, reactions: int = 80, shares: int | None = 4) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": f"{PAGE_ID}_{pid}", "created_time": when, "message": f"Pos {pid}",
        "permalink_url": f"https://www.facebook.com/kemlu.contoh/posts/{pid}",
        "comments": {"data": [], "summary": {"order": "ranked", "total_count": 12, "can_comment": True}},
        "reactions": {"data": [], "summary": {"total_count": reactions, "viewer_reaction": "NONE"}}}
    if media:
        post["attachments"] = {"data": [{"media_type": media}]}
    if shares is not None:  # the field is absent on a post nobody shared
        post["shares"] = {"count": shares}
    return post


def paged(data: list[dict[str, Any]], path: str, after: str | None) -> dict[str, Any]:
    cursors = {"before": "QVFIUmJlZm9yZQ", "after": after or "QVFIUmxhc3Q"}
    paging: dict[str, Any] = {"cursors": cursors}
    if after:  # the last page still has cursors, but no `next`
        paging["next"] = f"https://graph.facebook.com{V}/{path}?limit=100&after={after}"
    return {"data": data, "paging": paging}


def ig_media(mid: str, when: str, media_type: str, product: str = "FEED", *, likes: int = 300) -> dict[str, Any]:
    return {"id": mid, "caption": f"Keterangan {mid}", "media_type": media_type, "media_product_type": product,
            "timestamp": when, "permalink": f"https://www.instagram.com/p/{mid}/", "like_count": likes,
            "comments_count": 12}


def graph_error(code: int, message: str, *, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.fixture
def graph(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "graph": vendor.url}
        yield vendor


def connect(platform: str, handle: str, platform_id: str = "") -> Account:
    account = Account.objects.create(platform=platform, handle=handle, owner="ministry", platform_id=platform_id,
                                     url=f"https://www.{platform}.com/{handle}")
    return account_connect(account=account, credentials={"access_token": TOKEN}, token_kind="page")


def test_a_facebook_page_pull_reads_followers_and_posts_page_by_page(graph: VendorServer) -> None:
    account = connect("facebook", "kemlu.contoh")
    posts_path = f"{V}/{PAGE_ID}/posts"
    graph.on("GET", f"{V}/kemlu.contoh", 200, {"id": PAGE_ID, "name": "Kemlu (contoh)", "followers_count": 250400},
             headers=USAGE)
    graph.on("GET", posts_path, 200, paged([fb_post("3", "2026-12-03T09:00:00+0000", media="video"),
                                            fb_post("2", "2026-11-20T02:30:00+0000", media="photo", shares=None)],
                                           f"{PAGE_ID}/posts", "QVFIUmFmdGVy"), headers=USAGE)
    graph.on("GET", posts_path, 200, paged([fb_post("1", "2025-06-01T01:00:00+0000", media="share")],
                                           f"{PAGE_ID}/posts", None), headers=USAGE)
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    posts = {p.post_id: p for p in Post.objects.all()}
    new = posts[f"{PAGE_ID}_3"]
    assert (new.kind, new.likes, new.comments, new.shares, new.views) == ("video", 80, 12, 4, None)
    assert posts[f"{PAGE_ID}_2"].kind == "image" and posts[f"{PAGE_ID}_2"].shares == 0
    assert posts[f"{PAGE_ID}_1"].kind == "link"
    assert new.url == "https://www.facebook.com/kemlu.contoh/posts/3" and new.text == "Pos 3"
    assert posts[f"{PAGE_ID}_2"].published_at == dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
    assert AccountDay.objects.get().followers == 250400 and not Follow.objects.exists()
    pages = [r for r in graph.requests if r.route == posts_path]
    assert [r.query.get("after") for r in pages] == [None, "QVFIUmFmdGVy"]
    assert pages[0].query["limit"] == "100" and "reactions.summary(true).limit(0)" in pages[0].query["fields"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" and TOKEN not in r.path for r in graph.requests)
    assert "insights" not in json.dumps([r.path for r in graph.requests])  # no per-post calls for views
    account.refresh_from_db()
    assert account.platform_id == PAGE_ID and account.quota["used_percent"] == 12 and account.quota["remaining"] == 88


def test_an_instagram_pull_finds_the_linked_account_and_tells_reels_from_images(graph: VendorServer) -> None:
    account = connect("instagram", "kemlu_contoh")
    media_path = f"{V}/{IG_ID}/media"
    graph.on("GET", f"{V}/me", 200, {"instagram_business_account": {"id": IG_ID}, "id": PAGE_ID})
    graph.on("GET", f"{V}/{IG_ID}", 200, {"id": IG_ID, "username": "kemlu_contoh", "followers_count": 91000,
                                         "follows_count": 120, "media_count": 3}, headers=USAGE)
    graph.on("GET", media_path, 200, paged([ig_media("18001", "2026-12-03T09:00:00+0000", "VIDEO", "REELS"),
                                            ig_media("18002", "2026-11-30T09:00:00+0000", "CAROUSEL_ALBUM")],
                                           f"{IG_ID}/media", "QVFIUm1lZGlh"), headers=USAGE)
    graph.on("GET", media_path, 200, paged([ig_media("18003", "2025-01-01T00:00:00+0000", "IMAGE")],
                                           f"{IG_ID}/media", None), headers=USAGE)
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    posts = {p.post_id: p for p in Post.objects.all()}
    assert [posts[i].kind for i in ("18001", "18002", "18003")] == ["video", "image", "image"]
    assert (posts["18001"].likes, posts["18001"].comments, posts["18001"].views) == (300, 12, None)
    assert posts["18001"].url == "https://www.instagram.com/p/18001/" and posts["18001"].text == "Keterangan 18001"
    day = AccountDay.objects.get()
    assert (day.followers, day.following, day.posts) == (91000, 120, 3)
    assert [r.query.get("after") for r in graph.requests if r.route == media_path] == [None, "QVFIUm1lZGlh"]
    account.refresh_from_db()
    assert account.platform_id == IG_ID


def test_a_rate_limit_waits_as_long_as_meta_says_and_stores_nothing(graph: VendorServer) -> None:
    account = connect("facebook", "kemlu.contoh", platform_id=PAGE_ID)
    graph.on("GET", f"{V}/{PAGE_ID}", 200, {"id": PAGE_ID, "followers_count": 250400})
    buc = {PAGE_ID: [{"type": "pages", "call_count": 100, "total_cputime": 40, "total_time": 35,
                      "estimated_time_to_regain_access": 25}]}
    graph.on("GET", f"{V}/{PAGE_ID}/posts", 400, graph_error(80001, "There have been too many calls to this Page "
                                                              "account. Wait a bit and try again."),
             headers={"Content-Type": "application/json", "X-Business-Use-Case-Usage": json.dumps(buc)})
    now = timezone.now()
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED and "too many calls" in pull.error
    assert not AccountDay.objects.exists() and not Post.objects.exists()
    account.refresh_from_db()
    assert account.retry_after is not None and account.retry_after >= now + dt.timedelta(minutes=24)
    assert account.quota["used_percent"] == 100 and account.quota["rate_limited"]
    assert account_pull(account_id=account.pk, now=now + dt.timedelta(minutes=5), force=True) is None
    Account.objects.filter(pk=account.pk).update(retry_after=None)
    graph.on("GET", f"{V}/{PAGE_ID}", 400, graph_error(4, "(#4) Application request limit reached"))
    account_pull(account_id=account.pk, now=now)
    account.refresh_from_db()
    assert account.retry_after is not None and account.retry_after >= now + dt.timedelta(seconds=60)


def test_an_expired_token_asks_for_reconnecting(graph: VendorServer) -> None:
    account = connect("instagram", "kemlu_contoh", platform_id=IG_ID)
    graph.on("GET", f"{V}/{IG_ID}", 400, graph_error(190, "Error validating access token: Session has expired on "
                                                    "Thursday, 03-Dec-26 01:00:00 PST.", subcode=463))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED
    account.refresh_from_db()
    assert account.needs_reconnect and "Session has expired" in account.last_error and TOKEN not in account.last_error


def test_a_malformed_answer_stores_nothing(graph: VendorServer) -> None:
    account = connect("instagram", "kemlu_contoh", platform_id=IG_ID)
    graph.on("GET", f"{V}/{IG_ID}", 200, {"id": IG_ID, "username": "kemlu_contoh", "followers_count": 91000,
                                         "follows_count": 120, "media_count": 3})
    graph.on("GET", f"{V}/{IG_ID}/media", 200, {"data": [{"id": "18009", "media_type": "IMAGE"}]})  # no timestamp
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and "malformed" in pull.error
    assert not Post.objects.exists() and not AccountDay.objects.exists()
    Account.objects.filter(pk=account.pk).update(retry_after=None)
    graph.on("GET", f"{V}/{IG_ID}", 502, b"<html>Bad Gateway</html>")
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and not AccountDay.objects.exists()
