"""The daily sums follow the posts: storing posts marks their days, and the rebuild after the commit (a coalesced
task) brings PostDay up to date and removes the marks; a burst of pulls shares one rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from embassy.common.models import PendingKick
from embassy.social.aggregates import KICK, refresh_stale
from embassy.social.collectors import PostItem
from embassy.social.models import Account, PostDay, StaleDays
from embassy.social.store import store_posts
from embassy.social.tasks import stale_days_sweep

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def account() -> Account:
    return Account.objects.create(platform="x", handle="kbri_contoh", owner="ministry", url="https://x.com/k")


def _posts(likes: int) -> list[PostItem]:
    return [PostItem(post_id="a", published_at=dt.datetime(2026, 11, 18, 9, 0, tzinfo=UTC), likes=likes, comments=1),
            PostItem(post_id="b", published_at=dt.datetime(2026, 11, 18, 20, 0, tzinfo=UTC), likes=5, kind="video"),
            PostItem(post_id="c", published_at=dt.datetime(2026, 11, 19, 7, 0, tzinfo=UTC), likes=2)]


def _days(account: Account) -> dict[dt.date, tuple[int, int, int]]:
    return {d.day: (d.posts, d.videos, d.likes) for d in PostDay.objects.filter(account=account)}


def test_a_committed_pull_rebuilds_its_days_and_clears_the_marks(
        account: Account, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        store_posts(account, _posts(likes=10), now=NOW)
    assert len(callbacks) == 1  # the kick, on commit only
    assert _days(account) == {dt.date(2026, 11, 18): (2, 1, 15), dt.date(2026, 11, 19): (1, 0, 2)}
    assert not StaleDays.objects.exists()
    assert PendingKick.objects.get(name=KICK).pending_since is None  # the run cleared its flag

    with django_capture_on_commit_callbacks(execute=True):
        store_posts(account, _posts(likes=30), now=NOW + dt.timedelta(hours=1))  # the numbers grew
    assert _days(account)[dt.date(2026, 11, 18)] == (2, 1, 35)


def test_until_the_rebuild_the_previous_sums_stay_and_the_days_are_marked(account: Account) -> None:
    store_posts(account, _posts(likes=10), now=NOW)  # not committed yet (the test's transaction): no rebuild
    assert _days(account) == {}
    mark = StaleDays.objects.get()
    assert (mark.account_id, mark.first_day, mark.last_day) == (account.pk, dt.date(2026, 11, 18),
                                                                 dt.date(2026, 11, 19))
    assert refresh_stale() == 2
    assert not StaleDays.objects.exists()
    assert refresh_stale() == 0


def test_marks_of_one_account_merge_into_one_rebuild_of_their_range(account: Account) -> None:
    other = Account.objects.create(platform="x", handle="kjri_contoh", owner="ministry", url="https://x.com/j")
    store_posts(account, _posts(likes=10), now=NOW)
    store_posts(account, [PostItem(post_id="d", published_at=dt.datetime(2026, 11, 10, 1, 0, tzinfo=UTC), likes=4)],
                now=NOW)
    store_posts(other, [PostItem(post_id="e", published_at=dt.datetime(2026, 11, 12, 1, 0, tzinfo=UTC), likes=7)],
                now=NOW)
    assert StaleDays.objects.count() == 3
    assert refresh_stale() == 4  # 10, 18 and 19 November (the days between have no posts), 12 November
    assert _days(account) == {dt.date(2026, 11, 10): (1, 0, 4), dt.date(2026, 11, 18): (2, 1, 15),
                              dt.date(2026, 11, 19): (1, 0, 2)}
    assert _days(other) == {dt.date(2026, 11, 12): (1, 0, 7)}
    assert not StaleDays.objects.exists()


def test_the_periodic_sweep_rebuilds_what_a_lost_kick_left(account: Account) -> None:
    store_posts(account, _posts(likes=10), now=NOW)  # the kick is lost: the transaction never commits here
    result = stale_days_sweep.call()
    assert result == "2 daily rows rebuilt"
    assert _days(account)[dt.date(2026, 11, 19)] == (1, 0, 2)
