"""Spike alerts (issue 15 point 3): when the posts heard per hour for a stream term, a topic or a mission rise well
above their usual level, the digital-diplomacy team hears of it through the outbox, with example posts and the
shift in sentiment.

The detector reads only HourCount (ingest adds to it): for every key with posts in the last window,

    window mean   = posts in the last WINDOW_HOURS hourly buckets (the current one included) / WINDOW_HOURS
    baseline mean = posts in the BASELINE_DAYS × 24 buckets before the window / their number
    baseline sd   = standard deviation of those hourly counts (hours without posts count as 0)
    spike         ⇔ window mean > baseline mean + k × max(baseline sd, SD_FLOOR)

SD_FLOOR (posts an hour) keeps a quiet key from firing on a couple of posts. A key heard a few times a week has
hourly counts that are nearly all 0: their sample sd is tiny (two posts in 168 hours: sd ≈ 0.11), and a
new key has none at all (sd 0), so without a floor two posts in a day (mean 0.083/h) would be "3 standard
deviations" above a baseline of 0. With the default floor of 0.25 post/hour and k = 3, a key must gain at least
0.75 post/hour over its baseline mean, i.e. about 18 more posts in 24 hours than usual — a real burst for a quiet
keyword, and well under the level of any key whose own hourly sd is larger (a key heard ~4 times an hour has a
Poisson sd of about 2, which then decides).

A spike lasts while its key stays above the threshold: the key is alerted once, when the spike starts
(Spike.alerted_at), and not again until the spike has ended (Spike.ended_at, set at the first run that finds it
below) and a new one starts. Who is alerted: staff with the digital-diplomacy role, and for a mission's key
also that mission's social-media officers (notify.notify_user, one message per person, idempotent per spike).

Settings (read with their defaults here): LISTENING_SPIKE_K (3), LISTENING_SPIKE_WINDOW_HOURS (24),
LISTENING_SPIKE_BASELINE_DAYS (7), LISTENING_SPIKE_SD_FLOOR (0.25).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.listening.models import Heard, HourCount, Spike, Topic
from embassy.missions.models import Mission, Role
from embassy.notify.services import notify_user

EXAMPLES = 5


@dataclass(frozen=True)
class Params:
    k: float
    window_hours: int
    baseline_days: int
    sd_floor: float

    @classmethod
    def from_settings(cls) -> Params:
        return cls(k=settings.LISTENING_SPIKE_K, window_hours=settings.LISTENING_SPIKE_WINDOW_HOURS,
                   baseline_days=settings.LISTENING_SPIKE_BASELINE_DAYS, sd_floor=settings.LISTENING_SPIKE_SD_FLOOR)


@dataclass(frozen=True)
class Level:
    """One key's window against its baseline."""

    key: str
    window_mean: float
    baseline_mean: float
    baseline_sd: float
    threshold: float
    negative_share: float
    baseline_negative_share: float

    @property
    def above(self) -> bool:
        return self.window_mean > self.threshold


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def levels(*, now: dt.datetime, params: Params) -> list[Level]:
    """Every key heard in the window, with its baseline (two grouped queries over HourCount)."""
    end = _hour(now) + dt.timedelta(hours=1)
    start = end - dt.timedelta(hours=params.window_hours)
    base_hours = params.baseline_days * 24
    base_start = start - dt.timedelta(hours=base_hours)
    window = (HourCount.objects.filter(hour__gte=start, hour__lt=end).values("key")
              .annotate(n=Sum("posts"), neg=Sum("negative")))
    baseline = {row["key"]: row for row in HourCount.objects.filter(hour__gte=base_start, hour__lt=start)
                .values("key").annotate(n=Sum("posts"), squares=Sum(F("posts") * F("posts")), neg=Sum("negative"))}
    found = []
    for row in window:
        posts = row["n"] or 0
        before: dict[str, Any] = dict(baseline.get(row["key"]) or {})
        base_posts, squares = before.get("n") or 0, before.get("squares") or 0
        mean = base_posts / base_hours
        sd = math.sqrt(max(squares / base_hours - mean * mean, 0.0))
        found.append(Level(
            key=row["key"], window_mean=posts / params.window_hours, baseline_mean=mean, baseline_sd=sd,
            threshold=mean + params.k * max(sd, params.sd_floor),
            negative_share=(row["neg"] or 0) / posts if posts else 0.0,
            baseline_negative_share=(before.get("neg") or 0) / base_posts if base_posts else 0.0))
    return found


def _label(key: str) -> str:
    kind, _sep, value = key.partition(":")
    if kind == "topic" and value.isdigit():
        topic = Topic.objects.filter(pk=int(value)).first()
        return topic.label if topic is not None else key
    if kind == "mission":
        mission = Mission.objects.filter(code=value).first()
        return mission.name_id if mission is not None else value
    return f"“{value}”"


def examples(key: str, *, since: dt.datetime, limit: int = EXAMPLES) -> list[dict[str, Any]]:
    """Up to `limit` posts of the window behind a key, most shared first, then most recent (first posts only:
    five copies of one repost say less than five posts)."""
    kind, _sep, value = key.partition(":")
    posts = Heard.objects.filter(published_at__gte=since, duplicate_of__isnull=True)
    if kind == "topic" and value.isdigit():
        posts = posts.filter(topic_id=int(value))
    elif kind == "mission":
        posts = posts.filter(mission__code=value)
    elif kind == "term":
        posts = posts.filter(text__icontains=value.split(" ")[0])  # narrowed here, matched exactly below
    else:
        return []
    ordered = posts.order_by(F("shares").desc(nulls_last=True), "-published_at")
    chosen = []
    for heard in ordered[: limit * 20 if kind == "term" else limit].iterator():
        if kind == "term" and value not in (heard.terms or []):
            continue
        chosen.append({"platform": heard.platform, "post_id": heard.post_id, "url": heard.url,
                       "text": heard.text[:280], "sentiment": heard.sentiment, "shares": heard.shares,
                       "published_at": heard.published_at.isoformat()})
        if len(chosen) >= limit:
            break
    return chosen


def _recipients(key: str) -> list[User]:
    people = list(User.objects.filter(memberships__role=Role.DIGITAL_DIPLOMACY, is_active=True).distinct())
    kind, _sep, code = key.partition(":")
    if kind == "mission":
        people += list(User.objects.filter(memberships__mission__code=code, is_active=True,
                                           memberships__role=Role.SOCIAL_MEDIA_OFFICER).distinct())
    return list({p.pk: p for p in people}.values())


def _alert(spike: Spike, params: Params) -> int:
    """Queue the alert for one new spike; returns the messages queued."""
    queued = 0
    url = next((e["url"] for e in spike.examples if e.get("url")), "")
    for person in _recipients(spike.key):
        with translation.override(person.language or "id"):
            subject = _("Listening: a spike for %(label)s") % {"label": spike.label}
            body = _("%(label)s: %(now).1f posts an hour in the last %(hours)d hours, against %(before).1f an hour "
                     "in the %(days)d days before (%(k)s standard deviations). Negative posts: %(neg_now)d%% "
                     "now, %(neg_before)d%% before.") % {
                "label": spike.label, "now": spike.window_mean, "hours": params.window_hours,
                "before": spike.baseline_mean, "days": params.baseline_days, "k": f"{params.k:g}",
                "neg_now": round(100 * spike.negative_share), "neg_before": round(100 * spike.baseline_negative_share)}
            if spike.examples:
                body += "\n\n" + _("Examples:") + "\n" + "\n".join(
                    f"- [{e['platform']}] {e['text'][:200]}" + (f" {e['url']}" if e.get("url") else "")
                    for e in spike.examples)
        queued += len(notify_user(user=person, subject=subject, body=body, url=url, kind="listening.spike",
                                  dedupe_key=f"listening-spike:{spike.pk}",
                                  data={"spike": spike.pk, "key": spike.key}))
    return queued


def spikes_detect(*, now: dt.datetime | None = None, params: Params | None = None) -> list[Spike]:
    """Find the keys above their threshold, record a Spike and alert for each one not already spiking, and end
    the spikes whose key fell back. Returns the new spikes. Safe to run as often as wanted."""
    now = now or timezone.now()
    params = params or Params.from_settings()
    found = levels(now=now, params=params)
    above = {level.key: level for level in found if level.above}
    since = _hour(now) + dt.timedelta(hours=1) - dt.timedelta(hours=params.window_hours)
    new: list[Spike] = []
    with transaction.atomic():
        lasting = {s.key: s for s in Spike.objects.select_for_update().filter(ended_at__isnull=True)}
        for key, spike in lasting.items():
            if key not in above:
                spike.ended_at = now
                spike.save(update_fields=["ended_at"])
        for key, level in sorted(above.items()):
            if key in lasting:
                continue
            spike = Spike.objects.create(
                key=key, label=_label(key)[:200], found_at=now, window_mean=level.window_mean,
                baseline_mean=level.baseline_mean, baseline_sd=level.baseline_sd, k=params.k,
                negative_share=level.negative_share, baseline_negative_share=level.baseline_negative_share,
                examples=examples(key, since=since))
            _alert(spike, params)
            spike.alerted_at = now
            spike.save(update_fields=["alerted_at"])
            new.append(spike)
    return new
