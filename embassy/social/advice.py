"""What to do next: for each account, up to three concrete suggestions, each backed by the numbers behind it
(shown beside it, and on the account's page). Rules, strongest first:

- stale or failing numbers come first (nothing else can be trusted until they are fixed);
- the best posting hours against the hours the account usually posts (last 90 days, audience's zone);
- video against other posts, when video does better and is a minority of the posts;
- a drop in posting (last 30 days against the 30 before), or followers lost in 30 days;
- few replies (conversation), against the median of the other accounts on the same platform;
- mentions left without a reply in the last 7 days (X, Mastodon: the platforms whose mentions are read).
A rule speaks only when its numbers are large enough to mean something (the thresholds below).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from embassy.social import metrics
from embassy.social.health import health_of
from embassy.social.models import Account, Post

MIN_WINDOW_POSTS = 3
MIN_RATIO = 1.2
MIN_UNANSWERED = 5  # mentions left without a reply in 7 days before it is worth saying


@dataclass(frozen=True)
class Suggestion:
    key: str
    text: str
    strength: float
    numbers: dict[str, object] = field(default_factory=dict)


def _hours(start: int) -> str:
    return f"{start:02d}:00–{(start + 3) % 24:02d}:00"


def _best_hours(account: Account, now: dt.datetime, zone: str) -> Suggestion | None:
    windows = metrics.best_hours(account.pk, start=now - dt.timedelta(days=90), end=now, zone=zone,
                                 min_posts=MIN_WINDOW_POSTS)
    if len(windows) < 2:
        return None
    best, usual = windows[0], max(windows, key=lambda w: (w.posts, -w.start_hour))
    if best.start_hour == usual.start_hour or not usual.mean_interactions:
        return None
    ratio = best.mean_interactions / usual.mean_interactions
    if ratio < MIN_RATIO:
        return None
    text = _("Posts at %(best)s local time get %(ratio).1f× the interactions of your usual %(usual)s posts "
             "(%(best_n)s and %(usual_n)s posts in 90 days).") % {
        "best": _hours(best.start_hour), "ratio": ratio, "usual": _hours(usual.start_hour), "best_n": best.posts,
        "usual_n": usual.posts}
    return Suggestion("best_hours", text, ratio, {"best": best, "usual": usual, "zone": zone})


def _video(account: Account, now: dt.datetime) -> Suggestion | None:
    interactions = Coalesce(F("likes"), 0) + Coalesce(F("comments"), 0) + Coalesce(F("shares"), 0)
    rows = (Post.objects.filter(account=account, is_repost=False, published_at__gte=now - dt.timedelta(days=90))
            .aggregate(video_n=Count("id", filter=Q(kind="video")), other_n=Count("id", filter=~Q(kind="video")),
                       video_mean=Avg(interactions, filter=Q(kind="video")),
                       other_mean=Avg(interactions, filter=~Q(kind="video"))))
    video_n, other_n = rows["video_n"], rows["other_n"]
    if video_n < MIN_WINDOW_POSTS or other_n < MIN_WINDOW_POSTS or not rows["other_mean"]:
        return None
    ratio = float(rows["video_mean"] or 0) / float(rows["other_mean"])
    share = video_n / (video_n + other_n) * 100
    if ratio < 1.3 or share >= 50:
        return None
    text = _("Video posts get %(ratio).1f× the interactions of your other posts — %(share).0f%% of your posts are "
             "video.") % {"ratio": ratio, "share": share}
    return Suggestion("video", text, ratio * (1 - share / 100) + 0.5, {"videos": video_n, "others": other_n})


def _activity(account: Account, now: dt.datetime) -> Suggestion | None:
    month = dt.timedelta(days=30)
    own = Post.objects.filter(account=account, is_repost=False)
    recent = own.filter(published_at__gte=now - month).count()
    before = own.filter(published_at__gte=now - 2 * month, published_at__lt=now - month).count()
    if before >= 6 and recent <= before / 2:
        text = _("You posted %(recent)s times in the last 30 days against %(before)s in the 30 days before.") % {
            "recent": recent, "before": before}
        return Suggestion("activity", text, 1.0 + (before - recent) / before, {"recent": recent, "before": before})
    return None


def _growth(account: Account, now: dt.datetime) -> Suggestion | None:
    t = metrics.totals_for([account.pk], start=now - dt.timedelta(days=30), end=now).get(account.pk)
    if t is None or t.followers_start is None or t.followers_end is None or t.followers_end >= t.followers_start:
        return None
    lost = t.followers_start - t.followers_end
    text = _("You lost %(lost)s followers in 30 days (from %(start)s to %(end)s).") % {
        "lost": lost, "start": t.followers_start, "end": t.followers_end}
    return Suggestion("growth", text, 1.5, {"start": t.followers_start, "end": t.followers_end})


def _replies(account: Account, now: dt.datetime, peer_median: float | None) -> Suggestion | None:
    t = metrics.totals_for([account.pk], start=now - dt.timedelta(days=90), end=now).get(account.pk)
    share = metrics.reply_share(t) if t and t.posts >= 10 else None
    if share is None or share >= 5 or (peer_median is not None and share >= peer_median):
        return None
    if peer_median:
        text = _("Only %(share).0f%% of your posts are replies; the other accounts on this platform reply in "
                 "%(median).0f%% of theirs. Answering people builds trust.") % {"share": share, "median": peer_median}
    else:
        text = _("Only %(share).0f%% of your posts are replies: answering people builds trust.") % {"share": share}
    return Suggestion("replies", text, 1.1, {"share": share, "median": peer_median})


def _mentions(account: Account, now: dt.datetime) -> Suggestion | None:
    week = metrics.responses_for([account.pk], start=now - dt.timedelta(days=7), end=now).get(account.pk)
    if week is None or week.unanswered < MIN_UNANSWERED or week.unanswered < week.mentions * 0.2:
        return None
    if week.median_minutes is not None:
        text = _("%(unanswered)s of %(mentions)s mentions last week got no reply; those answered waited "
                 "%(hours).1f hours (median).") % {"unanswered": week.unanswered, "mentions": week.mentions,
                                                    "hours": week.median_minutes / 60}
    else:
        text = _("%(unanswered)s mentions last week got no reply.") % {"unanswered": week.unanswered}
    return Suggestion("mentions", text, 1.3 + week.unanswered / max(week.mentions, 1),
                      {"mentions": week.mentions, "unanswered": week.unanswered, "median": week.median_minutes})


def suggestions_for(account: Account, *, now: dt.datetime, zone: str, peer_reply_median: float | None = None,
                    limit: int = 3) -> list[Suggestion]:
    health = health_of(account, now=now)
    found: list[Suggestion] = []
    if health.state in {"stale", "error", "reconnect"}:
        found.append(Suggestion("health", _("Fix the connection first: %(state)s.") % {"state": health.label}, 10.0,
                                {"state": health.state}))
    for rule in (lambda: _best_hours(account, now, zone), lambda: _video(account, now),
                 lambda: _activity(account, now), lambda: _growth(account, now),
                 lambda: _replies(account, now, peer_reply_median), lambda: _mentions(account, now)):
        suggestion = rule()
        if suggestion is not None:
            found.append(suggestion)
    return sorted(found, key=lambda s: -s.strength)[:limit]
