"""The daily aggregates (PostDay) that dashboards, rankings and reports read: one GROUP BY over the posts of
the days concerned, replacing those days' rows in the same transaction as the posts they sum."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from embassy.social.models import Post, PostDay

SUMS = ("likes", "comments", "shares")


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
    rows = (posts.annotate(d=TruncDate("published_at", tzinfo=dt.UTC)).values("account_id", "d")
            .annotate(n=Count("id"), r=Count("id", filter=Q(is_reply=True)), v=Count("id", filter=Q(kind="video")),
                      lk=Coalesce(Sum("likes"), 0), cm=Coalesce(Sum("comments"), 0), sh=Coalesce(Sum("shares"), 0),
                      vw=Coalesce(Sum("views", filter=viewed), 0), nv=Count("id", filter=viewed),
                      lkv=Coalesce(Sum("likes", filter=viewed), 0), cmv=Coalesce(Sum("comments", filter=viewed), 0),
                      shv=Coalesce(Sum("shares", filter=viewed), 0))
            .order_by())
    fresh = [PostDay(account_id=row["account_id"], day=row["d"], posts=row["n"], replies=row["r"], videos=row["v"],
                     likes=row["lk"], comments=row["cm"], shares=row["sh"], views=row["vw"],
                     posts_with_views=row["nv"], interactions_with_views=row["lkv"] + row["cmv"] + row["shv"])
             for row in rows.iterator(chunk_size=5000)]
    with transaction.atomic():
        old.delete()
        PostDay.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)
