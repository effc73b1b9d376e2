"""What the dashboards show: headquarters over all accounts, a mission over its own (the same page, scoped by
selectors.account_list_for). Reads only the daily aggregates and statistics, never the posts, so a year of a
hundred accounts stays fast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from embassy.social import metrics, peers
from embassy.social.models import AccountDay, Platform, PostDay
from embassy.social.selectors import account_list_for, social_units_for


@dataclass
class Dashboard:
    start: dt.datetime
    end: dt.datetime
    rows: list[peers.Row]
    platforms: list[dict[str, object]]
    months: list[str]
    posts_by_month: dict[str, list[float]]
    follower_days: list[str]
    follower_values: list[float]
    rankings: dict[str, list[tuple[peers.Row, object]]]
    league: list[peers.LeagueRow] | None


def dashboard_for(*, user: AbstractBaseUser | AnonymousUser | None, start: dt.datetime, end: dt.datetime) -> Dashboard:
    every, _units = social_units_for(user)
    accounts = list(account_list_for(user=user).order_by("platform", "handle"))
    ids = [a.pk for a in accounts]
    rows = peers.benchmark(accounts, start=start, end=end)
    labels = dict(Platform.choices)
    platforms: list[dict[str, object]] = []
    for platform, label in Platform.choices:
        mine = [r for r in rows if r.account.platform == platform]
        if not mine:
            continue
        total = metrics.combined([r.totals for r in mine])
        platforms.append({"label": label, "accounts": len(mine), "followers": total.followers_end, "posts": total.posts,
                          "interactions_per_post": metrics.interactions_per_post(total)})
    month_rows = (PostDay.objects.filter(account_id__in=ids, day__gte=start.date(), day__lt=end.date())
                  .annotate(m=TruncMonth("day")).values("m", "account__platform").annotate(n=Sum("posts")).order_by("m"))
    months = sorted({r["m"] for r in month_rows})
    posts_by_month: dict[str, list[float]] = {}
    for r in month_rows:
        series = posts_by_month.setdefault(labels[r["account__platform"]], [0.0] * len(months))
        series[months.index(r["m"])] += r["n"] or 0
    day_rows = list(AccountDay.objects.filter(account_id__in=ids, day__gte=start.date(), day__lte=end.date(),
                                              followers__isnull=False)
                    .values("day").annotate(n=Sum("followers")).order_by("day"))
    weekly = [r for i, r in enumerate(day_rows) if i % 7 == 6 or i == len(day_rows) - 1]
    return Dashboard(
        start=start, end=end, rows=rows, platforms=platforms, months=[m.strftime("%Y-%m") for m in months],
        posts_by_month=posts_by_month, follower_days=[r["day"].isoformat() for r in weekly],
        follower_values=[float(r["n"]) for r in weekly], rankings=peers.rankings(rows, top=5),
        league=peers.league(rows) if every else None)
