"""Every formula of docs/social-metrics.md against the worked example there, computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from embassy.social import metrics
from embassy.social.aggregates import refresh_days
from embassy.social.collectors import PostItem
from embassy.social.models import Account, AccountDay, Mention, Post
from embassy.social.store import store_posts

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START, END = dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(platform="x", handle="kbri_contoh", owner="ministry", url="https://x.com/k")
    rows = [  # id, published (UTC), kind, reply, repost, likes, comments, shares, views
        ("p1", dt.datetime(2026, 11, 2, 2, 0, tzinfo=UTC), "text", False, False, 10, 2, 3, 1000),
        ("p2", dt.datetime(2026, 11, 5, 12, 30, tzinfo=UTC), "video", False, False, 40, 5, 15, 2000),
        ("p3", dt.datetime(2026, 11, 10, 13, 0, tzinfo=UTC), "text", True, False, 1, 0, 0, None),
        ("p4", dt.datetime(2026, 11, 11, 13, 0, tzinfo=UTC), "text", False, True, 100, 0, 0, None),  # a repost
        ("p5", dt.datetime(2026, 12, 2, 13, 0, tzinfo=UTC), "text", False, False, 9, 9, 9, 9),  # after the period
    ]
    for pid, when, kind, reply, repost, likes, comments, shares, views in rows:
        Post.objects.create(account=account, post_id=pid, published_at=when, kind=kind, is_reply=reply,
                            is_repost=repost, likes=likes, comments=comments, shares=shares, views=views)
    AccountDay.objects.create(account=account, day=dt.date(2026, 11, 1), followers=1000)
    AccountDay.objects.create(account=account, day=dt.date(2026, 11, 30), followers=1100)
    refresh_days([account.pk])  # as a pull or an import does
    return account


def test_the_worked_example(account: Account) -> None:
    t = metrics.totals_for([account.pk], start=START, end=END)[account.pk]
    assert (t.posts, t.replies, t.videos, t.interactions, t.days) == (3, 1, 1, 76, 30)
    assert metrics.interactions_per_post(t) == pytest.approx(76 / 3)
    assert metrics.engagement_by_followers(t) == pytest.approx(76 / 3 / 1100 * 100)  # 2.303 %
    assert metrics.engagement_by_views(t) == pytest.approx(75 / 3000 * 100)  # 2.5 %: p3 has no view count
    assert metrics.posting_activity(t) == pytest.approx(0.1)
    assert metrics.reply_share(t) == pytest.approx(100 / 3)
    assert metrics.video_share(t) == pytest.approx(100 / 3)
    assert metrics.follower_growth(t) == pytest.approx(10.0)


def test_best_hours_in_the_audiences_zone(account: Account) -> None:
    windows = metrics.best_hours(account.pk, start=START, end=END, zone="Asia/Jakarta", min_posts=1)
    # p1 went out at 09:00 WIB (15 interactions); p2 at 19:30 and p3 at 20:00 WIB (60 and 1): the 18–21 window.
    assert [(w.start_hour, w.posts, w.mean_interactions) for w in windows] == [(18, 2, 30.5), (9, 1, 15.0)]
    assert windows[0].ratio == pytest.approx(30.5 / (76 / 3))
    assert metrics.best_hours(account.pk, start=START, end=END, zone="Asia/Jakarta") == []  # 3 posts a window


def test_what_the_data_cannot_give_is_none_not_zero() -> None:
    empty = metrics.Totals()
    assert metrics.interactions_per_post(empty) is None and metrics.engagement_by_views(empty) is None
    assert metrics.engagement_by_followers(metrics.Totals(posts=2, likes=4)) is None  # followers unknown
    assert metrics.follower_growth(metrics.Totals(followers_end=10)) is None


def test_response_time_to_mentions_the_worked_example(account: Account) -> None:
    day = dt.datetime(2026, 11, 2, tzinfo=UTC)
    for n, hour in enumerate((8, 9, 10, 11), start=1):
        Mention.objects.create(account=account, post_id=f"m{n}", published_at=day + dt.timedelta(hours=hour))
    Mention.objects.create(account=account, post_id="m0", published_at=START - dt.timedelta(hours=1))  # before
    replies = [("r1", "m1", day + dt.timedelta(hours=8, minutes=30)), ("r1b", "m1", day + dt.timedelta(hours=20)),
               ("r2", "m2", day + dt.timedelta(hours=12)), ("r3", "m3", dt.datetime(2026, 12, 4, tzinfo=UTC))]
    store_posts(account, [PostItem(post_id=pid, published_at=when, is_reply=True, in_reply_to=to)
                          for pid, to, when in replies], now=dt.datetime(2026, 12, 5, tzinfo=UTC))
    assert Mention.objects.get(post_id="m1").replied_at == day + dt.timedelta(hours=8, minutes=30)  # the first
    r = metrics.responses_for([account.pk], start=START, end=END)[account.pk]
    assert (r.mentions, r.answered, r.unanswered, r.within_day) == (4, 2, 2, 2)
    assert r.answer_rate == 50.0 and r.median_minutes == 105.0
    assert metrics.responses_for([account.pk], start=END, end=END + dt.timedelta(days=30)) == {}
