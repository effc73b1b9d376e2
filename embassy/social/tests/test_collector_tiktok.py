"""Pulling a TikTok account through TikTok's HTTP API v2 with `requests`, pointed at a local server that answers
as TikTok documents it (developers.tiktok.com/doc: tiktok-api-v2-get-user-info (GET /v2/user/info/, the User
object under data.user), tiktok-api-v2-video-list (POST /v2/video/list/ with max_count and cursor, answering
data.videos, data.cursor, data.has_more), tiktok-api-v2-error-handling (the error object: code, message, log_id;
access_token_invalid 401, scope_not_authorized 401) and tiktok-api-v2-rate-limit (HTTP 429
rate_limit_exceeded, a one-minute sliding window))."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.models import Account, AccountDay, Follow, Post, Pull
from embassy.social.pull import account_pull
from embassy.social.services import account_connect, credentials_of

pytestmark = pytest.mark.django_db
OPEN_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"
USER, VIDEOS = "/v2/user/info/", "/v2/video/list/"
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
TOKEN = "act.example12345Example12345Example"


def ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "error": {"code": "ok", "message": "", "log_id": "20261204120000A1B2C3D4E5F6"}}


def failed(code: str, message: str) -> dict[str, Any]:
    return {"data": {}, "error": {"code": code, "message": message, "log_id": "20261204120000FFEEDDCCBBAA"}}


def user(username: str = "kemlu_contoh") -> dict[str, Any]:
    return ok({"user": {"open_id": OPEN_ID, "union_id": "c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1", "username": username,
                        "follower_count": 150000, "following_count": 40, "video_count": 3, "likes_count": 2300000}})


def video(vid: str, when: dt.datetime, *, views: int = 5400) -> dict[str, Any]:
    return {"id": vid, "create_time": int(when.timestamp()), "title": f"Judul {vid}",
            "video_description": f"Keterangan {vid} #kemlu", "share_url": f"https://www.tiktok.com/@kemlu_contoh/video/{vid}",
            "like_count": 320, "comment_count": 14, "share_count": 9, "view_count": views}


@pytest.fixture
def tiktok(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "tiktok": vendor.url}
        yield vendor


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(platform="tiktok", handle="kemlu_contoh", owner="ministry",
                                     url="https://www.tiktok.com/@kemlu_contoh")
    return account_connect(account=account, credentials={"access_token": TOKEN, "refresh_token": "rft.example"},
                           token_kind="oauth2+refresh")


def test_a_pull_reads_the_profile_and_the_videos_by_cursor(tiktok: VendorServer, account: Account) -> None:
    tiktok.on("GET", USER, 200, user())
    tiktok.on("POST", VIDEOS, 200, ok({"videos": [video("7304000000000000003", dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)),
                                                  video("7304000000000000002", dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC))],
                                       "cursor": 1763605800000, "has_more": True}))
    tiktok.on("POST", VIDEOS, 200, ok({"videos": [video("7304000000000000001", dt.datetime(2025, 6, 1, 1, tzinfo=dt.UTC),
                                                        views=70)], "cursor": 1748739600000, "has_more": False}))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    posts = {p.post_id: p for p in Post.objects.all()}
    new = posts["7304000000000000003"]
    assert (new.kind, new.views, new.likes, new.comments, new.shares) == ("video", 5400, 320, 14, 9)
    assert new.url == "https://www.tiktok.com/@kemlu_contoh/video/7304000000000000003"
    assert new.text == "Keterangan 7304000000000000003 #kemlu"
    assert posts["7304000000000000002"].published_at == dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
    day = AccountDay.objects.get()
    assert (day.followers, day.following, day.posts) == (150000, 40, 3)
    assert not Follow.objects.exists()
    pages = [r for r in tiktok.requests if r.route == VIDEOS]
    assert [r.json() for r in pages] == [{"max_count": 20}, {"max_count": 20, "cursor": 1763605800000}]
    assert "view_count" in pages[0].query["fields"] and "follower_count" in tiktok.requests[0].query["fields"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in tiktok.requests)
    account.refresh_from_db()
    assert account.platform_id == OPEN_ID and account.cursor["backfill_done"]


def test_a_rate_limit_waits_a_minute_and_stores_nothing(tiktok: VendorServer, account: Account) -> None:
    tiktok.on("GET", USER, 200, user())
    tiktok.on("POST", VIDEOS, 429, failed("rate_limit_exceeded", "The API rate limit was exceeded."))
    now = timezone.now()
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED
    assert not AccountDay.objects.exists() and not Post.objects.exists()
    account.refresh_from_db()
    assert account.retry_after == now + dt.timedelta(seconds=60) and account.quota["rate_limited"]
    assert account_pull(account_id=account.pk, now=now + dt.timedelta(seconds=30), force=True) is None


@pytest.mark.parametrize("code", ["access_token_invalid", "scope_not_authorized"])
def test_a_refused_token_asks_for_reconnecting(tiktok: VendorServer, account: Account, code: str) -> None:
    tiktok.on("GET", USER, 401, failed(code, "The access token is invalid or not found in the request."))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED
    account.refresh_from_db()
    assert account.needs_reconnect and code in account.last_error and TOKEN not in account.last_error


def test_a_token_of_another_account_is_refused(tiktok: VendorServer, account: Account) -> None:
    tiktok.on("GET", USER, 200, user(username="someone_else"))
    account_pull(account_id=account.pk, now=NOW)
    account.refresh_from_db()
    assert account.needs_reconnect and not AccountDay.objects.exists()


def test_a_malformed_answer_stores_nothing(tiktok: VendorServer, account: Account) -> None:
    tiktok.on("GET", USER, 200, user())
    tiktok.on("POST", VIDEOS, 200, ok({"videos": [{"id": "7304000000000000009", "title": "no time"}],
                                       "cursor": 0, "has_more": False}))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and "malformed" in pull.error
    assert not Post.objects.exists() and not AccountDay.objects.exists()
    Account.objects.filter(pk=account.pk).update(retry_after=None)
    tiktok.on("GET", USER, 500, failed("internal_error", "Something went wrong."))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and "internal_error" in pull.error
    Account.objects.filter(pk=account.pk).update(retry_after=None)
    tiktok.on("GET", USER, 200, b"<html>maintenance</html>")
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and not AccountDay.objects.exists()


def test_an_expired_access_token_is_renewed_with_the_refresh_token_and_kept(tiktok: VendorServer) -> None:
    """developers.tiktok.com/doc/oauth-user-access-token-management: POST /v2/oauth/token/ (form-encoded
    client_key, client_secret, grant_type=refresh_token, refresh_token) answers the new access_token (24 h),
    refresh_token and their lifetimes."""
    account = Account.objects.create(platform="tiktok", handle="kemlu_contoh", owner="ministry",
                                     url="https://www.tiktok.com/@kemlu_contoh")
    account_connect(account=account, credentials={"access_token": "act.old", "refresh_token": "rft.old",
                                                  "client_key": "awkey123", "client_secret": "secret456"},
                    token_kind="oauth2+refresh", expires_at=timezone.now() - dt.timedelta(hours=1),
                    refresh_expires_at=timezone.now() + dt.timedelta(days=200))
    tiktok.on("POST", "/v2/oauth/token/", 200, {"access_token": "act.new", "expires_in": 86400, "open_id": OPEN_ID,
                                                "refresh_expires_in": 31536000, "refresh_token": "rft.new",
                                                "scope": "user.info.basic,video.list", "token_type": "Bearer"})
    tiktok.on("GET", USER, 200, user())
    tiktok.on("POST", VIDEOS, 200, ok({"videos": [], "cursor": 0, "has_more": False}))
    pull = account_pull(account_id=account.pk, now=timezone.now())
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    renew = tiktok.requests[0]
    assert renew.form() == {"client_key": "awkey123", "client_secret": "secret456", "grant_type": "refresh_token",
                            "refresh_token": "rft.old"}
    assert tiktok.requests[1].headers["authorization"] == "Bearer act.new"
    account.refresh_from_db()
    assert credentials_of(account)["access_token"] == "act.new" and credentials_of(account)["refresh_token"] == "rft.new"
    assert account.token_expires_at is not None and account.token_expires_at > timezone.now() + dt.timedelta(hours=23)
    tiktok.on("POST", "/v2/oauth/token/", 400, {"error": "invalid_grant", "error_description": "Refresh token is invalid"})
    Account.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - dt.timedelta(minutes=1))
    account_pull(account_id=account.pk, now=timezone.now())
    account.refresh_from_db()
    assert account.needs_reconnect and "invalid_grant" in account.last_error
