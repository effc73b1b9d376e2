"""Suggestions that say what to do next, each with its numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from embassy.social.advice import suggestions_for
from embassy.social.aggregates import refresh_days
from embassy.social.models import Account, AccountDay, Mention, Post

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture
def account() -> Account:
    account = Account.objects.create(platform="instagram", handle="kbri_contoh", owner="ministry",
                                     url="https://www.instagram.com/kbri_contoh/", last_success_at=NOW)
    for day in range(6):  # the usual: 09:00 WIB, text, 10 interactions each
        Post.objects.create(account=account, post_id=f"m{day}", published_at=NOW - dt.timedelta(days=20 - day, hours=22),
                            kind="image", likes=8, comments=1, shares=1)
    for day in range(3):  # 19:00 WIB, video, 25 each
        Post.objects.create(account=account, post_id=f"e{day}", published_at=NOW - dt.timedelta(days=10 - day, hours=12),
                            kind="video", likes=20, comments=3, shares=2)
    AccountDay.objects.create(account=account, day=(NOW - dt.timedelta(days=29)).date(), followers=1000)
    AccountDay.objects.create(account=account, day=NOW.date(), followers=990)
    refresh_days([account.pk])  # as a pull or an import does
    return account


def test_three_suggestions_with_their_numbers(account: Account) -> None:
    with translation.override("en"):
        found = suggestions_for(account, now=NOW, zone="Asia/Jakarta")
    assert [s.key for s in found] == ["best_hours", "video", "growth"]
    assert found[0].text == ("Posts at 18:00–21:00 local time get 2.5× the interactions of your usual 09:00–12:00 "
                             "posts (3 and 6 posts in 90 days).")
    assert found[1].text == "Video posts get 2.5× the interactions of your other posts — 33% of your posts are video."
    assert found[2].text == "You lost 10 followers in 30 days (from 1000 to 990)."


def test_failing_numbers_come_first_and_nothing_is_said_without_enough_data(account: Account) -> None:
    Account.objects.filter(pk=account.pk).update(last_error="HTTP 500", last_error_at=NOW + dt.timedelta(minutes=5))
    account.refresh_from_db()
    assert suggestions_for(account, now=NOW, zone="Asia/Jakarta")[0].key == "health"
    empty = Account.objects.create(platform="x", handle="baru", owner="ministry", url="https://x.com/baru")
    assert suggestions_for(empty, now=NOW, zone="Asia/Jakarta") == []


def test_mentions_left_without_a_reply_are_named_with_their_numbers(account: Account) -> None:
    for n in range(8):
        Mention.objects.create(account=account, post_id=f"q{n}", published_at=NOW - dt.timedelta(days=3, hours=n),
                               replied_at=NOW - dt.timedelta(days=3, hours=n - 2) if n < 2 else None)
    with translation.override("en"):
        found = suggestions_for(account, now=NOW, zone="Asia/Jakarta")
    mention = next(s for s in found if s.key == "mentions")
    assert mention.text == "6 of 8 mentions last week got no reply; those answered waited 2.0 hours (median)."
    assert mention.numbers == {"mentions": 8, "unanswered": 6, "median": 120.0}
