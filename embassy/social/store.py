"""Writing what a collector or an importer read: posts (new ones created, known ones given their latest
numbers), one metrics snapshot per post and reading, the day's account statistics, and the follows. The
caller holds the transaction: a pull or an import is stored whole or not at all. The daily sums of the days
touched are rebuilt after the commit (embassy.social.aggregates: days_mark, refresh_stale)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.db.models import Exists, Min, OuterRef, Subquery

from embassy.common import bulk
from embassy.social.aggregates import days_mark
from embassy.social.collectors import Followed, MentionItem, PostItem, Profile
from embassy.social.models import Account, AccountDay, Follow, Mention, Post, PostSnapshot

METRICS = ("likes", "comments", "shares", "views", "reach", "saves")


POST_COLUMNS = ("account_id", "post_id", "published_at", "kind", "is_reply", "is_repost", "in_reply_to", "text", "url",
                *METRICS, "metrics_at")
SNAPSHOT_COLUMNS = ("post_id", "taken_at", *METRICS)


@cache
def _snapshot_select() -> str:
    """The numbers just written, of the posts of one reading (their metrics_at is the reading's time)."""
    col = bulk.columns(Post, "id", "account", "published_at", "metrics_at", *METRICS)
    return (f"SELECT {col['id']}, %s, {', '.join(col[m] for m in METRICS)} FROM {bulk.table(Post)} "  # noqa: S608
            f"WHERE {col['account']} = %s AND {col['published_at']} >= %s AND {col['published_at']} <= %s "
            f"AND {col['metrics_at']} = %s")


def store_posts(account: Account, posts: Iterable[PostItem], *, now: dt.datetime, taken_at: dt.datetime | None = None,
                snapshot: bool = True) -> int:
    """Store posts and, unless `snapshot` is False (an export without numbers), a snapshot of their numbers as
    of `taken_at` (default `now`): new posts are inserted, known ones get their latest numbers (one upsert),
    and the snapshots go in with one insert (plain SQL, common.bulk: the hot path of every pull and of the
    benchmark's million posts). Returns how many distinct posts were stored."""
    when = taken_at or now
    by_id = {p.post_id: p for p in posts}  # a post seen twice in one reading is stored once
    if not by_id:
        return 0
    stamp, prepare = bulk.prepare_value(Post, "metrics_at", when), bulk.preparer(Post, "published_at")
    read_at, pk = stamp if snapshot else None, account.pk
    rows = [(pk, p.post_id, prepare(p.published_at), p.kind, p.is_reply, p.is_repost, p.in_reply_to, p.text, p.url, p.likes,
             p.comments, p.shares, p.views, p.reach, p.saves, read_at) for p in by_id.values()]  # METRICS' order
    published = [p.published_at for p in by_id.values()]
    first, last = min(published), max(published)
    if snapshot:
        bulk.upsert_many(Post, POST_COLUMNS, rows, unique=("account_id", "post_id"), update=("text", *METRICS, "metrics_at"))
        # The snapshots copy, in the database, the numbers just written: the posts of this reading are the
        # account's posts whose metrics_at is this reading's time (no ids fetched, no row built in Python).
        bulk.insert_select(PostSnapshot, SNAPSHOT_COLUMNS, _snapshot_select(),  # found by (account, published_at)
                           [stamp, pk, prepare(first), prepare(last), stamp], ignore_conflicts=True)
    else:  # an export without numbers never overwrites numbers a pull read
        bulk.insert_many(Post, POST_COLUMNS, rows, ignore_conflicts=True)
    days_mark(pk, first.astimezone(dt.UTC).date(), last.astimezone(dt.UTC).date())  # and the days between: rebuilt on commit
    if any(p.in_reply_to for p in by_id.values()):
        link_replies(account)
    return len(by_id)


def store_mentions(account: Account, mentions: Iterable[MentionItem], *, now: dt.datetime) -> int:
    """Store the posts that mention the account (known ones are left as they are), then find its replies."""
    by_id = {m.post_id: m for m in mentions}
    Mention.objects.bulk_create(
        [Mention(account=account, post_id=m.post_id, author_id=m.author_id, author_handle=m.author_handle[:120],
                 published_at=m.published_at, text=m.text, url=m.url[:400], seen_at=now) for m in by_id.values()],
        ignore_conflicts=True, batch_size=500)
    if by_id:
        link_replies(account)
    return len(by_id)


def link_replies(account: Account) -> None:
    """Each unanswered mention gets the time of the account's first reply to it, once that reply is stored."""
    # exclude(in_reply_to="") repeats the partial index's condition, so that SQLite's planner may use it.
    replies = Post.objects.filter(account=account, in_reply_to=OuterRef("post_id")).exclude(in_reply_to="")
    (Mention.objects.filter(account=account, replied_at__isnull=True).filter(Exists(replies))
     .update(replied_at=Subquery(replies.values("account").annotate(first=Min("published_at")).values("first"))))


def store_day(account: Account, profile: Profile, *, now: dt.datetime) -> None:
    """Today's statistics of the account (one upsert: a second pull the same day replaces them)."""
    bulk.upsert_many(AccountDay, ("account_id", "day", "followers", "following", "posts"),
                     [(account.pk, bulk.prepare_value(AccountDay, "day", now.date()), profile.followers,
                       profile.following, profile.posts)],
                     unique=("account_id", "day"), update=("followers", "following", "posts"))


def store_follows(account: Account, follows: Iterable[Followed], *, now: dt.datetime) -> None:
    """The account follows exactly these now: the ones no longer followed are removed."""
    targets = {f.target_id: f for f in follows}
    Follow.objects.filter(account=account).exclude(target_id__in=list(targets)).delete()
    Follow.objects.bulk_create([Follow(account=account, target_id=f.target_id, target_handle=f.target_handle,
                                       seen_at=now) for f in targets.values()], ignore_conflicts=True)
