"""The rollup: one mission's last 12 months (mission-local months, the current one included) read once from the
source tables and written as Rollup rows, which are all the public pages read. Run by the periodic task
(embassy.performance.tasks), by `manage.py performance_refresh`, and by the demo.

Each source is read with one query over the window (values only, no model instances), bucketed in Python by
(service, month) and by (service, whole window): counts and sums add up across months, percentiles do not, so
the window's own percentiles are computed from its own values. Formulas: docs/performance.md."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from embassy.applications.models import Application
from embassy.applications.models import Status as AppStatus
from embassy.applications.workdays import working_days_between
from embassy.complaints.models import Channel, Complaint
from embassy.consular.models import Booking
from embassy.counter.models import Ticket
from embassy.missions.models import Mission
from embassy.performance.ikm import FIELDS
from embassy.performance.models import YEAR, Rollup, SurveyResponse
from embassy.sos.models import Case

MONTHS = 12
Key = tuple[int | None, str]  # (service id or None for the whole mission, period)
DONE = (AppStatus.READY, AppStatus.COLLECTED)


def month_starts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the `months` months ending with today's, oldest first."""
    year, month = today.year, today.month
    out: list[dt.date] = []
    for _i in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0-1) of sorted `values`; None when empty."""
    if not values:
        return None
    rank = max(1, math.ceil(p * len(values)))
    return values[rank - 1]


class Buckets:
    """Counts and value lists keyed by (service, period); every add also lands in the mission's row (None) and in
    the window's row (YEAR)."""

    def __init__(self, periods: Iterable[str]) -> None:
        self.periods = set(periods)
        self.counts: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.values: dict[Key, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def _keys(self, service_id: int | None, period: str) -> list[Key]:
        if period not in self.periods:
            return []
        keys: list[Key] = [(None, period), (None, YEAR)]
        if service_id is not None:
            keys += [(service_id, period), (service_id, YEAR)]
        return keys

    def count(self, service_id: int | None, period: str, name: str, by: int = 1) -> None:
        for key in self._keys(service_id, period):
            self.counts[key][name] += by

    def value(self, service_id: int | None, period: str, name: str, value: float) -> None:
        for key in self._keys(service_id, period):
            self.values[key][name].append(value)

    def figures(self) -> dict[Key, dict[str, Any]]:
        out: dict[Key, dict[str, Any]] = {}
        for key in set(self.counts) | set(self.values):
            figures: dict[str, Any] = dict(self.counts.get(key, {}))
            for name, values in self.values.get(key, {}).items():
                values.sort()
                figures[f"{name}_n"] = len(values)
                figures[f"{name}_sum"] = round(sum(values), 3)
                figures[f"{name}_p50"] = percentile(values, 0.5)
                figures[f"{name}_p90"] = percentile(values, 0.9)
            out[key] = figures
        return out


class Window:
    def __init__(self, mission: Mission, now: dt.datetime) -> None:
        self.tz = ZoneInfo(mission.timezone or "UTC")
        today = now.astimezone(self.tz).date()
        self.months = month_starts(today)
        self.start = dt.datetime.combine(self.months[0], dt.time(), tzinfo=self.tz)
        self.now = now

    def local(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.tz).date()

    def period(self, at: dt.datetime) -> str:
        return period_of(self.local(at))


def _bookings(mission: Mission, w: Window, b: Buckets) -> None:
    rows = Booking.objects.filter(slot__mission=mission, slot__starts_at__gte=w.start,
                                  slot__starts_at__lt=w.now + dt.timedelta(days=1))
    for service_id, status, starts_at in rows.values_list("service_id", "status", "slot__starts_at").iterator(
            chunk_size=5000):
        period = w.period(starts_at)
        if status in (Booking.Status.CANCELLED, Booking.Status.EXPIRED):
            b.count(service_id, period, "bookings_cancelled")
            continue
        if starts_at > w.now:
            continue  # booked for later today: neither kept nor missed yet
        b.count(service_id, period, "bookings")
        if status == Booking.Status.NO_SHOW:
            b.count(service_id, period, "no_shows")
        elif status == Booking.Status.ATTENDED:
            b.count(service_id, period, "attended")


def _tickets(mission: Mission, w: Window, b: Buckets) -> None:
    rows = Ticket.objects.filter(mission=mission, day__gte=w.months[0])
    for service_id, kind, status, issued, called in rows.values_list(
            "service_id", "kind", "status", "issued_at", "called_at").iterator(chunk_size=5000):
        period = w.period(issued)
        b.count(service_id, period, "tickets")
        if kind == Ticket.Kind.WALK_IN:
            b.count(service_id, period, "walk_ins")
        if status == Ticket.Status.DONE:
            b.count(service_id, period, "served")
        if called is not None:
            b.value(service_id, period, "wait_min", round((called - issued).total_seconds() / 60, 2))


def _applications(mission: Mission, w: Window, b: Buckets) -> None:
    # Received in the window (with whether they are done by now), and done in the window (with their time).
    rows = (Application.objects.filter(mission=mission)
            .filter(Q(submitted_at__gte=w.start) | Q(status__in=DONE, updated_at__gte=w.start)
                    | Q(status=AppStatus.REJECTED, updated_at__gte=w.start))
            .annotate(done_at=Min("events__at", filter=Q(events__status__in=DONE)))
            .values_list("service_id", "submitted_at", "due_on", "status", "done_at"))
    for service_id, submitted, due_on, status, done_at in rows.iterator(chunk_size=5000):
        if submitted >= w.start:
            period = w.period(submitted)
            b.count(service_id, period, "apps_received")
            if done_at is not None or status == AppStatus.REJECTED:
                b.count(service_id, period, "apps_completed")
        if done_at is None or done_at < w.start:
            continue
        period = w.period(done_at)
        b.count(service_id, period, "apps_done")
        days = working_days_between(w.local(submitted), w.local(done_at))
        b.value(service_id, period, "proc_days", float(max(days, 0)))
        if due_on is not None:
            b.count(service_id, period, "apps_with_target")
            if w.local(done_at) <= due_on:
                b.count(service_id, period, "apps_on_time")


def _complaints(mission: Mission, w: Window, b: Buckets) -> None:
    rows = Complaint.objects.filter(mission=mission).filter(
        Q(filed_at__gte=w.start) | Q(resolved_at__gte=w.start) | Q(closed_at__gte=w.start))
    online = (Channel.WEB, Channel.API)
    for filed, resolved, closed, channel in rows.values_list(
            "filed_at", "resolved_at", "closed_at", "channel").iterator(chunk_size=5000):
        if filed >= w.start:
            b.count(None, w.period(filed), "complaints_filed")
            if channel in online:
                b.count(None, w.period(filed), "complaints_online")
        if resolved is not None and resolved >= w.start:
            period = w.period(resolved)
            b.count(None, period, "complaints_resolved")
            b.value(None, period, "resolve_h", round((resolved - filed).total_seconds() / 3600, 2))
        if closed is not None and closed >= w.start:
            b.count(None, w.period(closed), "complaints_closed")


def _sos(mission: Mission, w: Window, b: Buckets) -> None:
    rows = Case.objects.filter(mission=mission, raised_at__gte=w.start)
    for raised, acked in rows.values_list("raised_at", "acknowledged_at").iterator(chunk_size=5000):
        period = w.period(raised)
        b.count(None, period, "sos_raised")
        if acked is not None:
            b.count(None, period, "sos_acked")
            b.value(None, period, "ack_min", round(max((acked - raised).total_seconds(), 0) / 60, 2))


def _surveys(mission: Mission, w: Window, b: Buckets) -> None:
    rows = SurveyResponse.objects.filter(mission=mission, answered_at__gte=w.start)
    for service_id, answered, *answers in rows.values_list("service_id", "answered_at", *FIELDS).iterator(
            chunk_size=5000):
        period = w.period(answered)
        b.count(service_id, period, "responses")
        for name, value in zip(FIELDS, answers, strict=True):
            b.count(service_id, period, f"{name}_sum", value)


SOURCES = (_bookings, _tickets, _applications, _complaints, _sos, _surveys)


def rollup_mission(*, mission: Mission, now: dt.datetime | None = None) -> int:
    """Rebuild `mission`'s rows; the number written."""
    now = now or timezone.now()
    w = Window(mission, now)
    buckets = Buckets([period_of(m) for m in w.months])
    for source in SOURCES:
        source(mission, w, buckets)
    figures = buckets.figures()
    figures.setdefault((None, YEAR), {})  # a mission with nothing yet still has its (empty) year
    rows = [Rollup(mission=mission, service_id=service_id, period=period, figures=values, built_at=now)
            for (service_id, period), values in figures.items()]
    with transaction.atomic():
        Rollup.objects.filter(mission=mission).delete()
        Rollup.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def rollup_all(*, now: dt.datetime | None = None) -> int:
    """Every active mission abroad; rows written."""
    now = now or timezone.now()
    missions = Mission.objects.filter(active=True).exclude(kind=Mission.Kind.HQ).order_by("code")
    return sum(rollup_mission(mission=m, now=now) for m in missions)
