"""The crisis room counts a person reached when the provider reports their question delivered (a receipt), not
when it was handed to the channel; it shows, per channel, the messages waiting, handed over, delivered and
failed (from the outbox rows of the crisis's topic, one aggregate query)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from embassy.citizens.models import Citizen
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import bearer, make_staff, staff_client, verified
from embassy.crises.models import Affected, Crisis
from embassy.crises.selectors import rollcall_channels, rollcall_counts, rollcall_state
from embassy.crises.tests.factories import rollcall_started
from embassy.crises.tests.receipts import receipts_for
from embassy.missions.models import Role
from embassy.notify.dispatch import dispatch_due
from embassy.notify.models import Message
from embassy.sos.tests.texts import sink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels(settings: Any, tmp_path: Any) -> None:
    sink(settings, tmp_path)
    settings.ROLLCALL_CHANNELS = ["push", "email", "sms", "whatsapp"]


def _person(name: str, *, phone: str = "", email: str = "") -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone, email=email)).citizen


def _receipts_pending(crisis: Crisis) -> None:
    """The development sink reports each message delivered as it takes it; a provider reports later. The rows
    are put back to "handed over, no receipt yet", as a provider's would be."""
    Message.objects.filter(topic=f"crisis:{crisis.pk}").update(receipt="", delivered_at=None)
    Affected.objects.filter(crisis=crisis).update(reached_at=None)


def test_reached_is_delivered_and_the_room_shows_each_channel(django_assert_num_queries: Any) -> None:
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.receipts"))
    siti = _person("Siti Aminah", phone="+60123456789")
    budi = _person("Budi Santoso", phone="+60198765432")
    dewi = _person("Dewi Lestari", phone="+60177777777")
    _person("Ayu", email="ayu@example.org")
    crisis = rollcall_started(officer)
    while dispatch_due(limit=100):
        pass
    _receipts_pending(crisis)
    counts = rollcall_counts(crisis=crisis)
    assert (counts["asked"], counts["reached"]) == (4, 0)  # handed over to the channel is not reached
    channels = rollcall_channels(crisis=crisis)
    assert [c["channel"] for c in channels] == ["email", "sms"]
    by = {c["channel"]: c for c in channels}
    assert by["sms"] == {"channel": "sms", "messages": 3, "waiting": 0, "handed_over": 3, "delivered": 0,
                         "failed": 0, "receipts": True}
    assert by["email"] == {"channel": "email", "messages": 1, "waiting": 0, "handed_over": 1, "delivered": None,
                           "failed": 0, "receipts": False}

    asks = {m.address: m for m in Message.objects.filter(kind="crisis.rollcall", channel="sms")}
    before = rollcall_state(crisis=crisis)
    assert receipts_for([asks["+60177777777"]], "failed", error="30003 Unreachable destination handset") == 1
    assert rollcall_state(crisis=crisis) != before  # the room's live poll sees a failure (no one reached)
    delivered_at = timezone.now() - dt.timedelta(minutes=3)
    assert receipts_for([asks["+60123456789"]], "delivered", at=delivered_at) == 1
    assert receipts_for([asks["+60198765432"]], "read") == 1
    assert Affected.objects.get(crisis=crisis, citizen=siti).reached_at == delivered_at  # the receipt's time
    assert Affected.objects.get(crisis=crisis, citizen=budi).reached_at is not None
    assert Affected.objects.get(crisis=crisis, citizen=dewi).reached_at is None
    receipts_for([asks["+60123456789"]], "read", at=timezone.now())  # a later receipt keeps the first time
    assert Affected.objects.get(crisis=crisis, citizen=siti).reached_at == delivered_at
    assert rollcall_counts(crisis=crisis)["reached"] == 2
    with django_assert_num_queries(1):
        by = {c["channel"]: c for c in rollcall_channels(crisis=crisis)}
    assert (by["sms"]["handed_over"], by["sms"]["delivered"], by["sms"]["failed"]) == (3, 2, 1)
    assert by["email"]["delivered"] is None

    # The room and the API show it.
    room = staff_client(officer).get(f"/konsol/krisis/{crisis.pk}/").content.decode()
    assert 'data-testid="by-channel"' in room and 'data-testid="receipts-note"' in room
    assert re.search(r'data-channel="sms">.*?data-count="delivered">2<', room, re.S)
    assert re.search(r'data-channel="email">.*?data-count="delivered"><span', room, re.S)
    assert re.search(r'data-count="reached">2<', room)
    api = Client().get(f"/api/v1/crises/{crisis.pk}/channels", headers=bearer(officer))
    assert api.status_code == 200
    assert {c["channel"]: (c["handed_over"], c["delivered"], c["failed"]) for c in api.json()} == {
        "sms": (3, 2, 1), "email": (1, None, 0)}


def test_the_channel_counts_read_the_topic_index() -> None:
    """The room's aggregate uses the outbox's partial index on (topic, channel), not a scan of every message."""
    if connection.vendor != "sqlite":
        pytest.skip("this is SQLite's plan; PostgreSQL chooses by its statistics")
    crisis = Crisis.objects.create(title="Banjir", status=Crisis.Status.ACTIVE)
    with CaptureQueriesContext(connection) as ctx:
        rollcall_channels(crisis=crisis)
    sql = ctx.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "notify_msg_topic" in plan, plan
