"""Appointments: slots released from opening hours and counters in the mission's zone; one place per active
booking and one active booking per person and service, kept by the database itself; cancel and reschedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, Conflict
from embassy.common.tests.factories import make_citizen_with_stay
from embassy.consular.booking import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    open_slots,
    slots_release,
)
from embassy.consular.models import Booking, Counter, OpeningHours, Service, Slot
from embassy.missions.models import Mission

pytestmark = pytest.mark.django_db
SG = ZoneInfo("Asia/Singapore")
MONDAY = dt.date(2027, 1, 4)
NOW = dt.datetime(2027, 1, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def mission() -> Mission:
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    OpeningHours.objects.create(mission=mission, weekday=0, opens=dt.time(9), closes=dt.time(10))
    OpeningHours.objects.create(mission=mission, weekday=6, opens=dt.time(9), closes=dt.time(9, 30))  # Sunday
    Counter.objects.create(mission=mission, name="Loket 1")
    Counter.objects.create(mission=mission, name="Loket 2")
    return mission


@pytest.fixture
def renewal() -> Service:
    return Service.objects.get(code="passport-renewal", mission__isnull=True)


def person(n: int) -> Citizen:
    return make_citizen_with_stay(1.29, 103.85, name=f"Warga {n}", nik=f"31710141019000{n:02d}",
                                  passport=f"X76543{n:02d}")


def test_slots_come_from_opening_hours_and_counters_in_local_time(mission: Mission, renewal: Service) -> None:
    made = slots_release(mission=mission, service=renewal, first_day=MONDAY, days=7, minutes=30, per_counter=1,
                         released_at=NOW)
    assert made == 3  # Monday 09:00 and 09:30, Sunday 09:00
    first = Slot.objects.order_by("starts_at").first()
    assert first is not None and first.starts_at == dt.datetime(2027, 1, 4, 9, tzinfo=SG) and first.capacity == 2
    assert slots_release(mission=mission, service=renewal, first_day=MONDAY, days=7, minutes=30, per_counter=1,
                         released_at=NOW) == 0  # released days are not released twice
    assert [free for _slot, free in open_slots(mission=mission, service=renewal, now=NOW)] == [2, 2, 2]
    assert open_slots(mission=mission, service=renewal, now=NOW - dt.timedelta(days=1)) == []  # not yet released


def test_one_booking_per_person_and_service_and_one_person_per_place(mission: Mission, renewal: Service) -> None:
    slots_release(mission=mission, service=renewal, first_day=MONDAY, days=1, minutes=30, per_counter=1,
                  released_at=NOW)
    slot, later = Slot.objects.order_by("starts_at")
    a, b, c = person(1), person(2), person(3)
    first = booking_create(citizen=a, slot_id=slot.pk, service=renewal, now=NOW)
    assert first.place == 1 and len(first.reference) == 8
    with pytest.raises(Conflict):  # the same person again (a double submit, a second tab, another slot)
        booking_create(citizen=a, slot_id=later.pk, service=renewal, now=NOW)
    assert booking_create(citizen=b, slot_id=slot.pk, service=renewal, now=NOW).place == 2
    with pytest.raises(Conflict):  # two counters, two places: full
        booking_create(citizen=c, slot_id=slot.pk, service=renewal, now=NOW)
    legal = Service.objects.get(code="legalisation", mission__isnull=True)
    other = Slot.objects.create(mission=mission, service=None, starts_at=later.starts_at, ends_at=later.ends_at,
                                capacity=1, released_at=NOW)
    assert booking_create(citizen=a, slot_id=other.pk, service=legal, now=NOW).status == "active"  # another service
    booking_cancel(citizen=b, reference=Booking.objects.get(citizen=b).reference, now=NOW)
    assert booking_create(citizen=c, slot_id=slot.pk, service=renewal, now=NOW).place == 2  # the freed place
    # The promises hold in the database itself, not only in the service:
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(reference="DUPLICAT", slot=slot, place=1, service=renewal, citizen=b,
                               identity="nik:other", created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(reference="TWICE123", slot=later, place=1, service=renewal, citizen=a,
                               identity=first.identity, created_at=NOW)


def test_reschedule_keeps_the_old_appointment_when_the_new_slot_is_full(mission: Mission, renewal: Service) -> None:
    slots_release(mission=mission, service=renewal, first_day=MONDAY, days=1, minutes=30, per_counter=1,
                  released_at=NOW)
    slot, later = Slot.objects.order_by("starts_at")
    a, b, c = person(1), person(2), person(3)
    mine = booking_create(citizen=a, slot_id=slot.pk, service=renewal, now=NOW)
    moved = booking_reschedule(citizen=a, reference=mine.reference, slot_id=later.pk, now=NOW)
    assert moved.slot == later and Booking.objects.get(pk=mine.pk).status == "cancelled"
    booking_create(citizen=b, slot_id=slot.pk, service=renewal, now=NOW)
    booking_create(citizen=c, slot_id=slot.pk, service=renewal, now=NOW)
    with pytest.raises(Conflict):
        booking_reschedule(citizen=a, reference=moved.reference, slot_id=slot.pk, now=NOW)
    assert Booking.objects.get(pk=moved.pk).status == "active"  # nothing half-done


def test_bad_bookings_get_a_clear_answer(mission: Mission, renewal: Service) -> None:
    slots_release(mission=mission, service=renewal, first_day=MONDAY, days=1, minutes=30, per_counter=1,
                  released_at=NOW)
    slot = Slot.objects.order_by("starts_at").first()
    assert slot is not None
    with pytest.raises(BadInput):  # not released yet
        booking_create(citizen=person(1), slot_id=slot.pk, service=renewal, now=NOW - dt.timedelta(hours=1))
    with pytest.raises(BadInput):  # already past
        booking_create(citizen=person(2), slot_id=slot.pk, service=renewal, now=slot.starts_at)
    nobody = Citizen.objects.create(full_name="Tanpa Identitas")
    with pytest.raises(BadInput) as err:
        booking_create(citizen=nobody, slot_id=slot.pk, service=renewal, now=NOW)
    assert err.value.field == "identity"
    with pytest.raises(BadInput):  # a slot of one service is not for another
        booking_create(citizen=person(3), slot_id=slot.pk, now=NOW,
                       service=Service.objects.get(code="legalisation", mission__isnull=True))
    assert not Booking.objects.exists()
