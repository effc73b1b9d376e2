"""Capacity planning for a mission (issue 14, point 2): per local day, the places released against the demand —
bookings, searches that found no free slot, bookings lost to a full slot, waitlist joins — with the days that
change demand marked: Sundays (the day off of domestic workers in Hong Kong, Singapore and elsewhere, when they
can come at all) and the weeks before Lebaran (Idul Fitri), when everyone wants a passport to travel home.

Idul Fitri (1 Syawal) is computed with the Umm al-Qura calendar (package hijridate); Indonesia's official date,
set by the government's sidang isbat, can be a day later, which does not matter for a 30-day surge window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from hijridate import Gregorian, Hijri

from embassy.consular.models import LIVE, Demand, OpeningHours, Slot, WaitlistEntry
from embassy.missions.models import Mission

SURGE_DAYS = 30  # the weeks before Lebaran


def lebaran(year: int) -> dt.date:
    """1 Syawal falling in Gregorian `year` (Umm al-Qura)."""
    hijri_year = Gregorian(year, 6, 30).to_hijri().year
    day = Hijri(hijri_year, 10, 1).to_gregorian()
    if day.year != year:  # Syawal of the year before or after: step
        day = Hijri(hijri_year + (1 if day.year < year else -1), 10, 1).to_gregorian()
    return dt.date(day.year, day.month, day.day)


def surge_of(day: dt.date) -> dt.date | None:
    """The Lebaran that `day` falls within SURGE_DAYS before, if any."""
    for year in (day.year, day.year + 1):
        eid = lebaran(year)
        if dt.timedelta(0) <= eid - day <= dt.timedelta(days=SURGE_DAYS):
            return eid
    return None


@dataclass
class Day:
    day: dt.date
    capacity: int = 0
    booked: int = 0
    no_slot: int = 0
    full: int = 0
    waitlist: int = 0
    open: bool = False
    sunday: bool = False
    lebaran: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def demand(self) -> int:
        return self.booked + self.no_slot + self.full + self.waitlist

    @property
    def load(self) -> int | None:
        """Demand as a percentage of capacity (None without capacity)."""
        return round(100 * self.demand / self.capacity) if self.capacity else None


def capacity_plan(*, mission: Mission, first_day: dt.date, days: int) -> tuple[list[Day], dict[str, int]]:
    """Rows per local day in [first_day, first_day + days) and the waiting list now, by service name."""
    zone = ZoneInfo(mission.timezone)
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone)
    end = start + dt.timedelta(days=days)
    rows = {first_day + dt.timedelta(days=n): Day(day=first_day + dt.timedelta(days=n)) for n in range(days)}
    open_days = set(OpeningHours.objects.filter(mission=mission).values_list("weekday", flat=True))
    for row in rows.values():
        row.open, row.sunday, row.lebaran = row.day.weekday() in open_days, row.day.weekday() == 6, surge_of(row.day)
    slots = (Slot.objects.filter(mission=mission, starts_at__gte=start, starts_at__lt=end)
             .annotate(taken=Count("bookings", filter=Q(bookings__status__in=[*LIVE, "attended", "no_show"])))
             .values_list("starts_at", "capacity", "taken"))
    for starts_at, capacity, taken in slots:
        row = rows[starts_at.astimezone(zone).date()]
        row.capacity += capacity
        row.booked += taken
    for at, kind in Demand.objects.filter(mission=mission, at__gte=start, at__lt=end).values_list("at", "kind"):
        row = rows[at.astimezone(zone).date()]
        setattr(row, kind, getattr(row, kind) + 1)
    waiting = dict(WaitlistEntry.objects.filter(mission=mission, status=WaitlistEntry.Status.WAITING)
                   .values("service__name_id").annotate(n=Count("id")).values_list("service__name_id", "n"))
    return [rows[d] for d in sorted(rows)], waiting

