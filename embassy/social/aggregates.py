"""The daily aggregates (PostDay) that dashboards, rankings and reports read: one GROUP BY over the posts of
the days concerned, replacing those days' rows in the same transaction as the posts they sum."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, DateField, F, Func, Q, Sum
from django.db.models.functions import Coalesce

from embassy.common import bulk
from embassy.social.models import Post, PostDay


class UTCDate(Func):
    """The UTC calendar day of a stored time, computed by the database itself (TruncDate calls a Python function
    per row on SQLite)."""

    function = "DATE"
    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')::date", **extra)


COLUMNS = ("account_id", "day", "posts", "replies", "videos", "likes", "comments", "shares", "views",
           "posts_with_views", "interactions_with_views")


def refresh_days(account_ids: Iterable[int], days: Iterable[dt.date] | None = None) -> int:
    """Rebuild the PostDay rows of these accounts (only `days`, when given); returns the rows written."""
    ids = list(account_ids)
    wanted = sorted(set(days)) if days is not None else None
    if not ids or wanted == []:
        return 0
    posts = Post.objects.filter(account_id__in=ids, is_repost=False)
    old = PostDay.objects.filter(account_id__in=ids)
    if wanted is not None:
        start, end = wanted[0], wanted[-1] + dt.timedelta(days=1)
        posts = posts.filter(published_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
                             published_at__lt=dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC))
        old = old.filter(day__gte=start, day__lt=end)
    viewed = Q(views__isnull=False)
    both = Coalesce(F("likes"), 0) + Coalesce(F("comments"), 0) + Coalesce(F("shares"), 0)
    grouped = (posts.annotate(d=UTCDate("published_at")).values("account_id", "d")
               .annotate(n=Count("id"), r=Count("id", filter=Q(is_reply=True)), v=Count("id", filter=Q(kind="video")),
                         lk=Coalesce(Sum("likes"), 0), cm=Coalesce(Sum("comments"), 0),
                         sh=Coalesce(Sum("shares"), 0), vw=Coalesce(Sum("views", filter=viewed), 0),
                         nv=Count("id", filter=viewed), iv=Coalesce(Sum(both, filter=viewed), 0))
               .values_list("account_id", "d", "n", "r", "v", "lk", "cm", "sh", "vw", "nv", "iv").order_by())
    with transaction.atomic():  # one DELETE and one INSERT … SELECT, run by the database
        old.delete()
        return bulk.insert_from(PostDay, COLUMNS, grouped)
