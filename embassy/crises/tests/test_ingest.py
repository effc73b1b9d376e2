"""Crises from the recorded real feeds: relevance, one crisis per event, updates, polling over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from embassy.citizens.models import Citizen
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.errors import BadInput, PermissionDenied
from embassy.common.tests.factories import make_staff, verified
from embassy.crises.affected import find_affected
from embassy.crises.feeds import FeedEvent, parse_gdacs, parse_usgs
from embassy.crises.ingest import crisis_ingest, radius_for_magnitude
from embassy.crises.models import Crisis, FeedPoll
from embassy.crises.polling import feed_poll
from embassy.crises.services import crisis_confirm, crisis_declare, crisis_dismiss
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
USGS = (DATA / "usgs-significant_month-2022-04-05.geojson").read_bytes()
GDACS = (DATA / "gdacs-rss-archive-orange-2016-04-09-excerpt.xml").read_bytes()


def _stay(lat: float, lon: float, name: str = "Warga", country: str | None = None) -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name), lat=lat, lon=lon, country=country).citizen


def _seen(event: FeedEvent) -> dt.datetime:
    """When a poller watching the feed live saw the event: a few minutes after it happened. (The recordings
    are years old; replayed "today", every event is past the maximum age and ignored.)"""
    return event.occurred_at + dt.timedelta(minutes=12)



def test_radius_grows_with_magnitude() -> None:
    assert radius_for_magnitude(5.5) == 50 and radius_for_magnitude(7.0) == 250
    assert 250 < radius_for_magnitude(7.3) < 400 and radius_for_magnitude(9.5) == 1000


def test_an_earthquake_near_registered_citizens_becomes_a_crisis_and_others_are_ignored() -> None:
    _stay(37.75, 140.47, "Warga Fukushima")  # Fukushima city, ~100 km from the M7.3 epicentre
    _stay(35.68, 139.69, "Warga Tokyo")  # ~280 km: inside the M7.3 zone too
    _stay(-6.2, 106.8, "Warga Jakarta")  # home, far from every event
    results = [crisis_ingest(event=e, now=_seen(e)) for e in parse_usgs(USGS).events]
    created = [c for c, action in results if action == "created"]
    assert len(created) == 1
    crisis = created[0]
    assert crisis is not None and crisis.source_id == "us6000h519" and crisis.kind == "earthquake"
    assert crisis.status == Crisis.Status.ACTIVE  # M7.3 confirms itself (threshold 7.0)
    assert crisis.registered_inside == 2 and 250 < (crisis.radius_km or 0) < 400
    assert {m.code for m in crisis.missions.all()} == {"KBRI-TOKYO"}
    assert sum(action == "ignored" for _c, action in results) == 11
    # The same document again changes nothing; an update of the event updates the one crisis.
    again = {a for _c, a in (crisis_ingest(event=e, now=_seen(e)) for e in parse_usgs(USGS).events)}
    assert again <= {"unchanged", "ignored"}
    doc = json.loads(USGS)
    for feature in doc["features"]:
        if feature["id"] == "us6000h519":
            feature["properties"]["mag"] = 7.4
            feature["properties"]["updated"] += 3_600_000
    updated = [a for _c, a in (crisis_ingest(event=e) for e in parse_usgs(json.dumps(doc)).events)]
    assert updated.count("updated") == 1
    crisis.refresh_from_db()
    assert Crisis.objects.count() == 1 and crisis.magnitude == 7.4
    assert crisis.events.filter(kind="feed_update").count() == 1


def test_gdacs_orange_alerts_are_proposed_for_the_missions_to_confirm() -> None:
    _stay(33.6, 71.5, "Warga Peshawar")  # inside the Pakistan flood zone (orange → proposed)
    actions = [crisis_ingest(event=e, now=_seen(e)) for e in parse_gdacs(GDACS).events]
    crises = {c.source_id: c for c, action in actions if action == "created" and c is not None}
    # The flood, and the red M7.5 Hindu Kush earthquake of 2015, whose ~370 km zone reaches Peshawar.
    assert set(crises) == {"FL4339", "EQ1070251"}
    quake = next(c for c in crises.values() if c.kind == "earthquake")
    assert quake.status == Crisis.Status.ACTIVE and (quake.magnitude or 0) >= 7.0  # red: confirmed by itself
    crisis = crises["FL4339"]
    assert crisis.source == "gdacs" and crisis.status == Crisis.Status.PROPOSED
    officer = verified(make_staff("KBRI-ISLAMABAD", Role.PROTECTION_OFFICER, username="duty.isb"))
    outsider = verified(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="duty.jed"))
    with pytest.raises(PermissionDenied):
        crisis_confirm(actor=outsider, crisis=crisis)
    crisis_confirm(actor=officer, crisis=crisis)
    assert Crisis.objects.get(pk=crisis.pk).status == Crisis.Status.ACTIVE


class _Feed(BaseHTTPRequestHandler):
    body = b""
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def feed_server() -> Iterator[tuple[str, type[_Feed]]]:
    handler = type("Feed", (_Feed,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed", handler
    server.shutdown()


def test_polling_over_http_keeps_the_good_items_when_one_is_malformed(feed_server: Any, settings: Any) -> None:
    url, handler = feed_server
    settings.CRISIS_FEED_URLS = {"usgs": url}
    _stay(23.98, 121.6, "Warga Hualien")
    doc = json.loads(USGS)
    doc["features"][0]["geometry"] = None  # a broken item
    handler.body = json.dumps(doc).encode()
    poll = feed_poll("usgs", now=dt.datetime(2022, 3, 23, tzinfo=dt.UTC))  # the day after the Hualien M6.7
    assert poll.ok and poll.events == 11 and poll.created == 1 and len(poll.errors) == 1
    assert Crisis.objects.get().source_id == "us6000h6nr"  # Hualien M6.7
    handler.status, handler.body = 503, b"down"
    failed = feed_poll("usgs")
    assert not failed.ok and failed.errors and FeedPoll.objects.count() == 2
    handler.status, handler.body = 200, b"<html>not a feed</html>"
    assert not feed_poll("usgs").ok
    assert Crisis.objects.count() == 1


def test_an_officer_declares_a_crisis_over_a_circle_or_a_country() -> None:
    _stay(3.139, 101.6869, "Warga KL")
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.kl.crisis"))
    crisis = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69,
                            radius_km=25)
    assert crisis.status == Crisis.Status.ACTIVE and crisis.registered_inside == 1
    assert len(find_affected(Crisis(lat=3.14, lon=101.69, radius_km=25))) == 1
    assert len(find_affected(Crisis(lat=3.14, lon=101.69, radius_km=0.01))) == 0
    whole = crisis_declare(actor=officer, title="Malaysia unrest", kind="conflict", countries=["my"])
    assert whole.countries == ["MY"] and whole.registered_inside == 1
    with pytest.raises(BadInput) as bad:
        crisis_declare(actor=officer, title="x", kind="flood", lat=3.1, lon=101.6, radius_km=-5)
    assert bad.value.field == "radius_km"
    with pytest.raises(BadInput):
        crisis_declare(actor=officer, title="x", kind="flood")
    social = verified(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="social.crisis"))
    with pytest.raises(PermissionDenied):
        crisis_declare(actor=social, title="x", kind="flood", countries=["MY"])
    crisis_dismiss(actor=officer, crisis=crisis, reason="water receded")
    assert Crisis.objects.get(pk=crisis.pk).status == Crisis.Status.CLOSED


def test_a_circle_across_the_antimeridian_finds_citizens_on_both_sides() -> None:
    _stay(-17.8, 177.4, "Warga Fiji")  # Nadi, east of the line
    _stay(-18.2, -178.8, "Warga Lau", country="FJ")  # west of it (Lakeba, Lau islands)
    assert len(find_affected(Crisis(lat=-18.0, lon=179.9, radius_km=500))) == 2
