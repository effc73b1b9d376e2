"""The demo's replay server: "pull now" on a demo account goes through the real collectors and SDKs (tweepy,
google-api-python-client, requests) against a loopback server answering in each platform's format, and finds
the same posts the demo year seeded, their numbers grown since, the platforms' quota headers, TikTok's token
renewal, and a refusal for anything but a demo token."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from embassy.common.tests.factories import make_staff, staff_client
from embassy.missions.models import Role
from embassy.social.demo import demo_seed, plan
from embassy.social.models import Account, Mention, Post, PostSnapshot, Pull
from embassy.social.pull import account_pull
from embassy.social.replay import HISTORY_DAYS, X_LIMIT, Replay, make_server
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TODAY = NOW.date()


@pytest.fixture
def replay(settings: Any, demo: dict[str, int]) -> Iterator[str]:
    # The server's threads get the demo accounts from here: the test's transaction is not theirs to see.
    accounts = list(Account.objects.select_related("unit").filter(demo=True).order_by("pk"))
    server = make_server(Replay(seed=1, now=lambda: NOW, accounts=accounts))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SOCIAL_REPLAY_URL = f"http://127.0.0.1:{server.server_port}"
    try:
        yield settings.SOCIAL_REPLAY_URL
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def demo() -> dict[str, int]:
    return demo_seed(today=TODAY, days=40, missions=1, peers=1)


def test_every_demo_account_is_pulled_through_its_collector_and_finds_the_seeded_posts_again(
        replay: str, demo: dict[str, int], settings: Any) -> None:
    settings.SOCIAL_X_MONTHLY_BUDGET_USD = 500  # reading a year back costs X's per-read price for every post
    accounts = list(Account.objects.filter(demo=True).select_related("unit").order_by("pk"))
    assert {a.platform for a in accounts} == {"x", "instagram", "facebook", "youtube", "tiktok"}
    young = Post.objects.filter(account__demo=True, account__platform="x", snapshots__isnull=False).latest(
        "published_at")
    young_shots = young.snapshots.count()
    seeded = {a.pk: set(Post.objects.filter(account=a).values_list("post_id", flat=True)) for a in accounts}
    for account in accounts:
        pull = account_pull(account_id=account.pk, now=NOW, force=True)
        assert pull is not None and pull.status == Pull.Status.OK, (account.platform, pull and pull.error)
        stored = set(Post.objects.filter(account=account).values_list("post_id", flat=True))
        # The whole demo year is read back (history and today's posts so far), the seeded posts among them:
        # the same ids, not copies.
        year = plan(account, start=TODAY - dt.timedelta(days=HISTORY_DAYS), end=TODAY + dt.timedelta(days=1))
        assert stored == {p.post_id for p in year if p.published_at <= NOW}, account.platform
        assert seeded[account.pk] <= stored
        account.refresh_from_db()
        assert account.last_success_at == NOW and account.last_error == "" and not account.needs_reconnect
    assert not Post.objects.values("account", "post_id").annotate(n=Count("pk")).filter(n__gt=1).exists()
    x = Account.objects.get(demo=True, platform="x", owner="ministry")
    assert x.quota["remaining"] < X_LIMIT and x.quota["unit"] == "requests / 15 min"  # x-rate-limit-* headers
    x_pull = Pull.objects.filter(account=x).latest("pk")
    assert x_pull.cost > 0 and x_pull.reads > 0  # billed per resource read
    assert Account.objects.get(demo=True, platform="facebook", owner="ministry").quota  # X-App-Usage
    answered = Mention.objects.filter(account=x, replied_at__isnull=False)  # the demo's replies found their mentions
    assert Mention.objects.filter(account=x).count() > answered.count() > 0
    youtube = Pull.objects.filter(account__platform="youtube").latest("pk")
    assert youtube.units >= 3  # channels, playlistItems, videos: one unit each
    # The youngest seeded post has a new snapshot, its numbers grown since the seed's last reading.
    shots = list(PostSnapshot.objects.filter(post=young).order_by("taken_at").values_list("taken_at", "likes"))
    assert len(shots) == young_shots + 1 and shots[-1][0] == NOW and (shots[-1][1] or 0) >= (shots[-2][1] or 0)


def test_tiktok_renews_its_token_at_the_replay_and_a_real_token_is_refused(replay: str, demo: dict[str, int]) -> None:
    tiktok = Account.objects.get(demo=True, platform="tiktok")
    soon = timezone.now() + dt.timedelta(minutes=5)
    Account.objects.filter(pk=tiktok.pk).update(token_expires_at=soon)
    pull = account_pull(account_id=tiktok.pk, now=NOW, force=True)
    assert pull is not None and pull.status == Pull.Status.OK, pull and pull.error
    tiktok.refresh_from_db()
    assert tiktok.token_expires_at is not None and tiktok.token_expires_at > soon + dt.timedelta(hours=20)

    x = Account.objects.get(demo=True, platform="x", owner="ministry")
    account_connect(account=x, credentials={"bearer_token": "AAAA-a-real-token"})
    pull = account_pull(account_id=x.pk, now=NOW, force=True)
    assert pull is not None and pull.status == Pull.Status.FAILED
    x.refresh_from_db()
    assert x.needs_reconnect and "refused" in x.last_error


def test_pull_now_on_the_page_reads_the_replay(replay: str, demo: dict[str, int]) -> None:
    account = Account.objects.get(demo=True, platform="instagram", owner="ministry")
    client = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    before = Post.objects.filter(account=account).count()
    response = client.post(reverse("console:social-pull", args=[account.pk]), follow=True)
    assert response.status_code == 200
    assert Pull.objects.filter(account=account).latest("pk").status == Pull.Status.OK
    assert Post.objects.filter(account=account).count() > before  # the older part of the demo year came too
