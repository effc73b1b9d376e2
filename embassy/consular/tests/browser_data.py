"""Set-up and look-ups of the consular browser test (test_browser_consular.py), run on the test server's database
through harness.ServerSpec.setup and Server.call: KBRI Kuala Lumpur (whose demo consular officer, kl.consular,
works its counters and applications) open every day with one counter, one released passport-renewal slot per
viewport starting soon (inside the kiosk's check-in window), and one citizen per viewport with an e-mail address
and their NIK and passport in the profile (a booking belongs to a person, not to an address)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from embassy.accounts.demo import demo_staff_ensure
from embassy.citizens.services import citizen_update
from embassy.citizens.tests.factories import CitizenUserFactory
from embassy.consular.booking import reminders_send
from embassy.consular.models import Booking, Counter, OpeningHours, Service, Slot
from embassy.missions.models import Mission
from embassy.notify.models import Message

MISSION = "KBRI-KUALA-LUMPUR"
SERVICE = "passport-renewal"
PEOPLE = {  # viewport → (e-mail, NIK, passport number)
    "phone": ("warga.ponsel@example.com", "3171014101900011", "X7654311"),
    "desktop": ("warga.meja@example.com", "3171014101900012", "X7654312"),
}


def setup(minutes_ahead: list[int]) -> dict[str, Any]:
    """The mission, its counter and opening hours, a slot per viewport `minutes_ahead` minutes from now (released
    an hour ago, one place) and the citizens. Returns the mission's zone and, per viewport, the slot's id and
    start (ISO, UTC) and the citizen's e-mail address."""
    demo_staff_ensure()
    mission = Mission.objects.get(code=MISSION)
    for weekday in range(7):  # open every day, so the slots below lie within opening hours whatever the day
        OpeningHours.objects.get_or_create(
            mission=mission, weekday=weekday, opens=dt.time(0), closes=dt.time(23, 59)
        )
    Counter.objects.get_or_create(mission=mission, name="Loket 1")
    renewal = Service.objects.get(code=SERVICE, mission__isnull=True)
    now = timezone.now().replace(second=0, microsecond=0)
    people: dict[str, Any] = {}
    for (viewport, (email, nik, passport)), ahead in zip(PEOPLE.items(), minutes_ahead, strict=True):
        # A slot of its own made directly rather than by slots_release: the released day's slots would all be
        # listed, and the test needs one that starts within the check-in window (CONSULAR_EARLY_MINUTES).
        starts = now + dt.timedelta(minutes=ahead)
        slot = Slot.objects.create(
            mission=mission,
            service=renewal,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=15),
            capacity=1,
            released_at=now - dt.timedelta(hours=1),
        )
        user = CitizenUserFactory.create(email=email)
        citizen_update(
            citizen=user.citizen,
            actor=None,
            data={"nik": nik, "passport_number": passport, "full_name": f"Warga Uji {viewport.title()}"},
        )
        people[viewport] = {"slot": slot.pk, "starts_at": slot.starts_at.isoformat(), "email": email}
    return {"mission": MISSION, "zone": mission.timezone, "people": people}


def reminder_for(reference: str) -> dict[str, Any]:
    """Run the day-before reminder for booking `reference` as the scheduler would have run it, and return what was
    queued.

    The booking was made minutes before its slot (the test has to check it in today), so no real "day before"
    lies between the booking and the slot. To drive the real code path rather than call notices.reminder
    directly, the booking's created_at is moved to two days before the slot (as if booked then) and
    reminders_send runs with `now` at 10:30 mission-local on the day before the slot (CONSULAR_REMINDER_HOUR is
    10). Only created_at is rewritten; what reminders_send picks, skips and sends is its own."""
    booking = Booking.objects.select_related("slot__mission", "citizen__user").get(reference=reference)
    zone = ZoneInfo(booking.slot.mission.timezone)
    day = booking.slot.starts_at.astimezone(zone).date()
    now = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(10, 30), tzinfo=zone)
    Booking.objects.filter(pk=booking.pk).update(created_at=now - dt.timedelta(days=1))
    sent = reminders_send(now=now.astimezone(dt.UTC))
    reminded = Booking.objects.get(pk=booking.pk).reminded_at
    messages = Message.objects.filter(kind="consular.reminder", user=booking.citizen.user)
    return {
        "sent": sent,
        "reminded": reminded is not None,
        "messages": [
            {
                "channel": m.channel,
                "subject": m.subject,
                "body": m.body,
                "attachments": [a.get("filename", "") for a in (m.data or {}).get("attachments", [])],
            }
            for m in messages
        ],
    }


def kinds_for(email: str) -> list[str]:
    """The kinds of the messages queued for the citizen with this address, oldest first."""
    return list(Message.objects.filter(user__email=email).order_by("id").values_list("kind", flat=True))
