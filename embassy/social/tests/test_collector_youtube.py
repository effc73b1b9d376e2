"""Pulling a YouTube channel through google-api-python-client, pointed at a local server that answers as the
YouTube Data API v3 documents (developers.google.com/youtube/v3/docs: channels.list and the Channel resource,
playlistItems.list, videos.list and the Video resource, subscriptions.list; /docs/errors for quotaExceeded,
forbidden and subscriptionForbidden; the 400 for an invalid key as Google's APIs send it, with
`details[].reason` API_KEY_INVALID), and the project's 10,000 units a day reset at midnight Pacific time
(/youtube/v3/determine_quota_cost: each list costs 1 unit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.budget import quota_day
from embassy.social.models import Account, AccountDay, Follow, Post, Pull, QuotaDay
from embassy.social.pull import account_pull
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
CHANNEL_ID, UPLOADS = "UCkemluRIcontoh000000000", "UUkemluRIcontoh000000000"
CHANNELS, ITEMS = "/youtube/v3/channels", "/youtube/v3/playlistItems"
VIDEOS, SUBSCRIPTIONS = "/youtube/v3/videos", "/youtube/v3/subscriptions"
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)


def channel_list(*, subscribers: str = "48200", hidden: bool = False) -> dict[str, Any]:
    return {"kind": "youtube#channelListResponse", "etag": "e1", "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
            "items": [{"kind": "youtube#channel", "etag": "e2", "id": CHANNEL_ID,
                       "snippet": {"title": "Kemlu RI (contoh)", "description": "", "customUrl": "@kemlu_contoh",
                                   "publishedAt": "2012-03-01T00:00:00Z", "country": "ID"},
                       "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": UPLOADS}},
                       "statistics": {"viewCount": "9100000", "subscriberCount": subscribers,
                                      "hiddenSubscriberCount": hidden, "videoCount": "3"}}]}


def playlist_page(ids: list[str], next_token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {
        "kind": "youtube#playlistItemListResponse", "etag": "e3", "pageInfo": {"totalResults": 3, "resultsPerPage": 50},
        "items": [{"kind": "youtube#playlistItem", "etag": "e", "id": f"VVU{v}",
                   "contentDetails": {"videoId": v, "videoPublishedAt": "2026-12-03T09:00:00Z"}} for v in ids]}
    if next_token:
        page["nextPageToken"] = next_token
    return page


def video(vid: str, when: str, *, views: str = "1200", likes: str | None = "40") -> dict[str, Any]:
    statistics = {"viewCount": views, "favoriteCount": "0", "commentCount": "5"}
    if likes is not None:  # absent when the channel hides its likes
        statistics["likeCount"] = likes
    return {"kind": "youtube#video", "etag": "e", "id": vid,
            "snippet": {"publishedAt": when, "channelId": CHANNEL_ID, "title": f"Video {vid}", "description": "",
                        "channelTitle": "Kemlu RI (contoh)", "liveBroadcastContent": "none"},
            "contentDetails": {"duration": "PT4M13S", "dimension": "2d", "definition": "hd", "caption": "false",
                               "licensedContent": False, "projection": "rectangular"},
            "statistics": statistics}


def videos(*items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "youtube#videoListResponse", "etag": "e", "items": list(items),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}}


def google_error(status: int, reason: str, message: str, *, details: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message,
                             "errors": [{"message": message, "domain": "youtube.quota" if reason == "quotaExceeded"
                                         else "global", "reason": reason}]}
    if details:
        error["status"] = "INVALID_ARGUMENT"
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": details,
                             "domain": "googleapis.com", "metadata": {"service": "youtube.googleapis.com"}}]
    return {"error": error}


@pytest.fixture
def youtube(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "youtube": vendor.url}
        yield vendor


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(platform="youtube", handle="@kemlu_contoh", owner="ministry",
                                     url="https://www.youtube.com/@kemlu_contoh")
    return account_connect(account=account, credentials={"api_key": "AIzaSy-test-key"}, token_kind="api_key")


def script_history(vendor: VendorServer) -> None:
    vendor.on("GET", CHANNELS, 200, channel_list())
    vendor.on("GET", ITEMS, 200, playlist_page(["vid3", "vid2"], next_token="EAAaBlBUOkNESQ"))
    vendor.on("GET", VIDEOS, 200, videos(video("vid3", "2026-12-03T09:00:00Z"),
                                         video("vid2", "2026-11-20T02:30:00Z", likes=None)))
    vendor.on("GET", ITEMS, 200, playlist_page(["vid1", "gone"]))
    vendor.on("GET", VIDEOS, 200, videos(video("vid1", "2025-06-01T01:00:00Z", views="70")))  # "gone": deleted
    vendor.on("GET", SUBSCRIPTIONS, 200, {
        "kind": "youtube#subscriptionListResponse", "etag": "e", "pageInfo": {"totalResults": 1, "resultsPerPage": 50},
        "items": [{"kind": "youtube#subscription", "etag": "e", "id": "s1", "snippet": {
            "publishedAt": "2020-01-01T00:00:00Z", "title": "Kemlu Malaysia", "description": "", "channelId": CHANNEL_ID,
            "resourceId": {"kind": "youtube#channel", "channelId": "UCwismaputramalaysia0000"}}}]})


def test_a_pull_reads_the_uploads_with_their_statistics_and_counts_the_units(youtube: VendorServer,
                                                                                account: Account) -> None:
    script_history(youtube)
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    posts = {p.post_id: p for p in Post.objects.filter(account=account)}
    assert set(posts) == {"vid3", "vid2", "vid1"} and all(p.kind == "video" for p in posts.values())
    assert (posts["vid3"].views, posts["vid3"].likes, posts["vid3"].comments) == (1200, 40, 5)
    assert posts["vid2"].likes is None  # hidden by the channel: unknown, not zero
    assert posts["vid3"].url == "https://www.youtube.com/watch?v=vid3" and posts["vid3"].text == "Video vid3"
    assert posts["vid2"].published_at == dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
    day = AccountDay.objects.get(account=account)
    assert (day.followers, day.posts) == (48200, 3)
    assert list(Follow.objects.values_list("target_id", flat=True)) == ["UCwismaputramalaysia0000"]
    first = youtube.requests[0]
    assert first.query["forHandle"] == "@kemlu_contoh" and first.query["key"] == "AIzaSy-test-key"
    assert [r.query.get("pageToken") for r in youtube.requests if r.route == ITEMS] == [None, "EAAaBlBUOkNESQ"]
    assert {r.query["playlistId"] for r in youtube.requests if r.route == ITEMS} == {UPLOADS}
    assert [r.query["id"] for r in youtube.requests if r.route == VIDEOS] == ["vid3,vid2", "vid1,gone"]
    assert pull.units == 6  # six list calls, one unit each
    assert QuotaDay.objects.get(platform="youtube", day=quota_day("youtube", NOW)[0]).units == 6
    account.refresh_from_db()
    assert account.platform_id == CHANNEL_ID
    assert account.quota["remaining"] == 10_000 - 6 and account.quota["limit"] == 10_000


def test_a_hidden_subscriber_count_is_unknown_and_private_subscriptions_are_no_failure(
        youtube: VendorServer, account: Account) -> None:
    youtube.on("GET", CHANNELS, 200, channel_list(subscribers="0", hidden=True))
    youtube.on("GET", ITEMS, 200, playlist_page([]))
    youtube.on("GET", SUBSCRIPTIONS, 403, google_error(403, "subscriptionForbidden",
                                                       "The requester is not allowed to access the requested subscriptions."))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    assert AccountDay.objects.get().followers is None and not Follow.objects.exists()


def test_when_the_days_units_are_spent_the_pull_asks_nothing_and_waits_for_the_reset(
        youtube: VendorServer, account: Account) -> None:
    now = timezone.now()
    day, reset = quota_day("youtube", now)
    QuotaDay.objects.create(platform="youtube", day=day, units=10_000)
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED and "quota" in pull.error
    assert youtube.requests == []
    account.refresh_from_db()
    assert account.retry_after is not None and account.retry_after >= reset - dt.timedelta(seconds=5)
    assert account_pull(account_id=account.pk, now=now + dt.timedelta(minutes=5), force=True) is None


def test_the_platforms_quota_answer_waits_until_midnight_pacific_and_stores_nothing(youtube: VendorServer,
                                                                                     account: Account) -> None:
    youtube.on("GET", CHANNELS, 200, channel_list())
    youtube.on("GET", ITEMS, 403, google_error(403, "quotaExceeded", "The request cannot be completed because you "
                                               "have exceeded your quota."))
    now = timezone.now()
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED
    assert not Post.objects.exists() and not AccountDay.objects.exists()
    account.refresh_from_db()
    assert account.retry_after is not None and account.retry_after >= quota_day("youtube", now)[1] - dt.timedelta(seconds=5)
    assert account.quota.get("rate_limited") and "AIzaSy" not in account.last_error  # the key is never shown


def test_a_refused_key_asks_for_reconnecting(youtube: VendorServer, account: Account) -> None:
    youtube.on("GET", CHANNELS, 400, google_error(400, "badRequest", "API key not valid. Please pass a valid API key.",
                                                  details="API_KEY_INVALID"))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED
    account.refresh_from_db()
    assert account.needs_reconnect and "AIzaSy" not in account.last_error


def test_a_malformed_answer_stores_nothing(youtube: VendorServer, account: Account) -> None:
    youtube.on("GET", CHANNELS, 200, channel_list())
    youtube.on("GET", ITEMS, 200, playlist_page(["vid3"]))
    youtube.on("GET", VIDEOS, 200, videos({"kind": "youtube#video", "id": "vid3", "snippet": {"title": "no date"}}))
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and "malformed" in pull.error
    assert not Post.objects.exists() and not AccountDay.objects.exists()
    Account.objects.filter(pk=account.pk).update(retry_after=None)
    youtube.on("GET", CHANNELS, 200, b"<html>maintenance</html>")
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.FAILED and not AccountDay.objects.exists()
