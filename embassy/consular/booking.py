"""Appointments that are fair (issue 14, point 2): slots released in batches from the mission's opening hours
and counters, and bookings that the database keeps honest under any race — a slot's places are held once each
(partial unique index on active bookings), and one person holds one active booking per service, bound to their
NIK or passport (blind indexes), not to an e-mail address. A double submit, two tabs or a thousand clients
racing for the last place get one booking and a clear answer; nothing is half-booked."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, Conflict, NotFound
from embassy.consular.models import Booking, Counter, OpeningHours, Service, Slot
from embassy.missions.models import Mission

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


def identity_of(citizen: Citizen) -> str:
    """The key that binds a booking to a person: their NIK, else their passport (keyed blind indexes)."""
    if citizen.nik_index:
        return f"nik:{citizen.nik_index}"
    if citizen.passport_index:
        return f"passport:{citizen.passport_index}"
    raise BadInput(_("Add your NIK or passport number to your profile before booking: a booking belongs to a "
                     "person, not to an e-mail address."), field="identity")


def slots_release(*, mission: Mission, service: Service | None, first_day: dt.date, days: int, minutes: int,
                  per_counter: int, released_at: dt.datetime) -> int:
    """Create the slots of `days` days from `first_day` out of the mission's opening hours (its local time) and
    the counters that serve `service` (all counters when none is assigned): one slot every `minutes`, with
    `per_counter` places per counter. Returns how many slots were created; a day already released is skipped."""
    if minutes < 5 or per_counter < 1 or days < 1:
        raise BadInput(_("Slots need at least 5 minutes and one place."), field="minutes")
    counters = Counter.objects.filter(mission=mission, active=True)
    serving = [c for c in counters.prefetch_related("services")
               if service is None or not c.services.all() or service in c.services.all()]
    if not serving:
        raise BadInput(_("No counter of the mission serves this service."), field="service")
    zone = ZoneInfo(mission.timezone)
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for h in OpeningHours.objects.filter(mission=mission):
        hours.setdefault(h.weekday, []).append((h.opens, h.closes))
    step = dt.timedelta(minutes=minutes)
    created = []
    for n in range(days):
        day = first_day + dt.timedelta(days=n)
        start_of_day = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        if Slot.objects.filter(mission=mission, service=service, starts_at__gte=start_of_day,
                               starts_at__lt=start_of_day + dt.timedelta(days=1)).exists():
            continue
        for opens, closes in hours.get(day.weekday(), []):
            at = dt.datetime.combine(day, opens, tzinfo=zone)
            end = dt.datetime.combine(day, closes, tzinfo=zone)
            while at + step <= end:
                created.append(Slot(mission=mission, service=service, starts_at=at.astimezone(dt.UTC),
                                    ends_at=(at + step).astimezone(dt.UTC), capacity=per_counter * len(serving),
                                    released_at=released_at))
                at += step
    Slot.objects.bulk_create(created)
    return len(created)


def open_slots(*, mission: Mission, service: Service, now: dt.datetime, days: int = 30) -> list[tuple[Slot, int]]:
    """Released, future slots for the service with their free places (only those with any)."""
    slots = (Slot.objects.filter(mission=mission, released_at__lte=now, starts_at__gt=now,
                                 starts_at__lte=now + dt.timedelta(days=days))
             .filter(Q(service=service) | Q(service__isnull=True))
             .annotate(taken=Count("bookings", filter=Q(bookings__status=Booking.Status.ACTIVE)))
             .order_by("starts_at"))
    return [(s, s.capacity - s.taken) for s in slots if s.capacity > s.taken]


def _reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def booking_create(*, citizen: Citizen, slot_id: int, service: Service, now: dt.datetime | None = None) -> Booking:
    """Book a place. Raises Conflict when the person already holds an active booking for the service or the
    slot is full, BadInput for a slot that is not open to this service. Races are settled by the database."""
    now = now or timezone.now()
    identity = identity_of(citizen)
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(_("No such appointment slot."))
    if slot.released_at > now or slot.starts_at <= now:
        raise BadInput(_("This slot is not open for booking."), field="slot")
    if slot.service_id not in (None, service.pk) or (service.mission_id not in (None, slot.mission_id)):
        raise BadInput(_("This slot is not for that service."), field="slot")
    for _attempt in range(slot.capacity + 1):
        taken = set(Booking.objects.filter(slot=slot, status=Booking.Status.ACTIVE).values_list("place", flat=True))
        free = [p for p in range(1, slot.capacity + 1) if p not in taken]
        if not free:
            break
        try:
            with transaction.atomic():
                return Booking.objects.create(reference=_reference(), slot=slot, place=free[0], service=service,
                                              citizen=citizen, identity=identity, created_at=now)
        except IntegrityError:
            if Booking.objects.filter(identity=identity, service=service, status=Booking.Status.ACTIVE).exists():
                raise Conflict(_("You already have an appointment for this service: change or cancel it "
                                 "instead.")) from None
            continue  # someone took that place first: try the next free one
    raise Conflict(_("This slot is full: choose another time."))


def booking_cancel(*, citizen: Citizen, reference: str, now: dt.datetime | None = None) -> Booking:
    booking = Booking.objects.filter(reference=reference, citizen=citizen, status=Booking.Status.ACTIVE).first()
    if booking is None:
        raise NotFound(_("No such active appointment."))
    booking.status, booking.cancelled_at = Booking.Status.CANCELLED, now or timezone.now()
    booking.save(update_fields=["status", "cancelled_at"])
    return booking


def booking_reschedule(*, citizen: Citizen, reference: str, slot_id: int, now: dt.datetime | None = None) -> Booking:
    """Move an appointment to another slot: the old place is let go and the new one taken in one transaction,
    so a move that fails (the new slot full) keeps the old appointment."""
    now = now or timezone.now()
    with transaction.atomic():
        old = booking_cancel(citizen=citizen, reference=reference, now=now)
        return booking_create(citizen=citizen, slot_id=slot_id, service=old.service, now=now)
