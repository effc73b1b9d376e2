"""The daily aggregates (PostDay) that dashboards, rankings and reports read: one GROUP BY over the posts of
the days concerned, replacing those days' rows.

Storing posts marks the days it touched (StaleDays, in the posts' transaction) and, on commit, kicks
`stale_days_refresh` (coalesced: one queued run at most); the periodic sweep in embassy.social.tasks picks up a
lost kick. A burst of pulls (the scheduler's round, a backfill, an import) rebuilds each day once, not once per
pull: every pull of an account re-reads its last 30 days, so the per-pull rebuild summed each day about ten times.
Until the run, the dashboards show the previous sums (seconds, with a worker running)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.db import IntegrityError, connection, transaction

from embassy.common import bulk
from embassy.common.kicks import kick_done, kick_once
from embassy.common.tasking import task
from embassy.social.models import Post, PostDay, StaleDays

KICK = "social-stale-days"
STALE_BATCH = 10_000  # marks read per transaction

COLUMNS = ("account_id", "day", "posts", "replies", "videos", "likes", "comments", "shares", "views",
           "posts_with_views", "interactions_with_views")


@cache
def _grouped_select() -> str:
    """One row per account and UTC day: the sums of PostDay (COLUMNS order). `{ids}` is to be formatted with one
    %s per account; the parameters are the account ids, then the range's two bounds."""
    c = bulk.columns(Post, "account", "published_at", "is_reply", "is_repost", "kind", "likes", "comments", "shares",
                     "views")
    day = bulk.utc_date_sql(c["published_at"])
    both = f"COALESCE({c['likes']}, 0) + COALESCE({c['comments']}, 0) + COALESCE({c['shares']}, 0)"
    return (f"SELECT {c['account']}, {day}, COUNT(*), SUM(CASE WHEN {c['is_reply']} THEN 1 ELSE 0 END), "  # noqa: S608
            f"SUM(CASE WHEN {c['kind']} = 'video' THEN 1 ELSE 0 END), COALESCE(SUM({c['likes']}), 0), "
            f"COALESCE(SUM({c['comments']}), 0), COALESCE(SUM({c['shares']}), 0), COALESCE(SUM({c['views']}), 0), "
            f"COUNT({c['views']}), COALESCE(SUM(CASE WHEN {c['views']} IS NOT NULL THEN {both} ELSE 0 END), 0) "
            f"FROM {bulk.table(Post)} WHERE {c['account']} IN ({{ids}}) AND NOT {c['is_repost']} "
            f"AND {c['published_at']} >= %s AND {c['published_at']} < %s GROUP BY {c['account']}, {day}")


@cache
def _delete_sql() -> str:
    c = bulk.columns(PostDay, "account", "day")
    return (f"DELETE FROM {bulk.table(PostDay)} WHERE {c['account']} IN ({{ids}}) "  # noqa: S608
            f"AND {c['day']} >= %s AND {c['day']} < %s")


def refresh_days(account_ids: Iterable[int], days: Iterable[dt.date] | None = None) -> int:
    """Rebuild the PostDay rows of these accounts (only `days`, when given, and the days between them); returns
    the rows written. One DELETE and one INSERT … SELECT, run by the database."""
    ids = sorted(set(account_ids))
    wanted = sorted(set(days)) if days is not None else None
    if not ids or wanted == []:
        return 0
    start, end = (wanted[0], wanted[-1] + dt.timedelta(days=1)) if wanted else (dt.date(1970, 1, 1), dt.date(9999, 1, 1))
    prepare = bulk.preparer(Post, "published_at")
    bounds = [prepare(dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)),
              prepare(dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC))]
    select = _grouped_select().format(ids=", ".join(["%s"] * len(ids)))
    day = bulk.preparer(PostDay, "day")
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:  # plain SQL: on every pull's path
        cursor.execute(_delete_sql().format(ids=", ".join(["%s"] * len(ids))), [*ids, day(start), day(end)])
        return bulk.insert_select(PostDay, COLUMNS, select, [*ids, *bounds])


def days_mark(account_id: int, first: dt.date, last: dt.date) -> None:
    """Mark the account's days from `first` to `last` for rebuilding (the caller's transaction), and kick the
    rebuild when that transaction commits."""
    day = bulk.preparer(StaleDays, "first_day")
    bulk.insert_many(StaleDays, ("account_id", "first_day", "last_day"),
                     [(account_id, day(min(first, last)), day(max(first, last)))])  # on every pull's path: plain SQL
    transaction.on_commit(lambda: kick_once(KICK, stale_days_refresh))


def refresh_stale() -> int:
    """Rebuild the days marked stale, the oldest marks first (each account's marks merged into one range), and
    remove the marks read; returns the PostDay rows written. A mark made while this runs has a higher id and is
    kept for the next run. Two runs at once on PostgreSQL may collide on a day's row: the loser leaves its marks
    for the next run."""
    written = 0
    while True:
        marks = list(StaleDays.objects.order_by("id").values_list("id", "account_id", "first_day", "last_day")
                     [:STALE_BATCH])
        if not marks:
            return written
        ranges: dict[int, tuple[dt.date, dt.date]] = {}
        for _, account_id, first, last in marks:
            low, high = ranges.get(account_id, (first, last))
            ranges[account_id] = (min(low, first), max(high, last))
        try:
            with transaction.atomic():
                for account_id, (first, last) in sorted(ranges.items()):
                    written += refresh_days([account_id], {first, last})
                StaleDays.objects.filter(id__lte=marks[-1][0]).delete()
        except IntegrityError:
            return written
        if len(marks) < STALE_BATCH:
            return written


@task(queue_name="default")
def stale_days_refresh() -> str:
    """The kicked rebuild of the stale days (see the module docstring)."""
    kick_done(KICK)
    return f"{refresh_stale()} daily rows rebuilt"
