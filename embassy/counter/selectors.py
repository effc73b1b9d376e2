"""Reads of the queue. Public: the kiosk's services, a ticket by its holder's token (position and estimate), the
call-up display's feed (ticket numbers and counters only — nothing about a person). Staff: the clerk's board
and the queue figures, for the missions whose counters a user works (consular.selectors.missions_managed_by)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from embassy.accounts.models import User
from embassy.common.errors import NotFound
from embassy.consular import selectors as consular
from embassy.consular.models import Counter, Service
from embassy.counter import queue
from embassy.counter.models import Ticket
from embassy.missions.models import Mission

DISPLAY_ROWS = 6


def kiosk_mission_get(*, code: str) -> Mission:
    """A mission abroad by code (public pages: the kiosk, the display)."""
    return consular.public_mission_get(code=code)


def kiosk_services(*, mission: Mission) -> list[Service]:
    """The services a walk-in may take a ticket for: what the mission offers."""
    return [offer.service for offer in consular.offers_for(mission=mission)]


def kiosk_service_get(*, mission: Mission, service_id: int) -> Service:
    for service in kiosk_services(mission=mission):
        if service.pk == service_id:
            return service
    raise NotFound("This mission does not offer that service.")


def _today(mission: Mission, now: dt.datetime) -> QuerySet[Ticket]:
    return Ticket.objects.filter(mission=mission, day=queue.mission_day(mission, now))


# --- The ticket holder ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketView:
    """What the holder's phone shows: the number, where it stands and when it is expected (mission's zone)."""

    ticket: Ticket
    ahead: int  # people called before this ticket (0 while it is called or done)
    estimate: dt.timedelta | None  # None unless waiting
    expected_at: dt.datetime | None
    timezone: str

    @property
    def position(self) -> int:
        return self.ahead + 1

    @property
    def estimate_minutes(self) -> int | None:
        return None if self.estimate is None else int(self.estimate.total_seconds() // 60)


def ticket_by_token(*, token: str) -> Ticket:
    ticket = (
        Ticket.objects.select_related("mission", "service", "counter").filter(token=token).first()
        if token
        else None
    )
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


def ticket_view(*, ticket: Ticket, now: dt.datetime | None = None) -> TicketView:
    now = now or timezone.now()
    mission = ticket.mission
    if ticket.status != Ticket.Status.WAITING or ticket.day != queue.mission_day(mission, now):
        return TicketView(ticket=ticket, ahead=0, estimate=None, expected_at=None, timezone=mission.timezone)
    today = list(
        _today(mission, now).only(
            "id",
            "status",
            "priority",
            "kind",
            "due_at",
            "queued_at",
            "counter_id",
            "announced_at",
            "served_at",
            "finished_at",
        )
    )
    waiting = [t for t in today if t.status == Ticket.Status.WAITING]
    ahead = queue.ahead_of(ticket, waiting, now)
    estimate = queue.wait_estimate(
        ahead=ahead,
        per_person_s=queue.per_person_seconds(queue.service_seconds(today)),
        counters=queue.open_counters(today, now),
    )
    return TicketView(
        ticket=ticket, ahead=ahead, estimate=estimate, expected_at=now + estimate, timezone=mission.timezone
    )


# --- The call-up display ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DisplayCall:
    key: str  # changes with every call and recall: the display speaks each key once
    number: str
    counter: str
    announcement: str


@dataclass(frozen=True)
class DisplayFeed:
    calls: list[DisplayCall]  # latest first
    waiting: int
    lang: str  # the announcements' language (speech synthesis voice)


def display_feed(*, mission: Mission, now: dt.datetime | None = None) -> DisplayFeed:
    """The tickets being called or served, latest call first, and how many wait. Only numbers and counters."""
    now = now or timezone.now()
    today = _today(mission, now)
    rows = (
        today.filter(status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING], announced_at__isnull=False)
        .select_related("counter")
        .order_by("-announced_at", "-id")[:DISPLAY_ROWS]
    )
    calls = []
    for t in rows:
        counter = t.counter.name if t.counter else ""
        calls.append(
            DisplayCall(
                key=f"{t.pk}-{t.calls}",
                number=t.label,
                counter=counter,
                announcement=settings.COUNTER_ANNOUNCEMENT.format(number=t.spoken, counter=counter),
            )
        )
    return DisplayFeed(
        calls=calls,
        waiting=today.filter(status=Ticket.Status.WAITING).count(),
        lang=settings.COUNTER_ANNOUNCEMENT_LANG,
    )


# --- Staff ------------------------------------------------------------------------------------------------------
def clerk_missions(*, user: User) -> QuerySet[Mission]:
    return consular.missions_managed_by(user=user)


def clerk_mission_get(*, user: User, code: str) -> Mission:
    return consular.managed_mission_get(user=user, code=code)


def clerk_counters(*, mission: Mission) -> QuerySet[Counter]:
    return Counter.objects.filter(mission=mission, active=True).prefetch_related("services")


def clerk_counter_get(*, mission: Mission, counter_id: int) -> Counter:
    """A counter of a mission the caller has already scoped (clerk_mission_get)."""
    counter = clerk_counters(mission=mission).filter(pk=counter_id).first()
    if counter is None:
        raise NotFound("No such counter at this mission.")
    return counter


def clerk_ticket_get(*, user: User, ticket_id: int) -> Ticket:
    """A ticket of one of the user's missions (NotFound for any other)."""
    ticket = (
        Ticket.objects.select_related("mission", "counter", "service", "booking__citizen")
        .filter(pk=ticket_id, mission__in=clerk_missions(user=user))
        .first()
    )
    if ticket is None:
        raise NotFound("No such ticket among your missions.")
    return ticket


@dataclass(frozen=True)
class Board:
    """The clerk's screen: the counter's current ticket and the day's waiting list in call order."""

    mission: Mission
    counter: Counter | None
    current: Ticket | None
    waiting: list[Ticket]
    counters: list[Counter]
    services: list[Service]


def clerk_board(*, mission: Mission, counter: Counter | None, now: dt.datetime | None = None) -> Board:
    """For a mission already scoped by clerk_mission_get. The current ticket carries its booking's citizen: the
    reading was audited when the ticket was called (services.ticket_call_next)."""
    now = now or timezone.now()
    today = _today(mission, now).select_related("service", "counter", "booking__citizen")
    current = (
        today.filter(counter=counter, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]).first()
        if counter is not None
        else None
    )
    return Board(
        mission=mission,
        counter=counter,
        current=current,
        waiting=queue.in_order(today.filter(status=Ticket.Status.WAITING), now),
        counters=list(clerk_counters(mission=mission)),
        services=kiosk_services(mission=mission),
    )


# --- Figures (issue 14, point 6) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueFigures:
    """A mission's queue on one day, for a dashboard. Seconds are None where nothing was measured yet."""

    mission_code: str
    day: dt.date
    waiting: int  # waiting now
    called: int  # called, not yet at the counter
    serving: int
    done: int
    no_show: int
    issued: int  # tickets of the day (walk-ins + appointments)
    appointments: int
    priority: int
    open_counters: int
    median_wait_s: float | None  # issue → first call, over today's called tickets
    longest_wait_now_s: float | None  # the longest a ticket waiting now has waited
    median_service_s: float | None  # being served → done
    estimate_new_s: float  # what a walk-in issued now would be told


def queue_figures(*, mission: Mission, now: dt.datetime | None = None) -> QueueFigures:
    """For a mission the caller has scoped (clerk_mission_get / clerk_missions, or headquarters)."""
    now = now or timezone.now()
    today = list(_today(mission, now))
    waiting = [t for t in today if t.status == Ticket.Status.WAITING]
    waits = [(t.called_at - t.issued_at).total_seconds() for t in today if t.called_at is not None]
    samples = queue.service_seconds(today)
    counters = queue.open_counters(today, now)
    per_person = queue.per_person_seconds(samples)
    by_status = {s: sum(1 for t in today if t.status == s) for s in Ticket.Status.values}
    return QueueFigures(
        mission_code=mission.code,
        day=queue.mission_day(mission, now),
        waiting=len(waiting),
        called=by_status[Ticket.Status.CALLED],
        serving=by_status[Ticket.Status.SERVING],
        done=by_status[Ticket.Status.DONE],
        no_show=by_status[Ticket.Status.NO_SHOW],
        issued=len(today),
        appointments=sum(1 for t in today if t.kind == Ticket.Kind.APPOINTMENT),
        priority=sum(1 for t in today if t.priority),
        open_counters=counters,
        median_wait_s=float(statistics.median(waits)) if waits else None,
        longest_wait_now_s=max(((now - t.issued_at).total_seconds() for t in waiting), default=None),
        median_service_s=float(statistics.median(samples)) if samples else None,
        estimate_new_s=queue.wait_estimate(
            ahead=len(waiting), per_person_s=per_person, counters=counters
        ).total_seconds(),
    )


def queue_figures_for(*, user: User, now: dt.datetime | None = None) -> list[QueueFigures]:
    """The figures of every mission whose counters `user` works (headquarters' administrators: all)."""
    return [queue_figures(mission=m, now=now) for m in clerk_missions(user=user)]
