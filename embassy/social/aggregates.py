"""The daily aggregates (PostDay) that dashboards, rankings and reports read: one GROUP BY over the posts of
the days concerned, replacing those days' rows in the same transaction as the posts they sum."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.db import connection, transaction

from embassy.common import bulk
from embassy.social.models import Post, PostDay

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
