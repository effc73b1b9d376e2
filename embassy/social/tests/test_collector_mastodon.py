"""Pulling a Mastodon account through Mastodon.py, pointed at a local server that answers as Mastodon's API
documents (docs.joinmastodon.org: the Account and Status entities, GET /api/v1/accounts/lookup,
/api/v1/accounts/:id/statuses and /following, Link-header paging, X-RateLimit-* headers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.models import Account, AccountDay, Follow, Mention, Post, PostSnapshot, Pull
from embassy.social.pull import account_pull
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
ACCOUNT_ID = "109348562713510950"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
FOLLOWING = f"/api/v1/accounts/{ACCOUNT_ID}/following"


def account_entity(followers: int = 1520) -> dict[str, Any]:
    return {"id": ACCOUNT_ID, "username": "kemlu", "acct": "kemlu", "display_name": "Kemlu (contoh)", "locked": False,
            "bot": False, "created_at": "2022-11-14T00:00:00.000Z", "note": "", "url": "https://social.example/@kemlu",
            "avatar": "", "header": "", "followers_count": followers, "following_count": 12, "statuses_count": 3,
            "last_status_at": "2026-12-01", "emojis": [], "fields": []}


def status(sid: str, when: str, *, favs: int = 1, media: str | None = None, reply: bool = False) -> dict[str, Any]:
    return {"id": sid, "created_at": when, "in_reply_to_id": "1" if reply else None, "in_reply_to_account_id": None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "id",
            "uri": f"https://social.example/users/kemlu/statuses/{sid}", "url": f"https://social.example/@kemlu/{sid}",
            "replies_count": 2, "reblogs_count": 3, "favourites_count": favs, "content": f"<p>Pos {sid}</p>",
            "reblog": None, "account": account_entity(), "mentions": [], "tags": [], "emojis": [], "card": None,
            "poll": None, "media_attachments": [{"id": "9", "type": media, "url": "https://social.example/m.mp4"}]
            if media else []}


RATE = {"Content-Type": "application/json", "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "297",
        "X-RateLimit-Reset": "2026-12-04T12:05:00.000Z"}  # on every answer, as Mastodon sends them


def link(server: str, path: str, max_id: str) -> dict[str, str]:
    return {**RATE, "Link": f'<{server}{path}?max_id={max_id}>; rel="next"'}


@pytest.fixture
def mastodon(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "mastodon": vendor.url}
        yield vendor


@pytest.fixture
def account() -> Account:
    return Account.objects.create(platform="mastodon", handle="kemlu@social.example", owner="ministry",
                                  url="https://social.example/@kemlu")


def script_history(vendor: VendorServer, *, favs: int = 1) -> None:
    vendor.on("GET", "/api/v1/accounts/lookup", 200, account_entity(), headers=RATE)
    vendor.on("GET", STATUSES, 200, [status("103", "2026-12-03T09:00:00.000Z", favs=favs, media="video"),
                                     status("102", "2026-11-20T02:30:00.000Z", reply=True)],
              headers=link(vendor.url, STATUSES, "102"))
    vendor.on("GET", STATUSES, 200, [status("101", "2025-06-01T01:00:00.000Z", media="image")], headers=RATE)
    vendor.on("GET", FOLLOWING, 200, [{**account_entity(), "id": "7", "acct": "kemlu_my@mastodon.example"}],
              headers=RATE)


def test_a_first_pull_stores_posts_snapshots_statistics_and_follows(mastodon: VendorServer, account: Account) -> None:
    script_history(mastodon)
    pull = account_pull(account_id=account.pk, now=dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC))
    assert pull is not None and pull.status == Pull.Status.OK and pull.posts == 3
    posts = {p.post_id: p for p in Post.objects.filter(account=account)}
    assert posts["103"].kind == "video" and posts["101"].kind == "image" and posts["102"].is_reply
    assert (posts["103"].likes, posts["103"].comments, posts["103"].shares) == (1, 2, 3)
    assert posts["102"].published_at == dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
    assert PostSnapshot.objects.filter(post__account=account).count() == 3
    day = AccountDay.objects.get(account=account)
    assert (day.day, day.followers, day.following, day.posts) == (dt.date(2026, 12, 4), 1520, 12, 3)
    assert list(Follow.objects.values_list("target_id", "target_handle")) == [("7", "kemlu_my@mastodon.example")]
    account.refresh_from_db()
    assert account.platform_id == ACCOUNT_ID
    assert account.cursor == {"backfill": None, "backfill_done": True, "follows_at": "2026-12-04T12:00:00+00:00"}
    assert account.last_success_at and account.quota["remaining"] == 297 and account.quota["limit"] == 300
    older = [r for r in mastodon.requests if r.route == STATUSES][1]
    assert older.query["max_id"] == "102"  # paged as the Link header said


def test_a_later_pull_adds_a_snapshot_and_updates_the_numbers_without_duplicating_posts(
        mastodon: VendorServer, account: Account, settings: Any) -> None:
    settings.SOCIAL_FOLLOWS_EVERY_DAYS = 1
    script_history(mastodon)
    account_pull(account_id=account.pk, now=dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC))
    mastodon.on("GET", "/api/v1/accounts/lookup", 200, account_entity(followers=1600))
    mastodon.on("GET", STATUSES, 200, [status("104", "2026-12-04T13:00:00.000Z"),
                                       status("103", "2026-12-03T09:00:00.000Z", favs=40, media="video")])
    mastodon.on("GET", FOLLOWING, 200, [])
    pull = account_pull(account_id=account.pk, now=dt.datetime(2026, 12, 5, 12, 1, tzinfo=dt.UTC))
    assert pull is not None and pull.status == Pull.Status.OK
    assert Post.objects.filter(account=account).count() == 4
    assert Post.objects.get(post_id="103").likes == 40
    assert list(PostSnapshot.objects.filter(post__post_id="103").order_by("taken_at").values_list("likes", flat=True)) == [1, 40]
    assert AccountDay.objects.filter(account=account).count() == 2
    assert not Follow.objects.exists()  # unfollowed since


def test_a_failure_half_way_stores_nothing_and_shows_on_the_accounts_health(mastodon: VendorServer,
                                                                            account: Account) -> None:
    mastodon.on("GET", "/api/v1/accounts/lookup", 200, account_entity())
    mastodon.on("GET", STATUSES, 200, [status("103", "2026-12-03T09:00:00.000Z")],
                headers=link(mastodon.url, STATUSES, "103"))
    mastodon.on("GET", STATUSES, 503, {"error": "Service Unavailable"})
    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED and "Mastodon" in pull.error
    assert not Post.objects.exists() and not AccountDay.objects.exists()
    account.refresh_from_db()
    assert account.last_error and account.last_success_at is None and account.failures == 1
    assert account.retry_after == now + dt.timedelta(seconds=60)
    assert account_pull(account_id=account.pk, now=now + dt.timedelta(seconds=30)) is None  # backing off
    script_history(mastodon)
    pull = account_pull(account_id=account.pk, now=now + dt.timedelta(seconds=61))
    assert pull is not None and pull.status == Pull.Status.OK
    account.refresh_from_db()
    assert account.failures == 0 and account.last_error == "" and account.retry_after is None


def test_a_malformed_answer_stores_nothing(mastodon: VendorServer, account: Account) -> None:
    mastodon.on("GET", "/api/v1/accounts/lookup", 200, account_entity())
    mastodon.on("GET", STATUSES, 200, [{"id": "5", "content": "no date"}])
    pull = account_pull(account_id=account.pk, now=timezone.now())
    assert pull is not None and pull.status == Pull.Status.FAILED
    assert not Post.objects.exists()
    mastodon.on("GET", "/api/v1/accounts/lookup", 200, b"<html>maintenance</html>")
    account.retry_after = None
    account.save()
    pull = account_pull(account_id=account.pk, now=timezone.now())
    assert pull is not None and pull.status == Pull.Status.FAILED


def test_a_rate_limit_waits_for_the_platforms_reset(mastodon: VendorServer, account: Account) -> None:
    now = timezone.now()
    reset = (now + dt.timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    mastodon.on("GET", "/api/v1/accounts/lookup", 429, {"error": "Too many requests"},
                headers={"Content-Type": "application/json", "X-RateLimit-Limit": "300",
                         "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED
    account.refresh_from_db()
    assert account.retry_after is not None and account.retry_after >= now + dt.timedelta(minutes=3)
    assert account_pull(account_id=account.pk, now=now + dt.timedelta(minutes=1), force=True) is None


def test_a_refused_token_asks_for_reconnecting(mastodon: VendorServer, account: Account) -> None:
    mastodon.on("GET", "/api/v1/accounts/lookup", 401, {"error": "The access token is invalid"})
    pull = account_pull(account_id=account.pk, now=timezone.now())
    assert pull is not None and pull.status == Pull.Status.FAILED
    account.refresh_from_db()
    assert account.needs_reconnect
    assert account_pull(account_id=account.pk, now=timezone.now() + dt.timedelta(days=1)) is None


def test_a_long_history_is_read_over_several_pulls_from_where_the_last_stopped(
        mastodon: VendorServer, account: Account, settings: Any) -> None:
    settings.SOCIAL_MAX_PAGES = 2  # the newest page and one older page per pull (following not reached)
    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    mastodon.on("GET", "/api/v1/accounts/lookup", 200, account_entity())
    mastodon.on("GET", STATUSES, 200, [status("30", "2026-12-01T00:00:00.000Z")],
                headers=link(mastodon.url, STATUSES, "30"))
    mastodon.on("GET", STATUSES, 200, [status("20", "2024-01-01T00:00:00.000Z")],
                headers=link(mastodon.url, STATUSES, "20"))
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.MORE
    account.refresh_from_db()
    assert account.cursor == {"backfill": "20", "backfill_done": False}
    settings.SOCIAL_MAX_PAGES = 3
    mastodon.on("GET", "/api/v1/accounts/lookup", 200, account_entity())
    mastodon.on("GET", STATUSES, 200, [status("30", "2026-12-01T00:00:00.000Z")],
                headers=link(mastodon.url, STATUSES, "30"))
    mastodon.on("GET", STATUSES, 200, [status("20", "2024-01-01T00:00:00.000Z")],
                headers=link(mastodon.url, STATUSES, "20"))  # the refresh window ends here
    mastodon.on("GET", STATUSES, 200, [status("10", "2023-01-01T00:00:00.000Z")])  # the history, resumed
    pull = account_pull(account_id=account.pk, now=now + dt.timedelta(hours=6))
    assert pull is not None and pull.status == Pull.Status.OK
    assert sorted(Post.objects.values_list("post_id", flat=True)) == ["10", "20", "30"]
    assert [r.query.get("max_id") for r in mastodon.requests if r.route == STATUSES][-1] == "20"


def test_with_the_accounts_token_its_mention_notifications_are_read_and_matched_to_its_replies(
        mastodon: VendorServer, account: Account) -> None:
    account_connect(account=account, credentials={"access_token": "mastodon-token-for-tests"})
    script_history(mastodon)  # status 102 replies to status "1"
    mention = {**status("1", "2026-11-20T01:00:00.000Z"), "account": {**account_entity(), "id": "55",
                                                                     "acct": "siti@mastodon.example"},
               "content": "<p>@kemlu jam buka?</p>", "url": "https://mastodon.example/@siti/1"}
    mastodon.on("GET", "/api/v1/notifications", 200, [
        {"id": "900", "type": "mention", "created_at": "2026-11-20T01:00:00.000Z", "account": mention["account"],
         "status": mention}], headers=RATE)
    pull = account_pull(account_id=account.pk, now=dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC))
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    asked = next(r for r in mastodon.requests if r.route == "/api/v1/notifications")
    assert asked.headers["authorization"] == "Bearer mastodon-token-for-tests" and "mention" in asked.path
    found = Mention.objects.get(account=account)
    assert (found.post_id, found.author_handle) == ("1", "siti@mastodon.example")
    assert found.replied_at == dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)  # status 102, 90 minutes later
