"""Spike alerts (embassy.listening.spikes): a key whose last 24 hours rise k standard deviations above its 7-day
baseline alerts the digital-diplomacy team (and a mission's social-media officers for its key) once, through the
outbox, with example posts and the sentiment shift; a quiet key does not fire on a couple of posts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from embassy.common.tests.factories import make_staff
from embassy.listening import tasks
from embassy.listening.ingest import ingest
from embassy.listening.items import HeardItem
from embassy.listening.models import HourCount, Spike
from embassy.listening.spikes import Params, levels, spikes_detect
from embassy.missions.models import Role
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 10, 30, tzinfo=dt.UTC)
HOUR = dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)
PARAMS = Params(k=3.0, window_hours=24, baseline_days=7, sd_floor=0.25)


def fill(key: str, *, hours: range, per_hour: Any, negative: Any = 0, at: dt.datetime = HOUR) -> None:
    """HourCount rows for `key`, `hours` before the hour `at` (0 = that hour)."""
    rows = []
    for ago in hours:
        posts = per_hour(ago) if callable(per_hour) else per_hour
        neg = negative(ago) if callable(negative) else negative
        if posts:
            rows.append(HourCount(key=key, hour=at - dt.timedelta(hours=ago), posts=posts, negative=neg))
    HourCount.objects.bulk_create(rows)


def test_a_rise_above_the_baseline_alerts_the_team_once_with_the_sentiment_shift() -> None:
    team = make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY, username="dd")
    make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="smo")  # not for a term
    fill("term:wni", hours=range(24, 24 + 168), per_hour=lambda ago: 2 + ago % 3, negative=lambda ago: ago % 2)
    fill("term:wni", hours=range(24), per_hour=12, negative=6)
    new = spikes_detect(now=NOW, params=PARAMS)
    assert [s.key for s in new] == ["term:wni"]
    spike = new[0]
    assert spike.window_mean == 12 and spike.baseline_mean == pytest.approx(3.0)
    assert spike.negative_share == 0.5 and spike.baseline_negative_share == pytest.approx(84 / 504)
    assert spike.alerted_at == NOW and spike.ended_at is None and spike.label == "“wni”"
    sent = Message.objects.filter(kind="listening.spike")
    assert {m.user_id for m in sent} == {team.pk}
    assert "“wni”" in sent[0].subject and "50%" in sent[0].body and "17%" in sent[0].body
    # still spiking an hour later: no second alert
    assert spikes_detect(now=NOW + dt.timedelta(hours=1), params=PARAMS) == []
    assert Message.objects.filter(kind="listening.spike").count() == sent.count()


def test_the_spike_ends_and_a_new_one_alerts_again() -> None:
    make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY, username="dd")
    fill("term:tki", hours=range(24, 24 + 168), per_hour=1)
    fill("term:tki", hours=range(24), per_hour=10)
    assert len(spikes_detect(now=NOW, params=PARAMS)) == 1
    later = NOW + dt.timedelta(days=2)  # the burst is now in the baseline, the window is quiet
    assert spikes_detect(now=later, params=PARAMS) == []
    assert Spike.objects.get().ended_at == later
    HourCount.objects.filter(key="term:tki").delete()
    fill("term:tki", hours=range(-48, -24), per_hour=10)  # a new burst on the third day
    assert len(spikes_detect(now=later, params=PARAMS)) == 1
    assert Spike.objects.count() == 2 and Message.objects.filter(kind="listening.spike").count() == 2


@pytest.mark.parametrize(("posts", "fires"), [(2, False), (17, False), (24, True)])
def test_a_quiet_key_needs_a_real_burst(posts: int, fires: bool) -> None:
    fill("term:kjri penang", hours=range(posts), per_hour=1)  # baseline: nothing at all (sd 0)
    assert bool(spikes_detect(now=NOW, params=PARAMS)) is fires


def test_k_and_the_windows_are_settings(settings: Any) -> None:
    fill("term:wni", hours=range(24, 24 + 168), per_hour=2)
    fill("term:wni", hours=range(24), per_hour=4)
    assert spikes_detect(now=NOW) and Spike.objects.count() == 1  # sd 0 → floor 0.25: 4 > 2 + 0.75
    Spike.objects.all().delete()
    settings.LISTENING_SPIKE_K = 10.0  # 4 > 2 + 2.5 still
    settings.LISTENING_SPIKE_SD_FLOOR = 0.5  # 4 < 2 + 5
    assert spikes_detect(now=NOW) == []
    settings.LISTENING_SPIKE_WINDOW_HOURS = 2
    settings.LISTENING_SPIKE_BASELINE_DAYS = 1
    level = {lv.key: lv for lv in levels(now=NOW, params=Params.from_settings())}["term:wni"]
    assert (level.window_mean, level.baseline_mean) == (4, pytest.approx(92 / 24))  # mostly the burst now


def test_a_missions_spike_reaches_its_social_media_officers_with_example_posts() -> None:
    make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY, username="dd")
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="smo-kl")
    make_staff("KJRI-JEDDAH", Role.SOCIAL_MEDIA_OFFICER, username="smo-jed")
    ingest([HeardItem(platform="x", post_id=str(i), published_at=NOW - dt.timedelta(hours=i % 20),
                      text=f"Antrian di KBRI lama sekali hari ini, nomor {i}", lat=3.139, lon=101.6869, shares=i,
                      url=f"https://x.com/u/status/{i}")
            for i in range(30)], streams=[], now=NOW)
    new = {s.key: s for s in spikes_detect(now=NOW, params=PARAMS)}
    spike = new["mission:KBRI-KUALA-LUMPUR"]  # and the topic of these posts
    assert spike.label == "KBRI Kuala Lumpur" and len(new) == 2
    assert [e["post_id"] for e in spike.examples] == ["29", "28", "27", "26", "25"]  # most shared first
    recipients = set(Message.objects.filter(kind="listening.spike", data__key=spike.key)
                     .values_list("user__username", flat=True))
    assert recipients == {"dd", "smo-kl"} and officer.username in recipients


def test_the_periodic_task_runs_the_detector() -> None:
    # The task reads the clock: the counts are placed before the current hour, whatever the day and time.
    fill("topic:999", hours=range(24), per_hour=5,
         at=dt.datetime.now(tz=dt.UTC).replace(minute=0, second=0, microsecond=0))
    assert tasks.spikes_run.call() == "1 new spikes"
    assert tasks.spikes_run.call() == "0 new spikes"
