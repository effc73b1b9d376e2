"""Writes of the queue: tickets issued at the kiosk (a walk-in, or an appointment checked in by its QR code or
reference), and the clerk's actions — call next, recall, serve, transfer, finish, no-show. The clerk's actions
are allowed to the consular staff of the ticket's mission (consular.selectors.missions_managed_by) and audited,
with the citizen when the ticket is an appointment (the clerk's screen then shows the person's name)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, Conflict, PermissionDenied, RateLimited
from embassy.consular.booking import booking_check_in
from embassy.consular.models import Booking, Counter, Service
from embassy.consular.selectors import missions_managed_by
from embassy.counter import queue
from embassy.counter.models import Ticket, TicketSeries
from embassy.missions.models import Mission

QR_PREFIX = "SE1:BOOK:"  # what the booking confirmation's QR code holds before the reference
_REFERENCE = re.compile(r"[A-Z0-9]{4,12}")


def reference_from_scan(value: str) -> str:
    """The booking reference in what the kiosk read or the person typed: the QR content "SE1:BOOK:K7Q2MX4P",
    or the reference itself with any case, spaces or dashes ("k7q2 mx4p")."""
    text = value.strip().upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    text = re.sub(r"[\s\-]", "", text)
    if not _REFERENCE.fullmatch(text):
        raise BadInput(
            _("Type the booking code as it is shown on your confirmation, e.g. K7Q2MX4P."), field="reference"
        )
    return text


def kiosk_limit_check(*, ip: str, now: dt.datetime | None = None) -> None:
    """Raise RateLimited when one client address asks the kiosk for more than COUNTER_KIOSK_PER_MINUTE tickets
    or check-ins in a minute (counted in the cache: shared by every process with a Redis cache)."""
    minute = int((now or timezone.now()).timestamp() // 60)
    key = f"counter:kiosk:{ip or '-'}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        used = 1
    if used > settings.COUNTER_KIOSK_PER_MINUTE:
        raise RateLimited(_("Too many tickets from this device. Wait a minute, or ask the staff."))


def _take_number(*, mission: Mission, day: dt.date, letter: str) -> int:
    """The next number of the day's series, under the series row's lock (the caller holds a transaction)."""
    TicketSeries.objects.get_or_create(mission=mission, day=day, letter=letter)
    series = TicketSeries.objects.select_for_update().get(mission=mission, day=day, letter=letter)
    if series.last >= queue.MAX_NUMBER:
        raise Conflict(_("The queue is full for today. Please ask the staff."))
    series.last += 1
    series.save(update_fields=["last"])
    return series.last


def _issue(
    *,
    mission: Mission,
    service: Service,
    kind: str,
    priority: str,
    now: dt.datetime,
    booking: Booking | None = None,
) -> Ticket:
    if priority not in Ticket.Priority.values:
        raise BadInput(_("Choose one of the priority reasons shown."), field="priority")
    day = queue.mission_day(mission, now)
    letter = queue.letter_for(kind=kind, priority=priority)
    with transaction.atomic():
        number = _take_number(mission=mission, day=day, letter=letter)
        return Ticket.objects.create(
            mission=mission,
            day=day,
            letter=letter,
            number=number,
            kind=kind,
            priority=priority,
            service=service,
            booking=booking,
            token=secrets.token_urlsafe(24),
            issued_at=now,
            queued_at=now,
            due_at=booking.slot.starts_at if booking is not None else None,
        )


def ticket_walk_in(
    *, mission: Mission, service: Service, priority: str = "", now: dt.datetime | None = None
) -> Ticket:
    """A ticket for someone without an appointment (the kiosk checked that the mission offers `service`)."""
    return _issue(
        mission=mission,
        service=service,
        kind=Ticket.Kind.WALK_IN,
        priority=priority,
        now=now or timezone.now(),
    )


def ticket_check_in(
    *, mission: Mission, reference: str, priority: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Check an appointment in (consular.booking.booking_check_in: NotFound, or BadInput for another day or
    outside its window) and hand out its ticket. Idempotent: scanning the same code again gives the same
    ticket; two scans at the same instant too (one ticket per booking, kept by the database)."""
    now = now or timezone.now()
    code = reference_from_scan(reference)
    with transaction.atomic():
        booking = booking_check_in(mission=mission, reference=code, now=now)
        existing = Ticket.objects.filter(booking=booking).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return _issue(
                    mission=mission,
                    service=booking.service,
                    kind=Ticket.Kind.APPOINTMENT,
                    priority=priority,
                    now=now,
                    booking=booking,
                )
        except IntegrityError:
            return Ticket.objects.get(booking=booking)


# --- The clerk's actions ----------------------------------------------------------------------------------------
def _require_clerk(actor: User, mission_id: int) -> None:
    if not missions_managed_by(user=actor).filter(pk=mission_id).exists():
        raise PermissionDenied(_("Only the consular staff of this mission work its counters."))


def _audit(actor: User, ticket: Ticket, action: str, **detail: object) -> None:
    audit_record(
        actor=actor,
        action=f"counter.{action}",
        object_type="counter.ticket",
        object_id=ticket.pk,
        citizen_id=ticket.booking.citizen_id if ticket.booking_id and ticket.booking else None,
        mission_code=ticket.mission.code,
        detail={"ticket": ticket.label, "counter": ticket.counter.name if ticket.counter else "", **detail},
    )


def _locked(ticket: Ticket, *allowed: str) -> Ticket:
    """The ticket re-read under a row lock, in one of the `allowed` states (Conflict otherwise: another clerk
    acted first, or the screen was stale)."""
    fresh = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("mission", "counter", "booking")
        .get(pk=ticket.pk)
    )
    if fresh.status not in allowed:
        raise Conflict(
            _("Ticket %(ticket)s is %(status)s now.")
            % {"ticket": fresh.label, "status": fresh.get_status_display()}
        )
    return fresh


def ticket_call_next(*, actor: User, counter: Counter, now: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket this counter may serve (queue.py's order); None when nobody waits for it. Conflict
    while the counter still has a ticket called or being served (finish, transfer or mark it first). Two
    clerks pressing at once never get the same ticket: the call is a conditional update."""
    now = now or timezone.now()
    _require_clerk(actor, counter.mission_id)
    if not counter.active:
        raise BadInput(_("This counter is closed."), field="counter")
    served = set(counter.services.values_list("pk", flat=True))
    with transaction.atomic():
        busy = Ticket.objects.filter(
            counter=counter, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]
        )
        current = busy.first()
        if current is not None:
            raise Conflict(
                _("Counter %(counter)s still has ticket %(ticket)s: finish it first.")
                % {"counter": counter.name, "ticket": current.label}
            )
        waiting = Ticket.objects.filter(
            mission_id=counter.mission_id,
            day=queue.mission_day(counter.mission, now),
            status=Ticket.Status.WAITING,
        )
        for ticket in queue.in_order(waiting, now):
            if not queue.callable_at(ticket, counter, served):
                continue
            taken = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.WAITING).update(
                status=Ticket.Status.CALLED,
                counter=counter,
                called_at=ticket.called_at or now,
                announced_at=now,
                calls=ticket.calls + 1,
                clerk=actor,
            )
            if taken:
                called = Ticket.objects.select_related("mission", "counter", "booking").get(pk=ticket.pk)
                _audit(actor, called, "call")
                return called
    return None


def ticket_recall(*, actor: User, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Announce a called ticket again (the display speaks it once more)."""
    _require_clerk(actor, ticket.mission_id)
    with transaction.atomic():
        fresh = _locked(ticket, Ticket.Status.CALLED)
        fresh.announced_at, fresh.calls = now or timezone.now(), fresh.calls + 1
        fresh.save(update_fields=["announced_at", "calls"])
        _audit(actor, fresh, "recall", calls=fresh.calls)
    return fresh


def ticket_serve(*, actor: User, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """The person has come to the counter: service time starts."""
    _require_clerk(actor, ticket.mission_id)
    with transaction.atomic():
        fresh = _locked(ticket, Ticket.Status.CALLED)
        fresh.status, fresh.served_at, fresh.clerk = Ticket.Status.SERVING, now or timezone.now(), actor
        fresh.save(update_fields=["status", "served_at", "clerk"])
        _audit(actor, fresh, "serve")
    return fresh


def ticket_finish(*, actor: User, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Done. A ticket finished straight from "called" counts as served from its call."""
    now = now or timezone.now()
    _require_clerk(actor, ticket.mission_id)
    with transaction.atomic():
        fresh = _locked(ticket, Ticket.Status.CALLED, Ticket.Status.SERVING)
        fresh.served_at = fresh.served_at or fresh.announced_at or now
        fresh.status, fresh.finished_at = Ticket.Status.DONE, now
        fresh.save(update_fields=["status", "served_at", "finished_at"])
        _audit(actor, fresh, "finish")
    return fresh


def ticket_no_show(*, actor: User, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Called and did not come. The booking stays "attended" (the person did check in at the kiosk)."""
    _require_clerk(actor, ticket.mission_id)
    with transaction.atomic():
        fresh = _locked(ticket, Ticket.Status.CALLED)
        fresh.status, fresh.finished_at = Ticket.Status.NO_SHOW, now or timezone.now()
        fresh.save(update_fields=["status", "finished_at"])
        _audit(actor, fresh, "no_show")
    return fresh


def ticket_transfer(
    *,
    actor: User,
    ticket: Ticket,
    counter: Counter | None = None,
    service: Service | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Send a called or served ticket on to another counter and/or service. It waits again with its original
    queue time (so it is called before anyone who came later) — for `counter` alone when one is named."""
    _require_clerk(actor, ticket.mission_id)
    if counter is None and service is None:
        raise BadInput(_("Choose the counter or the service to send the ticket to."), field="counter")
    if counter is not None and (counter.mission_id != ticket.mission_id or not counter.active):
        raise BadInput(_("Choose an open counter of this mission."), field="counter")
    if service is not None and service.mission_id not in (None, ticket.mission_id):
        raise BadInput(_("Choose a service of this mission."), field="service")
    with transaction.atomic():
        fresh = _locked(ticket, Ticket.Status.CALLED, Ticket.Status.SERVING)
        before = {
            "from_counter": fresh.counter.name if fresh.counter else "",
            "from_service": fresh.service.code,
        }
        if counter is not None and counter.pk == fresh.counter_id and service in (None, fresh.service):
            raise BadInput(_("The ticket is already at this counter."), field="counter")
        fresh.status, fresh.counter = Ticket.Status.WAITING, counter
        fresh.service = service or fresh.service
        fresh.served_at, fresh.transfers = None, fresh.transfers + 1
        fresh.save(update_fields=["status", "counter", "service", "served_at", "transfers"])
        _audit(actor, fresh, "transfer", to_service=fresh.service.code, **before)
    return fresh
