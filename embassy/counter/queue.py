"""The queue's rules, kept in one place so the clerk's "call next", the holder's position and the estimates
can never disagree (docs/counter.md):

- call order: priority tickets first (emergency, elderly, pregnant, disability — all equal), then appointments
  whose slot has started, then everyone else; within each group by queue time (`queued_at`: issue time, kept
  through a transfer), then by id;
- a counter calls only the tickets for a service it serves (a counter with no services listed serves all), and a
  ticket transferred to a named counter waits for that counter alone;
- numbers: one series per mission, (mission-local) day and letter — A appointment, B walk-in, P priority.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Sequence

from django.conf import settings

from embassy.common.when import zone
from embassy.consular.models import Counter
from embassy.counter.models import Ticket
from embassy.missions.models import Mission

LETTER_APPOINTMENT, LETTER_WALK_IN, LETTER_PRIORITY = "A", "B", "P"
MAX_NUMBER = 999  # three digits on the display and in the announcement


def letter_for(*, kind: str, priority: str) -> str:
    if priority:
        return LETTER_PRIORITY
    return LETTER_APPOINTMENT if kind == Ticket.Kind.APPOINTMENT else LETTER_WALK_IN


def mission_day(mission: Mission, now: dt.datetime) -> dt.date:
    """The mission's calendar day at `now` (a ticket belongs to the day of the place it is issued in)."""
    return now.astimezone(zone(mission.timezone)).date()


def rank(ticket: Ticket, now: dt.datetime) -> tuple[int, dt.datetime, int]:
    """The sort key of a waiting ticket: lower is called sooner."""
    if ticket.priority:
        group = 0
    elif ticket.kind == Ticket.Kind.APPOINTMENT and ticket.due_at is not None and ticket.due_at <= now:
        group = 1
    else:
        group = 2
    return group, ticket.queued_at, ticket.pk or 0


def in_order(tickets: Iterable[Ticket], now: dt.datetime) -> list[Ticket]:
    return sorted(tickets, key=lambda t: rank(t, now))


def callable_at(ticket: Ticket, counter: Counter, served: set[int]) -> bool:
    """Whether `counter` (serving the service ids `served`; empty: all) may call `ticket`."""
    if ticket.counter_id is not None and ticket.counter_id != counter.pk:
        return False  # transferred to another counter
    return not served or ticket.service_id in served


def ahead_of(ticket: Ticket, waiting: Sequence[Ticket], now: dt.datetime) -> int:
    """How many of the waiting tickets will be called before `ticket` (counter restrictions left aside: the
    estimate is for the mission's queue as a whole)."""
    mine = rank(ticket, now)
    return sum(1 for t in waiting if t.pk != ticket.pk and rank(t, now) < mine)


# --- Estimates -------------------------------------------------------------------------------------------------
def service_seconds(tickets: Iterable[Ticket]) -> list[float]:
    """Service times (being served → done) of finished tickets."""
    return [
        (t.finished_at - t.served_at).total_seconds()
        for t in tickets
        if t.status == Ticket.Status.DONE
        and t.served_at is not None
        and t.finished_at is not None
        and t.finished_at >= t.served_at
    ]


def per_person_seconds(samples: Sequence[float]) -> float:
    """The median of today's service times once there are COUNTER_MIN_SAMPLES of them, else the default."""
    if len(samples) >= max(settings.COUNTER_MIN_SAMPLES, 1):
        return float(statistics.median(samples))
    return settings.COUNTER_DEFAULT_SERVICE_MINUTES * 60.0


def wait_estimate(*, ahead: int, per_person_s: float, counters: int) -> dt.timedelta:
    """median service time × people ahead ÷ open counters (at least one), rounded up to a whole minute."""
    seconds = per_person_s * max(ahead, 0) / max(counters, 1)
    return dt.timedelta(minutes=math.ceil(seconds / 60))


def open_counters(tickets: Iterable[Ticket], now: dt.datetime) -> int:
    """Counters that called a ticket within COUNTER_OPEN_WINDOW_MINUTES, or are calling/serving one now; at
    least one (a queue with nobody at a counter yet still moves once they sit down)."""
    since = now - dt.timedelta(minutes=settings.COUNTER_OPEN_WINDOW_MINUTES)
    busy = {
        t.counter_id
        for t in tickets
        if t.counter_id is not None
        and t.status != Ticket.Status.WAITING
        and (
            t.status in (Ticket.Status.CALLED, Ticket.Status.SERVING)
            or (t.announced_at is not None and t.announced_at >= since)
        )
    }
    return max(len(busy), 1)
