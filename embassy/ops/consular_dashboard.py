"""The mission's consular dashboard (issue 14, point 6): today's appointments, the queue and its waiting times,
applications by status and by lateness, and today's takings — figures only, never a person.

"Today" is the mission's calendar day in its own zone (midnight to midnight there, applications.selectors
.day_bounds). Every figure is one aggregate query over an index that starts with the mission:

- bookings: consular_slot (mission, starts_at) for the day's slots, then each slot's bookings by slot_id
  (Booking has no mission column); grouped by the slot's start and the booking's status, so the hours, the
  statuses, check-ins and no-shows all come from one query of at most slots × statuses rows;
- places offered: the same slot index;
- waiting list: consular_waitlist_queue (mission, status, created_at);
- queue: counter.selectors.queue_figures (today's tickets, counter_ticket_day_status) and one GROUP BY per
  counter on the same index;
- applications: applications.selectors.status_counts and lateness_counts (index (mission, status, due_on));
- cash: applications.selectors.cash_totals (index (mission, received_at));
- fixer flags: the mission's unreviewed flags (unique (mission, kind, key)).

Callers pass a mission they have scoped (`dashboard_mission_get`); nothing here reads a citizen, an
application's content or a clerk's name, so showing the dashboard needs no audit record."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from embassy.accounts.models import User
from embassy.applications import selectors as application_selectors
from embassy.applications.models import Payment, Status
from embassy.applications.selectors import CashLine
from embassy.common.when import zone, zone_abbreviation
from embassy.consular import selectors as consular
from embassy.consular.models import Booking, FixerFlag, Slot, WaitlistEntry
from embassy.counter import selectors as counter
from embassy.counter.models import Ticket
from embassy.missions.models import Mission

BOOKING_COLUMNS = (
    Booking.Status.ACTIVE,
    Booking.Status.HELD,
    Booking.Status.ATTENDED,
    Booking.Status.NO_SHOW,
    Booking.Status.CANCELLED,
    Booking.Status.EXPIRED,
)
# Bookings that keep (or kept) their place: what the day's load is measured by.
TAKEN = frozenset(
    {Booking.Status.ACTIVE, Booking.Status.HELD, Booking.Status.ATTENDED, Booking.Status.NO_SHOW}
)
STILL_TO_COME = frozenset({Booking.Status.ACTIVE, Booking.Status.HELD})
LATENESS: tuple[tuple[str, Promise, str], ...] = (  # code, words, colour (never colour alone)
    ("late", _("late"), "red"),
    ("due_soon", _("due soon"), "amber"),
    ("on_time", _("on time"), "green"),
    ("no_target", _("no target set"), "grey"),
)


# --- Scoping: the missions whose consular work the user manages ------------------------------------------------


def dashboard_missions(*, user: User) -> QuerySet[Mission]:
    """Consular officers, heads of consular affairs and heads of mission: their own; administrators: all."""
    return consular.missions_managed_by(user=user)


def dashboard_mission_get(*, user: User, code: str) -> Mission:
    """NotFound for a mission the user does not manage (another mission's dashboard is a 404)."""
    return consular.managed_mission_get(user=user, code=code)


# --- The figures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourRow:
    hour: int  # the local hour the slots start in (0-23)
    counts: dict[str, int]  # booking status → bookings
    checked_in: int

    @property
    def label(self) -> str:
        return f"{self.hour:02d}.00"

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in BOOKING_COLUMNS]

    @property
    def taken(self) -> int:
        return sum(n for s, n in self.counts.items() if s in TAKEN)


@dataclass(frozen=True)
class BookingFigures:
    slots: int
    places: int  # capacity of the day's slots
    by_status: dict[str, int]  # every status of BOOKING_COLUMNS, zeros included
    by_hour: list[HourRow]  # hours with at least one slot or booking, in order
    checked_in: int
    still_to_come: int  # booked (or held) for a slot that has not started yet, not checked in

    @property
    def taken(self) -> int:
        return sum(n for s, n in self.by_status.items() if s in TAKEN)

    @property
    def no_show(self) -> int:
        return self.by_status[Booking.Status.NO_SHOW]

    @property
    def free(self) -> int:
        return max(self.places - self.taken, 0)

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(status, label) of the by-hour table's columns."""
        return [(s.value, str(s.label)) for s in BOOKING_COLUMNS]

    @property
    def totals(self) -> list[int]:
        return [self.by_status[s] for s in BOOKING_COLUMNS]


@dataclass(frozen=True)
class CounterLine:
    counter_id: int
    name: str
    at_counter: int  # called or being served now
    done: int
    no_show: int
    waiting: int  # sent to this counter (a transfer) and waiting


@dataclass(frozen=True)
class MethodLine:
    currency: str
    method: str
    count: int
    total: Decimal

    @property
    def method_label(self) -> str:
        return str(Payment.Method(self.method).label)


@dataclass(frozen=True)
class ConsularDashboard:
    mission: Mission
    zone: str  # IANA name
    zone_label: str  # "UTC+8", "WIB" …: how times on the page are labelled
    now: dt.datetime  # aware, in the mission's zone
    today: dt.date  # the mission's calendar day
    day_start: dt.datetime  # [day_start, day_end) in UTC
    day_end: dt.datetime
    bookings: BookingFigures
    waitlist: dict[str, int]  # {"waiting", "offered"}
    queue: counter.QueueFigures
    counters: list[CounterLine]
    applications: dict[str, int]  # status → count, every status
    lateness: dict[str, int]  # LATENESS → count, over the open work
    cash: list[CashLine]  # per counter, currency and method
    cash_by_currency: list[tuple[str, int, Decimal]]
    cash_by_method: list[MethodLine]
    open_fixer_flags: int

    @property
    def application_rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in the order work moves."""
        return [(s.value, str(s.label), self.applications.get(s.value, 0)) for s in Status]

    @property
    def lateness_rows(self) -> list[tuple[str, str, str, int]]:
        """(code, words, colour, count) over the open work."""
        return [(code, str(label), colour, self.lateness.get(code, 0)) for code, label, colour in LATENESS]

    @property
    def applications_total(self) -> int:
        return sum(self.applications.values())

    @property
    def open_work(self) -> int:
        return sum(
            self.applications.get(s, 0)
            for s in (Status.SUBMITTED, Status.DOCUMENTS_CHECKED, Status.IN_PROCESS)
        )


def _bookings(mission: Mission, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> BookingFigures:
    tz = zone(mission.timezone)
    places = Slot.objects.filter(mission=mission, starts_at__gte=start, starts_at__lt=end).aggregate(
        slots=Count("id"), places=Sum("capacity")
    )
    rows = (
        Booking.objects.filter(slot__mission=mission, slot__starts_at__gte=start, slot__starts_at__lt=end)
        .order_by()
        .values_list("slot__starts_at", "status")
        .annotate(n=Count("id"), checked_in=Count("id", filter=Q(checked_in_at__isnull=False)))
    )
    by_status = dict.fromkeys([s.value for s in BOOKING_COLUMNS], 0)
    hours: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    checked_hour: dict[int, int] = defaultdict(int)
    checked_in = still_to_come = 0
    for starts_at, status, n, checked in rows:
        hour = starts_at.astimezone(tz).hour
        by_status[status] = by_status.get(status, 0) + n
        hours[hour][status] += n
        checked_hour[hour] += checked
        checked_in += checked
        if status in STILL_TO_COME and starts_at >= now:
            still_to_come += n - checked
    return BookingFigures(
        slots=int(places["slots"] or 0),
        places=int(places["places"] or 0),
        by_status=by_status,
        by_hour=[HourRow(h, dict(hours[h]), checked_hour[h]) for h in sorted(hours)],
        checked_in=checked_in,
        still_to_come=still_to_come,
    )


def _waitlist(mission: Mission) -> dict[str, int]:
    counts = {"waiting": 0, "offered": 0}
    rows = (
        WaitlistEntry.objects.filter(mission=mission, status__in=list(counts))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    return counts


def _counters(mission: Mission, day: dt.date) -> list[CounterLine]:
    """Today's tickets per counter (names only: no clerk, no person)."""
    rows = (
        Ticket.objects.filter(mission=mission, day=day)
        .order_by()
        .values_list("counter_id", "counter__name", "status")
        .annotate(n=Count("id"))
    )
    names: dict[int, str] = {}
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for counter_id, name, status, n in rows:
        if counter_id is None:
            continue  # waiting for any counter: the queue figures count them
        names[counter_id] = name
        counts[counter_id][status] += n
    out = [
        CounterLine(
            counter_id=counter_id,
            name=names[counter_id],
            at_counter=c[Ticket.Status.CALLED] + c[Ticket.Status.SERVING],
            done=c[Ticket.Status.DONE],
            no_show=c[Ticket.Status.NO_SHOW],
            waiting=c[Ticket.Status.WAITING],
        )
        for counter_id, c in counts.items()
    ]
    return sorted(out, key=lambda c: c.name)


def _cash_summaries(lines: list[CashLine]) -> tuple[list[tuple[str, int, Decimal]], list[MethodLine]]:
    currencies: dict[str, tuple[int, Decimal]] = {}
    methods: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for line in lines:
        n, total = currencies.get(line.currency, (0, Decimal(0)))
        currencies[line.currency] = (n + line.count, total + line.total)
        n, total = methods.get((line.currency, line.method), (0, Decimal(0)))
        methods[(line.currency, line.method)] = (n + line.count, total + line.total)
    return (
        [(c, n, t) for c, (n, t) in sorted(currencies.items())],
        [MethodLine(c, m, n, t) for (c, m), (n, t) in sorted(methods.items())],
    )


def consular_dashboard(*, mission: Mission, now: dt.datetime | None = None) -> ConsularDashboard:
    """The figures of `mission` (already scoped by the caller) on its local day at `now` (default: now).

    Nine queries whatever the mission's size: cash, slots, bookings, waiting list, today's tickets (queue
    figures), tickets per counter, applications by status, by lateness, fixer flags (none per row)."""
    now = now or timezone.now()
    tz = zone(mission.timezone)
    local_now = now.astimezone(tz)
    today = local_now.date()
    start, end = application_selectors.day_bounds(mission, today)
    cash = application_selectors.cash_totals(mission=mission, day=today)
    by_currency, by_method = _cash_summaries(cash)
    return ConsularDashboard(
        mission=mission,
        zone=mission.timezone or "UTC",
        zone_label=zone_abbreviation(local_now),
        now=local_now,
        today=today,
        day_start=start,
        day_end=end,
        bookings=_bookings(mission, start, end, now),
        waitlist=_waitlist(mission),
        queue=counter.queue_figures(mission=mission, now=now),
        counters=_counters(mission, today),
        applications=application_selectors.status_counts(mission_id=mission.pk),
        lateness=application_selectors.lateness_counts(mission_id=mission.pk, today=today),
        cash=cash,
        cash_by_currency=by_currency,
        cash_by_method=by_method,
        open_fixer_flags=FixerFlag.objects.filter(mission=mission, reviewed_at__isnull=True).count(),
    )
