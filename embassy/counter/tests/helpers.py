"""Shared set-up of the queue's tests: a mission (Singapore, UTC+8) with two counters, a fixed Monday morning,
services, staff, and appointments written directly as Slot and Booking rows."""

from __future__ import annotations

import datetime as dt

from embassy.accounts.models import User
from embassy.common.tests.factories import make_citizen_with_stay, make_staff, verified
from embassy.consular.booking import identity_of
from embassy.consular.models import Booking, Counter, Service, Slot
from embassy.counter.models import Ticket
from embassy.missions.models import Mission, Role

NOW = dt.datetime(2027, 1, 4, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Singapore
MINUTE = dt.timedelta(minutes=1)


def singapore() -> Mission:
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    Counter.objects.get_or_create(mission=mission, name="Loket 1")
    Counter.objects.get_or_create(mission=mission, name="Loket 2")
    return mission


def counter(mission: Mission, name: str) -> Counter:
    return Counter.objects.get(mission=mission, name=name)


def service(code: str = "passport-renewal") -> Service:
    return Service.objects.get(code=code, mission__isnull=True)


def officer(unit: str = "KBRI-SINGAPORE", role: str = Role.CONSULAR_OFFICER) -> User:
    return verified(make_staff(unit, role))


def booking(mission: Mission, *, starts_at: dt.datetime, n: int = 1, name: str = "Siti Aminah") -> Booking:
    """An active appointment at `starts_at` (a 30-minute slot), written directly."""
    citizen = make_citizen_with_stay(
        1.29, 103.85, name=name, nik=f"31710141019000{n:02d}", passport=f"X76543{n:02d}"
    )
    slot = Slot.objects.create(
        mission=mission,
        service=None,
        starts_at=starts_at,
        ends_at=starts_at + 30 * MINUTE,
        capacity=4,
        released_at=starts_at - dt.timedelta(days=14),
    )
    return Booking.objects.create(
        reference=f"K7Q2MX{n:02d}".replace("0", "Z").replace("1", "Y"),
        slot=slot,
        place=1,
        service=service(),
        citizen=citizen,
        identity=identity_of(citizen),
        created_at=starts_at - dt.timedelta(days=7),
    )


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)
