"""Crises from feeds as a duty officer expects them (issue 9, point 3): a feed update that confirms a proposed
crisis says so; old events never become crises; an aftershock sequence is one crisis whose people are asked
once. Replayed from the recorded real feeds in tests/data (see its README)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from embassy.citizens.models import Citizen
from embassy.citizens.services import citizen_positions_store
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.crises.feeds import FeedEvent, parse_gdacs, parse_usgs
from embassy.crises.ingest import crisis_ingest
from embassy.crises.models import Affected, Crisis, CrisisEvent
from embassy.crises.polling import feed_poll
from embassy.crises.rollcall import rollcall_start
from embassy.crises.services import crisis_confirm, crisis_dismiss
from embassy.crises.zone import Zone
from embassy.missions.models import Role
from embassy.notify.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollcall_channels")]
DATA = Path(__file__).parent / "data"
USGS = (DATA / "usgs-significant_month-2022-04-05.geojson").read_bytes()
GDACS = (DATA / "gdacs-rss-archive-orange-2016-04-09-excerpt.xml").read_bytes()
# The 2022-03-30/31 sequence southeast of the Loyalty Islands (New Caledonia): M6.9, then M7.0 nine hours
# later, then M6.3 the next evening — one disaster at sea, three USGS events.
LOYALTY = ("us7000gyj0", "us7000gymk", "us7000gysz")
# The 2015 Hindu Kush earthquakes in the GDACS archive: M5.9 (10 Aug), M7.5 red (26 Oct), M5.9 (22 Nov),
# M6.3 (25 Dec), all within 70 km of each other, 90–212 km deep.
HINDU_KUSH = ("EQ1062684", "EQ1070251", "EQ1073227", "EQ1076983")




def _seen(event: FeedEvent, minutes: int = 10) -> dt.datetime:
    """When a poller watching the feed live saw the event."""
    return event.occurred_at + dt.timedelta(minutes=minutes)


def _events(document: bytes, ids: tuple[str, ...], parse: Any) -> list[FeedEvent]:
    by_id = {e.source_id: e for e in parse(document).events}
    return sorted((by_id[i] for i in ids), key=lambda e: e.occurred_at)


def _at_sea(name: str, lat: float, lon: float, phone: str) -> Citizen:
    """A crew member whose app last reported a position at sea (no stay can be registered there)."""
    citizen = CitizenFactory.create(full_name=name, phone=phone)
    citizen_positions_store(points=[(citizen.pk, lat, lon)])
    return citizen


def _staying(name: str, lat: float, lon: float, phone: str) -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone), lat=lat, lon=lon).citizen


def _asked(crisis: Crisis, citizen: Citizen) -> int:
    row = Affected.objects.get(crisis=crisis, citizen=citizen)
    return Message.objects.filter(kind="crisis.rollcall", data__affected=row.pk).count()


def test_a_feed_update_that_confirms_a_proposed_crisis_tells_the_missions_it_is_now_active() -> None:
    """The M7.3 off Fukushima (2022-03-16), first published at a lower magnitude: proposed; the later
    recorded version (M7.3, orange PAGER) confirms it, and Tokyo's duty officer hears that it is active."""
    officer = make_staff("KBRI-TOKYO", Role.PROTECTION_OFFICER, username="duty.tokyo.seq")
    _staying("Warga Fukushima", 37.75, 140.47, "+81901112222")
    recorded = next(e for e in parse_usgs(USGS).events if e.source_id == "us6000h519")
    doc = json.loads(USGS)
    feature = next(f for f in doc["features"] if f["id"] == "us6000h519")
    first_version = dict(feature, properties={**feature["properties"], "mag": 6.8, "alert": None,
                                              "updated": feature["properties"]["time"] + 20 * 60_000})
    preliminary = parse_usgs(json.dumps({**doc, "features": [first_version]})).events[0]
    with TestCase.captureOnCommitCallbacks(execute=True):
        crisis, action = crisis_ingest(event=preliminary, now=_seen(preliminary, 25))
    assert action == "created" and crisis is not None and crisis.status == Crisis.Status.PROPOSED
    told = Message.objects.filter(user=officer, kind="crisis.new")
    assert [m.dedupe_key for m in told] == [f"crisis:{crisis.pk}:proposed:{officer.pk}"]

    with TestCase.captureOnCommitCallbacks(execute=True):
        again, action = crisis_ingest(event=recorded, now=dt.datetime(2022, 4, 5, 7, 44, tzinfo=dt.UTC))
    assert action == "updated" and again is not None and again.pk == crisis.pk
    crisis.refresh_from_db()
    assert crisis.status == Crisis.Status.ACTIVE and crisis.magnitude == 7.3 and crisis.confirmed_at is not None
    assert CrisisEvent.objects.filter(crisis=crisis, kind="auto_confirmed").exists()
    news = list(Message.objects.filter(user=officer, kind="crisis.new").order_by("id"))
    assert [m.dedupe_key for m in news] == [f"crisis:{crisis.pk}:{what}:{officer.pk}" for what in ("proposed",
                                                                                                  "confirmed")]
    assert crisis.title in news[1].subject and news[1].subject != news[0].subject
    assert f"/konsol/krisis/{crisis.pk}/" in news[1].url and news[1].priority == 10  # HIGH, like the first
    # The same document again changes nothing and tells nobody twice.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert crisis_ingest(event=recorded)[1] == "unchanged"
    assert Message.objects.filter(user=officer, kind="crisis.new").count() == 2


def test_an_archive_replayed_today_makes_no_crisis_and_emails_nobody(settings: Any) -> None:
    """The GDACS archive (2015–2016) replayed now: every event is years past the maximum age at first sight."""
    make_staff("KBRI-ISLAMABAD", Role.PROTECTION_OFFICER, username="duty.isb.archive")
    _staying("Warga Peshawar", 33.6, 71.5, "+923001234567")
    with TestCase.captureOnCommitCallbacks(execute=True):
        poll = feed_poll("gdacs", fetch=lambda _url: GDACS)
    assert poll.ok and poll.events == 30 and poll.created == 0
    assert not Crisis.objects.exists() and not Message.objects.exists()
    # The age counts at first sight, and it is a setting.
    quake = next(e for e in parse_gdacs(GDACS).events if e.source_id == "EQ1070251")  # M7.5, red
    assert crisis_ingest(event=quake, now=quake.occurred_at + dt.timedelta(days=3, minutes=1)) == (None, "too_old")
    settings.CRISIS_FEED_MAX_AGE_DAYS = 5
    crisis, action = crisis_ingest(event=quake, now=quake.occurred_at + dt.timedelta(days=3, minutes=1))
    assert action == "created" and crisis is not None and crisis.status == Crisis.Status.ACTIVE


def test_the_loyalty_islands_sequence_is_one_crisis_whose_people_are_asked_once() -> None:
    """Replay of the recorded sequence as a live poller saw it: M6.9 → proposed; the officer confirms and
    starts the roll-call; the M7.0 extends the same crisis (its zone grows: a second crew is found and
    asked), the M6.3 extends it again. Three events, one crisis, one question per person."""
    officer = verified(make_staff("KJRI-NOUMEA", Role.PROTECTION_OFFICER, username="duty.noumea"))
    inner = _at_sea("Awak kapal Arafura", -22.30, 169.20, "+6281200000001")   # inside every zone
    north = _at_sea("Awak kapal Banda", -20.42, 170.35, "+6281200000002")    # only inside the M7.0's circle
    first, second, third = _events(USGS, LOYALTY, parse_usgs)

    with TestCase.captureOnCommitCallbacks(execute=True):
        crisis, action = crisis_ingest(event=first, now=_seen(first))
    assert action == "created" and crisis is not None and crisis.status == Crisis.Status.PROPOSED
    assert set(Affected.objects.filter(crisis=crisis, inside=True).values_list("citizen", flat=True)) == {inner.pk}
    crisis_confirm(actor=officer, crisis=crisis)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    assert _asked(crisis, inner) == 1

    with TestCase.captureOnCommitCallbacks(execute=True):
        extended, action = crisis_ingest(event=second, now=_seen(second))
    assert action == "extended" and extended is not None and extended.pk == crisis.pk
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert crisis_ingest(event=third, now=_seen(third))[1] == "extended"
    # The whole recorded document five days later: nothing new.
    assert {a for _c, a in (crisis_ingest(event=e, now=dt.datetime(2022, 4, 5, 7, 44, tzinfo=dt.UTC))
                            for e in (first, second, third))} == {"unchanged"}

    assert Crisis.objects.count() == 1
    crisis.refresh_from_db()
    assert [i.source_id for i in crisis.feed_items.order_by("occurred_at")] == list(LOYALTY)
    assert crisis.magnitude == 7.0 and "Tadine" in crisis.title  # the strongest event names the crisis
    assert crisis.polygon is not None and crisis.radius_km is None  # the union of the three circles
    zone = Zone.polygon(crisis.polygon)
    for item in crisis.feed_items.all():  # every epicentre, and a point 95 % out on each circle, is inside
        assert zone.contains_many([item.lat], [item.lon])[0]
    assert zone.contains_many([-20.42], [170.35])[0] and not Zone.circle(first.lat, first.lon, 230).contains_many(
        [-20.42], [170.35])[0]
    assert set(Affected.objects.filter(crisis=crisis, inside=True).values_list("citizen", flat=True)) == {
        inner.pk, north.pk}
    assert _asked(crisis, inner) == 1 and _asked(crisis, north) == 1  # the newcomer asked, nobody twice
    log = list(CrisisEvent.objects.filter(crisis=crisis, kind="feed_event").values_list("data", flat=True))
    assert [d["source_id"] for d in log] == ["us7000gymk", "us7000gysz"] and log[0]["added"] == 1

    # The crisis lists its events: API and crisis room.
    web = staff_client(officer)
    body = web.get(f"/api/v1/crises/{crisis.pk}").json()
    assert [e["source_id"] for e in body["events"]] == list(LOYALTY)
    room = web.get(f"/konsol/krisis/{crisis.pk}/").content.decode()
    assert 'data-testid="feed-events"' in room and room.count("Tadine") >= 3


def test_the_2015_hindu_kush_earthquakes_extend_one_crisis_within_the_configured_window(settings: Any) -> None:
    """GDACS archive: four Hindu Kush earthquakes from August to December 2015. A week's window (the default)
    keeps the 26 October M7.5 apart from the August M5.9; with a window of 90 days the four are one crisis and
    the people of Chitral, inside every zone, are asked once."""
    settings.CRISIS_SEQUENCE_WINDOW_HOURS = 90 * 24
    officer = verified(make_staff("KBRI-ISLAMABAD", Role.PROTECTION_OFFICER, username="duty.isb.seq"))
    chitral = _staying("Warga Garam Chashma", 36.18, 71.55, "+923001110001")  # Chitral district, Pakistan
    peshawar = _staying("Warga Peshawar", 34.01, 71.58, "+923001110002")  # only inside the M7.5's zone
    events = _events(GDACS, HINDU_KUSH, parse_gdacs)
    with TestCase.captureOnCommitCallbacks(execute=True):
        crisis, action = crisis_ingest(event=events[0], now=_seen(events[0]))
    assert action == "created" and crisis is not None
    crisis_confirm(actor=officer, crisis=crisis)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    for event in events[1:]:
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert crisis_ingest(event=event, now=_seen(event))[1] == "extended"
    assert Crisis.objects.count() == 1 and crisis.feed_items.count() == 4
    crisis.refresh_from_db()
    assert crisis.magnitude == 7.5 and crisis.severity_label == "red"
    assert _asked(crisis, chitral) == 1 and _asked(crisis, peshawar) == 1

    # The default window: the M7.5 came 77 days after the August event, so it is a crisis of its own.
    crisis_dismiss(actor=officer, crisis=crisis, reason="replayed again below")
    Crisis.objects.all().delete()
    settings.CRISIS_SEQUENCE_WINDOW_HOURS = 168
    actions = [crisis_ingest(event=e, now=_seen(e))[1] for e in events]
    assert actions[:2] == ["created", "created"] and Crisis.objects.count() >= 2


def test_a_dismissed_crisis_absorbs_weaker_aftershocks_but_not_a_stronger_event() -> None:
    officer = verified(make_staff("KJRI-NOUMEA", Role.PROTECTION_OFFICER, username="duty.noumea.dismiss"))
    _at_sea("Awak kapal Seram", -22.30, 169.20, "+6281200000003")
    first, second, third = _events(USGS, LOYALTY, parse_usgs)
    crisis, _action = crisis_ingest(event=first, now=_seen(first))
    assert crisis is not None
    crisis_dismiss(actor=officer, crisis=crisis, reason="at sea, nobody hurt")
    # The M6.3 (weaker than the dismissed M6.9) is recorded on the dismissed crisis; nobody is told.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert crisis_ingest(event=third, now=_seen(third)) == (Crisis.objects.get(pk=crisis.pk), "extended")
    assert Crisis.objects.get(pk=crisis.pk).status == Crisis.Status.DISMISSED
    assert not Message.objects.filter(kind="crisis.new", dedupe_key__contains=":reached:").exists()
    # The M7.0 confirms itself: a new, active crisis.
    fresh, action = crisis_ingest(event=second, now=_seen(second))
    assert action == "created" and fresh is not None and fresh.pk != crisis.pk
    assert fresh.status == Crisis.Status.ACTIVE
