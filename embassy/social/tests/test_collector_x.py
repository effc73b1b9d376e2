"""Pulling an X account through tweepy, pointed at a local server that answers as X API v2 documents
(docs.x.com: GET /2/users/by/username/:username, /2/users/:id/tweets, /2/users/:id/following; x-rate-limit-*
headers; pay-per-use prices per resource read), and the unit's monthly budget that stops paid reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from embassy.missions.models import Mission
from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.budget import pull_estimate
from embassy.social.models import Account, AccountDay, Follow, Mention, Post, Pull, ReadBudget
from embassy.social.pull import account_pull
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
UID = "1339829508"
USER = "/2/users/by/username/kbri_contoh"
TWEETS, FOLLOWING = f"/2/users/{UID}/tweets", f"/2/users/{UID}/following"
MENTIONS = f"/2/users/{UID}/mentions"
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
RATE = {"Content-Type": "application/json", "x-rate-limit-limit": "1500", "x-rate-limit-remaining": "1497",
        "x-rate-limit-reset": "1764850000"}


def tweet(tid: str, when: str, *, likes: int = 10, media_key: str | None = None, reply: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": tid, "text": f"Pos {tid}", "created_at": when, "edit_history_tweet_ids": [tid],
                           "public_metrics": {"retweet_count": 4, "reply_count": 2, "like_count": likes,
                                              "quote_count": 1, "bookmark_count": 3, "impression_count": 900}}
    if media_key:
        out["attachments"] = {"media_keys": [media_key]}
    if reply:
        out["referenced_tweets"] = [{"type": "replied_to", "id": "1"}]
    return out


def user_answer(followers: int = 52000) -> dict[str, Any]:
    return {"data": {"id": UID, "name": "KBRI (contoh)", "username": "kbri_contoh", "verified": False,
                     "public_metrics": {"followers_count": followers, "following_count": 140, "tweet_count": 3,
                                        "listed_count": 20}}}


@pytest.fixture
def x_api(settings: Any) -> Iterator[VendorServer]:
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "x": vendor.url}
        yield vendor


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(platform="x", handle="kbri_contoh", owner="mission", url="https://x.com/kbri_contoh",
                                     unit=Mission.objects.get(code="KBRI-KUALA-LUMPUR"))
    return account_connect(account=account, credentials={"bearer_token": "AAAAbearer-for-tests"}, token_kind="app")


def test_a_pull_reads_with_the_bearer_token_and_bills_each_resource(x_api: VendorServer, account: Account) -> None:
    x_api.on("GET", USER, 200, user_answer(), headers=RATE)
    x_api.on("GET", TWEETS, 200, {"data": [tweet("1862", "2026-12-03T09:00:00.000Z", media_key="7_1"),
                                           tweet("1861", "2026-11-30T09:00:00.000Z", reply=True)],
                                  "includes": {"media": [{"media_key": "7_1", "type": "video"}]},
                                  "meta": {"result_count": 2, "next_token": "7140dibdnow9c7btw3w"}}, headers=RATE)
    x_api.on("GET", TWEETS, 200, {"data": [tweet("1800", "2025-01-01T00:00:00.000Z")], "meta": {"result_count": 1}},
             headers=RATE)
    x_api.on("GET", MENTIONS, 200, {"data": [
        {"id": "2", "text": "@kbri_contoh paspor saya hilang", "created_at": "2026-12-02T10:00:00.000Z",
         "author_id": "77", "edit_history_tweet_ids": ["2"]},
        {"id": "1", "text": "@kbri_contoh jam buka?", "created_at": "2026-11-30T07:30:00.000Z", "author_id": "78",
         "edit_history_tweet_ids": ["1"]}],
        "includes": {"users": [{"id": "77", "name": "Siti", "username": "siti_wni"},
                               {"id": "78", "name": "Budi", "username": "budi_wni"}]},
        "meta": {"result_count": 2}}, headers=RATE)
    x_api.on("GET", FOLLOWING, 200, {"data": [{"id": "2", "name": "Kemlu", "username": "Kemlu_RI"}],
                                     "meta": {"result_count": 1}}, headers=RATE)
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    assert pull.cost == Decimal("0.0450")  # a user 0.010 + three posts and two mentions 0.025 + one followed 0.010
    mentions = {m.post_id: m for m in Mention.objects.filter(account=account)}
    assert mentions["2"].author_handle == "siti_wni" and mentions["2"].replied_at is None
    # Tweet 1861 answers mention 1 (referenced_tweets replied_to): its time is the mention's first reply.
    assert mentions["1"].replied_at == dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    assert mentions["1"].url == "https://x.com/budi_wni/status/1"
    assert x_api.requests[0].headers["authorization"] == "Bearer AAAAbearer-for-tests"
    posts = {p.post_id: p for p in Post.objects.all()}
    assert posts["1862"].kind == "video" and posts["1861"].is_reply
    assert (posts["1862"].likes, posts["1862"].shares, posts["1862"].views, posts["1862"].saves) == (10, 5, 900, 3)
    assert posts["1862"].url == "https://x.com/kbri_contoh/status/1862"
    assert [r.query.get("pagination_token") for r in x_api.requests if r.route == TWEETS] == [None, "7140dibdnow9c7btw3w"]
    assert AccountDay.objects.get().followers == 52000 and Follow.objects.get().target_handle == "Kemlu_RI"
    account.refresh_from_db()
    assert account.platform_id == UID and account.quota["remaining"] == 1497


def test_the_estimate_is_shown_before_and_the_budget_stops_paid_reads(x_api: VendorServer, account: Account) -> None:
    estimate = pull_estimate(account, now=NOW)
    assert estimate.usd > Decimal("10") and estimate.budget_left == Decimal("25")  # history not read yet
    ReadBudget.objects.create(unit=Mission.objects.get(code="KBRI-KUALA-LUMPUR"), monthly_usd=Decimal("0.01"))
    x_api.on("GET", USER, 200, user_answer(), headers=RATE)
    pull = account_pull(account_id=account.pk, now=NOW)
    assert pull is not None and pull.status == Pull.Status.BUDGET
    assert [r.route for r in x_api.requests] == [USER]  # a page of 100 posts (0.50 USD) was not affordable
    assert AccountDay.objects.get().followers == 52000 and not Post.objects.exists()
    pull = account_pull(account_id=account.pk, now=NOW + dt.timedelta(hours=1), force=True)
    assert pull is not None and pull.status == Pull.Status.BUDGET and len(x_api.requests) == 1  # nothing left
    account.refresh_from_db()
    assert account.retry_after == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)  # not tried again this month
    assert pull_estimate(account, now=NOW).budget_left == Decimal("0")


def test_a_revoked_token_and_a_rate_limit(x_api: VendorServer, account: Account) -> None:
    reset = int((dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).timestamp())
    x_api.on("GET", USER, 429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type":
                                "about:blank", "status": 429},
             headers={**RATE, "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    now = dt.datetime.now(dt.UTC)
    pull = account_pull(account_id=account.pk, now=now)
    assert pull is not None and pull.status == Pull.Status.FAILED
    account.refresh_from_db()
    assert account.retry_after is not None and account.retry_after >= now + dt.timedelta(minutes=9)
    Account.objects.filter(pk=account.pk).update(retry_after=None)
    x_api.on("GET", USER, 401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                "detail": "Unauthorized"})
    account_pull(account_id=account.pk, now=now)
    account.refresh_from_db()
    assert account.needs_reconnect and "refused" in account.last_error
