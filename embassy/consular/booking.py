"""Appointments that are fair (issue 14, point 2): slots released in batches from the mission's opening hours
and counters, and bookings that the database keeps honest under any race — a slot's places are held once each
(partial unique index on active bookings), and one person holds one active booking per service, bound to their
NIK or passport (blind indexes), not to an e-mail address. A double submit, two tabs or a thousand clients
racing for the last place get one booking and a clear answer; nothing is half-booked.

A place that frees up (a cancellation, a lapsed offer, a no-show while a session still runs) goes to the
waiting list first, as a held booking the person accepts within CONSULAR_HOLD_MINUTES: a fixer who cancels
a place to hand it to a paying client finds it offered to the next person waiting instead."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, Conflict, NotFound, RateLimited
from embassy.consular import demand, notices
from embassy.consular.models import LIVE, Booking, Counter, Demand, OpeningHours, Service, Slot, WaitlistEntry
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
             .annotate(taken=Count("bookings", filter=Q(bookings__status__in=LIVE)))
             .order_by("starts_at"))
    return [(s, s.capacity - s.taken) for s in slots if s.capacity > s.taken]


def next_release(*, mission: Mission, service: Service, now: dt.datetime) -> tuple[dt.datetime, dt.date, dt.date] | None:
    """The next announced batch: when it opens and the first and last day it covers (mission-local dates)."""
    upcoming = (Slot.objects.filter(mission=mission, released_at__gt=now)
                .filter(Q(service=service) | Q(service__isnull=True)))
    first = upcoming.order_by("released_at", "starts_at").first()
    if first is None:
        return None
    batch = upcoming.filter(released_at=first.released_at)
    last = batch.order_by("-starts_at").first()
    zone = ZoneInfo(mission.timezone)
    return (first.released_at, batch.order_by("starts_at")[0].starts_at.astimezone(zone).date(),
            (last or first).starts_at.astimezone(zone).date())


def demand_note(*, mission: Mission, service: Service, kind: str, now: dt.datetime | None = None) -> None:
    """Count a sign of unmet demand for capacity planning (a search without a free slot, a full slot)."""
    demand.note(mission=mission, service=service, kind=kind, at=now or timezone.now())


def _reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _limit(*, identity: str, client_ip: str, device: str, now: dt.datetime) -> None:
    """Bookings are rate-limited per person, device and network address (429 beyond, docs/consular.md)."""
    day, hour = now - dt.timedelta(days=1), now - dt.timedelta(hours=1)
    recent = Booking.objects.filter(created_at__gt=day)
    if recent.filter(identity=identity).count() >= settings.CONSULAR_BOOKINGS_PER_PERSON_DAY:
        raise RateLimited(_("You have made too many bookings today. Try again tomorrow, or call the mission."),
                          field="slot")
    if device and recent.filter(device=device).count() >= settings.CONSULAR_BOOKINGS_PER_DEVICE_DAY:
        raise RateLimited(_("Too many bookings were made from this device today."), field="slot")
    if client_ip and recent.filter(client_ip=client_ip, created_at__gte=hour).count() \
            >= settings.CONSULAR_BOOKINGS_PER_ADDRESS_HOUR:
        raise RateLimited(_("Too many bookings were made from your network in the last hour. Try again later."),
                          field="slot")


def _open_slot(*, slot_id: int, service: Service, now: dt.datetime) -> Slot:
    slot = Slot.objects.select_related("mission").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(_("No such appointment slot."))
    if slot.released_at > now:
        raise BadInput(_("This slot is not released yet."), field="slot")
    if slot.starts_at <= now:
        raise BadInput(_("This slot has already begun: choose a later time."), field="slot")
    if slot.service_id not in (None, service.pk) or (service.mission_id not in (None, slot.mission_id)):
        raise BadInput(_("This slot is not for that service."), field="slot")
    return slot


def _take_place(*, slot: Slot, service: Service, citizen: Citizen, identity: str, now: dt.datetime,
                status: str = Booking.Status.ACTIVE, hold_until: dt.datetime | None = None, client_ip: str = "",
                device: str = "") -> Booking | None:
    """Insert the booking on the first free place; None when the slot is full. Conflict when the person already
    holds a live booking for the service. Each insert is its own savepoint, so a lost race leaves nothing."""
    for _attempt in range(slot.capacity + 1):
        taken = set(Booking.objects.filter(slot=slot, status__in=LIVE).values_list("place", flat=True))
        free = [p for p in range(1, slot.capacity + 1) if p not in taken]
        if not free:
            return None
        try:
            with transaction.atomic():
                return Booking.objects.create(reference=_reference(), slot=slot, place=free[0], service=service,
                                              citizen=citizen, identity=identity, created_at=now, status=status,
                                              hold_until=hold_until, client_ip=client_ip[:64], device=device[:64])
        except IntegrityError:
            if Booking.objects.filter(identity=identity, service=service, status__in=LIVE).exists():
                raise Conflict(_("You already have an appointment for this service: change or cancel it "
                                 "instead.")) from None
            continue  # someone took that place first: try the next free one
    return None


def booking_create(*, citizen: Citizen, slot_id: int, service: Service, now: dt.datetime | None = None,
                   client_ip: str = "", device: str = "", notify: bool = True) -> Booking:
    """Book a place. Raises Conflict when the person already holds an active booking for the service or the
    slot is full, BadInput for a slot that is not open to this service, RateLimited beyond the limits. Races
    are settled by the database. The confirmation (with its iCalendar file) is queued in the same transaction."""
    now = now or timezone.now()
    identity = identity_of(citizen)
    slot = _open_slot(slot_id=slot_id, service=service, now=now)
    if Booking.objects.filter(slot=slot, status__in=LIVE).count() >= slot.capacity:  # the common answer at a release
        demand_note(mission=slot.mission, service=service, kind=Demand.Kind.FULL, now=now)
        raise Conflict(_("This slot is full: choose another time."))
    _limit(identity=identity, client_ip=client_ip, device=device, now=now)
    with transaction.atomic():
        booking = _take_place(slot=slot, service=service, citizen=citizen, identity=identity, now=now,
                              client_ip=client_ip, device=device)
        if booking is not None and notify:
            notices.booked(booking, now=now)
    if booking is None:
        demand_note(mission=slot.mission, service=service, kind=Demand.Kind.FULL, now=now)  # kept: outside
        raise Conflict(_("This slot is full: choose another time."))
    return booking


def _live_booking(*, citizen: Citizen, reference: str, statuses: list[str]) -> Booking:
    booking = (Booking.objects.select_related("slot__mission", "service", "citizen__user")
               .filter(reference=reference.strip().upper(), citizen=citizen, status__in=statuses).first())
    if booking is None:
        raise NotFound(_("No such active appointment."))
    return booking


def _free(booking: Booking, status: str, now: dt.datetime) -> None:
    """Let the place go and offer it to the waiting list."""
    booking.status, booking.cancelled_at = status, now
    booking.save(update_fields=["status", "cancelled_at"])
    waitlist_offer(slot=booking.slot, now=now)


def booking_cancel(*, citizen: Citizen, reference: str, now: dt.datetime | None = None,
                   notify: bool = True) -> Booking:
    """Cancel an appointment or decline an offer; the place goes to the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _live_booking(citizen=citizen, reference=reference, statuses=LIVE)
        if booking.slot.starts_at <= now:
            raise BadInput(_("This appointment has already begun."), field="reference")
        was = booking.status
        _free(booking, Booking.Status.CANCELLED, now)
        WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.LEFT)
        if notify and was == Booking.Status.ACTIVE:
            notices.cancelled(booking, now=now)
    return booking


def booking_reschedule(*, citizen: Citizen, reference: str, slot_id: int, now: dt.datetime | None = None,
                       client_ip: str = "", device: str = "") -> Booking:
    """Move an appointment to another slot: the old place is let go and the new one taken in one transaction,
    so a move that fails (the new slot full, not open) keeps the old appointment."""
    now = now or timezone.now()
    with transaction.atomic():
        old = booking_cancel(citizen=citizen, reference=reference, now=now, notify=False)
        new = booking_create(citizen=citizen, slot_id=slot_id, service=old.service, now=now, client_ip=client_ip,
                             device=device, notify=False)
        notices.booked(new, now=now, replaces=old)
    return new


# --- Waiting list ----------------------------------------------------------------------------------------------
def waitlist_join(*, citizen: Citizen, mission: Mission, service: Service,
                  now: dt.datetime | None = None) -> WaitlistEntry:
    now = now or timezone.now()
    identity = identity_of(citizen)
    if Booking.objects.filter(identity=identity, service=service, status__in=LIVE).exists():
        raise Conflict(_("You already have an appointment for this service."))
    with transaction.atomic():
        entry = WaitlistEntry.objects.filter(identity=identity, service=service, mission=mission,
                                             status__in=["waiting", "offered"]).first()
        if entry is not None:
            return entry  # joining twice is joining once
        try:
            with transaction.atomic():
                entry = WaitlistEntry.objects.create(mission=mission, service=service, citizen=citizen,
                                                     identity=identity, created_at=now)
        except IntegrityError:
            found = WaitlistEntry.objects.filter(identity=identity, service=service, mission=mission,
                                                 status__in=["waiting", "offered"]).first()
            if found is None:
                raise
            return found
        demand_note(mission=mission, service=service, kind=Demand.Kind.WAITLIST, now=now)
        # a place may be free right now (released earlier, or freed with nobody waiting): offer it at once
        for slot, _free_places in open_slots(mission=mission, service=service, now=now, days=60):
            if waitlist_offer(slot=slot, now=now) is not None:
                break
    return entry


def waitlist_leave(*, citizen: Citizen, entry_id: int, now: dt.datetime | None = None) -> None:
    with transaction.atomic():
        entry = WaitlistEntry.objects.filter(pk=entry_id, citizen=citizen, status__in=["waiting", "offered"]).first()
        if entry is None:
            raise NotFound(_("You are not on that waiting list."))
        held = entry.booking if entry.status == WaitlistEntry.Status.OFFERED else None
        entry.status = WaitlistEntry.Status.LEFT
        entry.save(update_fields=["status"])
        if held is not None and held.status == Booking.Status.HELD:
            _free(held, Booking.Status.CANCELLED, now or timezone.now())


def _hold_until(slot: Slot, now: dt.datetime) -> dt.datetime | None:
    """How long an offer of this slot's place is kept: CONSULAR_HOLD_MINUTES, but only while the person can still
    come (the check-in closes CONSULAR_LATE_MINUTES after the slot); None when under ten minutes would remain."""
    until = min(now + dt.timedelta(minutes=settings.CONSULAR_HOLD_MINUTES), slot.ends_at)
    return until if until - now >= dt.timedelta(minutes=10) else None


def waitlist_offer(*, slot: Slot, now: dt.datetime) -> Booking | None:
    """Offer one free place of `slot` to the longest-waiting person for a service the slot serves."""
    hold_until = _hold_until(slot, now)
    if hold_until is None or slot.released_at > now:
        return None
    waiting = (WaitlistEntry.objects.select_related("citizen__user", "service")
               .filter(mission_id=slot.mission_id, status=WaitlistEntry.Status.WAITING).order_by("created_at", "pk"))
    if slot.service_id is not None:
        waiting = waiting.filter(service_id=slot.service_id)
    for entry in waiting[:20]:
        try:
            held = _take_place(slot=slot, service=entry.service, citizen=entry.citizen, identity=entry.identity,
                               now=now, status=Booking.Status.HELD, hold_until=hold_until)
        except Conflict:
            entry.status = WaitlistEntry.Status.BOOKED  # they booked by themselves meanwhile
            entry.save(update_fields=["status"])
            continue
        if held is None:
            return None  # the place went in the meantime
        entry.status, entry.booking, entry.offers = WaitlistEntry.Status.OFFERED, held, entry.offers + 1
        entry.save(update_fields=["status", "booking", "offers"])
        notices.offered(held, now=now)
        return held
    return None


def offer_accept(*, citizen: Citizen, reference: str, now: dt.datetime | None = None) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = _live_booking(citizen=citizen, reference=reference, statuses=[Booking.Status.HELD])
        if booking.hold_until is None or booking.hold_until <= now:
            raise Conflict(_("This offer has lapsed: the place went to the next person waiting."))
        updated = Booking.objects.filter(pk=booking.pk, status=Booking.Status.HELD).update(
            status=Booking.Status.ACTIVE, hold_until=None)
        if not updated:
            raise Conflict(_("This offer has lapsed: the place went to the next person waiting."))
        booking.status, booking.hold_until = Booking.Status.ACTIVE, None
        WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.BOOKED)
        notices.booked(booking, now=now)
    return booking


def holds_expire(*, now: dt.datetime | None = None) -> int:
    """Lapse the offers not taken in time and offer their places to the next people. A person who let an offer
    lapse goes to the end of the list; after two lapsed offers they leave it (and may join again)."""
    now = now or timezone.now()
    lapsed = 0
    for booking in Booking.objects.select_related("slot").filter(status=Booking.Status.HELD, hold_until__lte=now):
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, status=Booking.Status.HELD).update(
                    status=Booking.Status.EXPIRED, cancelled_at=now):
                continue
            for entry in WaitlistEntry.objects.filter(booking=booking, status=WaitlistEntry.Status.OFFERED):
                # back to the end of the list (the place goes to the next person), or off it after two misses
                entry.status = (WaitlistEntry.Status.LAPSED if entry.offers >= 2 else WaitlistEntry.Status.WAITING)
                entry.booking, entry.created_at = None, now
                entry.save(update_fields=["status", "booking", "created_at"])
            waitlist_offer(slot=booking.slot, now=now)
            lapsed += 1
    return lapsed


# --- The day of the appointment --------------------------------------------------------------------------------
CHECK_IN_PREFIX = "SE1:BOOK:"  # what the confirmation's QR code holds before the reference


def booking_check_in(*, mission: Mission, reference: str, now: dt.datetime | None = None) -> Booking:
    """Check a person in (kiosk or counter) by the reference or the QR content. Idempotent: a second check-in
    returns the same booking. NotFound for no active booking at this mission; BadInput outside the window
    (CONSULAR_EARLY_MINUTES before the slot until CONSULAR_LATE_MINUTES after its end)."""
    now = now or timezone.now()
    ref = reference.strip().upper().removeprefix(CHECK_IN_PREFIX)
    booking = (Booking.objects.select_related("slot", "service", "citizen")
               .filter(reference=ref, slot__mission=mission,
                       status__in=[Booking.Status.ACTIVE, Booking.Status.ATTENDED]).first())
    if booking is None:
        raise NotFound(_("No appointment with this reference at this mission."))
    if booking.status == Booking.Status.ATTENDED:
        return booking
    zone = ZoneInfo(mission.timezone)
    opens = booking.slot.starts_at - dt.timedelta(minutes=settings.CONSULAR_EARLY_MINUTES)
    closes = booking.slot.ends_at + dt.timedelta(minutes=settings.CONSULAR_LATE_MINUTES)
    if now < opens:
        raise BadInput(_("Your appointment is at %(time)s: check-in opens at %(opens)s.") % {
            "time": booking.slot.starts_at.astimezone(zone).strftime("%d-%m-%Y %H:%M %Z"),
            "opens": opens.astimezone(zone).strftime("%d-%m-%Y %H:%M %Z")}, field="reference")
    if now > closes:
        raise BadInput(_("Your appointment was at %(time)s and its check-in has closed. Ask at the counter.") % {
            "time": booking.slot.starts_at.astimezone(zone).strftime("%d-%m-%Y %H:%M %Z")}, field="reference")
    Booking.objects.filter(pk=booking.pk, status=Booking.Status.ACTIVE).update(
        status=Booking.Status.ATTENDED, checked_in_at=now)
    booking.status, booking.checked_in_at = Booking.Status.ATTENDED, now
    return booking


def no_shows_mark(*, now: dt.datetime | None = None) -> int:
    """Active bookings whose check-in has closed become no-shows (the fixer patterns count them)."""
    now = now or timezone.now()
    closed = now - dt.timedelta(minutes=settings.CONSULAR_LATE_MINUTES)
    return Booking.objects.filter(status=Booking.Status.ACTIVE, slot__ends_at__lt=closed).update(
        status=Booking.Status.NO_SHOW)


def sessions_reoffer(*, now: dt.datetime | None = None) -> int:
    """A person who has not checked in by the start of a long session (a morning's walk-in window) is unlikely to
    come: such places are offered to the waiting list once the session is under way, held while it runs.
    Slots shorter than an hour are left alone (their no-show lapses with the slot)."""
    now = now or timezone.now()
    grace = dt.timedelta(minutes=settings.CONSULAR_LATE_MINUTES)
    late = (Booking.objects.select_related("slot").filter(
        status=Booking.Status.ACTIVE, slot__starts_at__lte=now - grace, slot__ends_at__gte=now + dt.timedelta(hours=1)))
    offered = 0
    for booking in late:
        if booking.slot.ends_at - booking.slot.starts_at < dt.timedelta(hours=1):
            continue
        with transaction.atomic():
            if Booking.objects.filter(pk=booking.pk, status=Booking.Status.ACTIVE).update(
                    status=Booking.Status.NO_SHOW, cancelled_at=now):
                offered += waitlist_offer(slot=booking.slot, now=now) is not None
    return offered


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """The day before (mission-local), from CONSULAR_REMINDER_HOUR: one reminder per active booking made before
    that day, with the time in the mission's zone and the iCalendar file again."""
    now = now or timezone.now()
    soon = Booking.objects.select_related("slot__mission", "service", "citizen__user").filter(
        status=Booking.Status.ACTIVE, reminded_at__isnull=True, slot__starts_at__gt=now,
        slot__starts_at__lte=now + dt.timedelta(hours=48))
    sent = 0
    for booking in soon:
        zone = ZoneInfo(booking.slot.mission.timezone)
        local_now = now.astimezone(zone)
        if booking.slot.starts_at.astimezone(zone).date() != local_now.date() + dt.timedelta(days=1):
            continue
        if local_now.hour < settings.CONSULAR_REMINDER_HOUR:
            continue
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another worker sent it
            if booking.created_at.astimezone(zone).date() < local_now.date():
                notices.reminder(booking, now=now)
                sent += 1
    return sent
