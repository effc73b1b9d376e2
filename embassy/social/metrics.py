"""The published formulas (docs/social-metrics.md), over one account and one period.

Every metric is computed from `Totals` (sums that one SQL query gives for many accounts at once), so a
dashboard row, a report and a suggestion always agree. A metric that the platform's data cannot give is None,
never 0. Posts are the account's own, reposts excluded; each post counts with its latest numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import Sum

from embassy.social.models import AccountDay, Mention, Post, PostDay

# Which engagement rate each platform's public data allows (views: the platform counts views per post;
# reach: unique accounts reached, which only the owner's insights give, not read here).
RATE_BASES = {
    "x": ("views", "followers"),
    "instagram": ("followers",),
    "facebook": ("followers",),
    "youtube": ("views", "followers"),
    "tiktok": ("views", "followers"),
    "mastodon": ("followers",),
    "bluesky": ("followers",),
}


@dataclass(frozen=True)
class Totals:
    posts: int = 0  # own posts in the period, reposts excluded
    replies: int = 0
    videos: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    views: int = 0  # summed over the posts that have a view count
    posts_with_views: int = 0
    interactions_with_views: int = 0  # interactions of those same posts
    days: int = 1
    followers_start: int | None = None
    followers_end: int | None = None

    @property
    def interactions(self) -> int:
        return self.likes + self.comments + self.shares


def combined(totals: Sequence[Totals]) -> Totals:
    """Several accounts' totals as one (a platform, a mission, a report): counts and followers added up (an
    account with no follower figure counts 0); the period's length is the first's."""
    if not totals:
        return Totals()
    return Totals(
        posts=sum(t.posts for t in totals), replies=sum(t.replies for t in totals), videos=sum(t.videos for t in totals),
        likes=sum(t.likes for t in totals), comments=sum(t.comments for t in totals),
        shares=sum(t.shares for t in totals), views=sum(t.views for t in totals),
        posts_with_views=sum(t.posts_with_views for t in totals),
        interactions_with_views=sum(t.interactions_with_views for t in totals), days=totals[0].days,
        followers_start=sum(t.followers_start or 0 for t in totals),
        followers_end=sum(t.followers_end or 0 for t in totals))


def _ratio(a: float, b: float, scale: float = 1.0) -> float | None:
    return a / b * scale if b else None


def interactions_per_post(t: Totals) -> float | None:
    """(likes + comments + shares) ÷ posts."""
    return _ratio(t.interactions, t.posts)


def engagement_by_followers(t: Totals) -> float | None:
    """Interactions per post ÷ followers at the end of the period × 100 (%)."""
    per_post = interactions_per_post(t)
    return None if per_post is None or not t.followers_end else per_post / t.followers_end * 100


def engagement_by_views(t: Totals) -> float | None:
    """Interactions ÷ views × 100 (%), over the posts that have a view count."""
    return _ratio(t.interactions_with_views, t.views, 100)


def posting_activity(t: Totals) -> float | None:
    """Posts per day."""
    return _ratio(t.posts, t.days)


def reply_share(t: Totals) -> float | None:
    """Replies ÷ posts × 100 (%): how much of what the account posts is conversation."""
    return _ratio(t.replies, t.posts, 100)


def video_share(t: Totals) -> float | None:
    """Video posts ÷ posts × 100 (%)."""
    return _ratio(t.videos, t.posts, 100)


def follower_growth(t: Totals) -> float | None:
    """(followers at the end − at the start) ÷ at the start × 100 (%)."""
    if t.followers_start is None or t.followers_end is None:
        return None
    return _ratio(t.followers_end - t.followers_start, t.followers_start, 100)


INTERACTIONS = ("likes", "comments", "shares")


def totals_for(account_ids: list[int], *, start: dt.datetime, end: dt.datetime) -> dict[int, Totals]:
    """Totals of many accounts over the UTC days from `start` up to `end` (exclusive), in two queries over the
    daily aggregates (PostDay) and the daily statistics (AccountDay)."""
    first_day, end_day = start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()
    rows = (PostDay.objects.filter(account_id__in=account_ids, day__gte=first_day, day__lt=end_day)
            .values("account_id")
            .annotate(n=Sum("posts"), r=Sum("replies"), v=Sum("videos"), lk=Sum("likes"), cm=Sum("comments"),
                      sh=Sum("shares"), vw=Sum("views"), nv=Sum("posts_with_views"), iv=Sum("interactions_with_views"))
            .order_by())
    first: dict[int, int | None] = {}
    last: dict[int, int | None] = {}
    for account_id, followers in (AccountDay.objects.filter(account_id__in=account_ids, day__gte=first_day,
                                                            day__lte=end_day, followers__isnull=False)
                                  .order_by("day").values_list("account_id", "followers")):
        first.setdefault(account_id, followers)
        last[account_id] = followers
    days = max((end - start).days, 1)
    out = {pk: Totals(days=days, followers_start=first.get(pk), followers_end=last.get(pk)) for pk in account_ids}
    for row in rows:
        pk = row["account_id"]
        out[pk] = Totals(posts=row["n"] or 0, replies=row["r"] or 0, videos=row["v"] or 0, likes=row["lk"] or 0,
                         comments=row["cm"] or 0, shares=row["sh"] or 0, views=row["vw"] or 0,
                         posts_with_views=row["nv"] or 0, interactions_with_views=row["iv"] or 0, days=days,
                         followers_start=first.get(pk), followers_end=last.get(pk))
    return out


@dataclass(frozen=True)
class HourWindow:
    start_hour: int  # local hour the window starts (0, 3, …, 21)
    posts: int
    mean_interactions: float
    ratio: float  # ÷ the account's mean over all its posts in the period


def best_hours(account_id: int, *, start: dt.datetime, end: dt.datetime, zone: str, width: int = 3,
               min_posts: int = 3) -> list[HourWindow]:
    """Mean interactions per post by the local hour (in the audience's zone) when posts went out, in windows of
    `width` hours that hold at least `min_posts` posts; best first."""
    tz = ZoneInfo(zone)
    buckets: dict[int, list[int]] = {}
    every: list[int] = []
    for published, likes, comments, shares in (Post.objects.filter(account_id=account_id, published_at__gte=start,
                                                                    published_at__lt=end, is_repost=False)
                                                .values_list("published_at", *INTERACTIONS)):
        value = (likes or 0) + (comments or 0) + (shares or 0)
        buckets.setdefault(published.astimezone(tz).hour // width * width, []).append(value)
        every.append(value)
    overall = sum(every) / len(every) if every else 0.0
    windows = [HourWindow(hour, len(values), sum(values) / len(values),
                          (sum(values) / len(values)) / overall if overall else 0.0)
               for hour, values in buckets.items() if len(values) >= min_posts]
    return sorted(windows, key=lambda w: (-w.mean_interactions, w.start_hour))


@dataclass(frozen=True)
class Responses:
    """How an account answered the posts that mentioned it in a period (docs/social-metrics.md)."""

    mentions: int = 0
    answered: int = 0  # answered before the period's end
    within_day: int = 0  # answered within 24 hours
    median_minutes: float | None = None  # from the mention to the account's first reply, over the answered

    @property
    def unanswered(self) -> int:
        return self.mentions - self.answered

    @property
    def answer_rate(self) -> float | None:
        return _ratio(self.answered, self.mentions, 100)


def responses_for(account_ids: list[int], *, start: dt.datetime, end: dt.datetime) -> dict[int, Responses]:
    """Response time to mentions: per account, the mentions published in [start, end) and the time to the first
    reply of those answered before `end`. Accounts with no mention in the period are absent."""
    waits: dict[int, list[float]] = {}
    counts: dict[int, int] = {}
    rows = (Mention.objects.filter(account_id__in=account_ids, published_at__gte=start, published_at__lt=end)
            .values_list("account_id", "published_at", "replied_at"))
    for account_id, published, replied in rows.iterator():
        counts[account_id] = counts.get(account_id, 0) + 1
        if replied is not None and replied < end:
            waits.setdefault(account_id, []).append(max((replied - published).total_seconds(), 0) / 60)
    return {a: Responses(mentions=n, answered=len(waits.get(a, [])),
                         within_day=sum(1 for w in waits.get(a, []) if w <= 24 * 60),
                         median_minutes=median(waits[a]) if waits.get(a) else None)
            for a, n in counts.items()}
