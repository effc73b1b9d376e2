"""The daily occupancy report of a shelter, computed from check-in and check-out times alone.

Definitions (the mission's local dates):
- a stay occupies a bed on day D when it began on or before D and ended after D (checked in on D or earlier,
  still there at the midnight that ends D) — a midnight census, as hospitals count beds;
- arrivals of D: check-ins on D; departures of D: check-outs on D; so occupied(D) = occupied(D−1) +
  arrivals(D) − departures(D);
- a stay's length is its number of occupied days (the midnights spent): the occupied beds of all days add
  up to the lengths of all stays;
- average length of stay on D: the mean days so far (D − check-in date + 1) of those occupying a bed on D;
  for the whole range: the mean length of the stays that ended in it.

Cost: one query for the stays that overlap the range, then one pass over them (difference arrays) and one over
the days — O(stays + days), whatever the length of the range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from embassy.common.errors import BadInput
from embassy.shelters.days import day_start, local_date
from embassy.shelters.models import Residence, Shelter

MAX_DAYS = 3660  # ten years in one report


@dataclass(frozen=True)
class Day:
    day: dt.date
    occupied: int
    arrivals: int
    departures: int
    average_stay: float | None  # mean days so far of those occupying a bed; None when nobody does


@dataclass(frozen=True)
class Report:
    shelter: Shelter
    start: dt.date
    end: dt.date
    days: list[Day]
    bed_days: int  # sum of occupied over the range
    arrivals: int
    departures: int
    average_completed_stay: float | None  # mean length of the stays that ended in the range
    peak: int

    @property
    def occupancy_rate(self) -> float:
        """Occupied bed-days over available bed-days (beds × days), 0..1 (above 1 in overflow)."""
        available = self.shelter.beds * len(self.days)
        return self.bed_days / available if available else 0.0


def parse_range(start: str, end: str, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """Dates from ISO text; the default range is the last 30 days. End after today is cut to today."""
    try:
        last = dt.date.fromisoformat(end) if end else today
    except ValueError as exc:
        raise BadInput(_("Give the date as YYYY-MM-DD."), field="end") from exc
    try:
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
    except ValueError as exc:
        raise BadInput(_("Give the date as YYYY-MM-DD."), field="start") from exc
    last = min(last, today)
    if first > last:
        raise BadInput(_("The start must be on or before the end (and not after today)."), field="start")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadInput(_("At most %(days)s days in one report.") % {"days": MAX_DAYS}, field="end")
    return first, last


def occupancy(*, shelter: Shelter, start: dt.date, end: dt.date) -> Report:
    """The report for the shelter from `start` to `end` inclusive (local dates). The caller has checked the
    user's scope (`selectors.shelter_get_for`); the report has counts only, no personal data."""
    tz = shelter.mission.timezone
    n = (end - start).days + 1
    begin, finish = day_start(start, tz), day_start(end + dt.timedelta(days=1), tz)
    stays = Residence.objects.filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=begin),
                                     shelter=shelter, checked_in_at__lt=finish).values_list("checked_in_at",
                                                                                            "checked_out_at")
    # Difference arrays over day indexes 0..n (index n = after the range): occupancy, and the sum of the
    # check-in day indexes of those occupying (for the mean days so far).
    occ = [0] * (n + 1)
    in_sum = [0] * (n + 1)
    arrivals = [0] * n
    departures = [0] * n
    completed: list[int] = []
    for checked_in, checked_out in stays:
        a = (local_date(checked_in, tz) - start).days
        b = (local_date(checked_out, tz) - start).days if checked_out else n
        if 0 <= a < n:
            arrivals[a] += 1
        if checked_out is not None and 0 <= b < n:
            departures[b] += 1
            completed.append(b - a)
        lo, hi = max(a, 0), min(b, n)
        if lo < hi:  # occupies days lo..hi-1 of the range
            occ[lo] += 1
            occ[hi] -= 1
            in_sum[lo] += a
            in_sum[hi] -= a
    days = list(_days(start, n, occ, in_sum, arrivals, departures))
    bed_days = sum(d.occupied for d in days)
    return Report(
        shelter=shelter, start=start, end=end, days=days, bed_days=bed_days, arrivals=sum(arrivals),
        departures=sum(departures),
        average_completed_stay=round(sum(completed) / len(completed), 1) if completed else None,
        peak=max((d.occupied for d in days), default=0),
    )


def _days(start: dt.date, n: int, occ: list[int], in_sum: list[int], arrivals: list[int],
          departures: list[int]) -> Iterator[Day]:
    present = total_in = 0
    for i in range(n):
        present += occ[i]
        total_in += in_sum[i]
        # days so far on day i of a stay that began on day a: i - a + 1
        average = round((present * (i + 1) - total_in) / present, 1) if present else None
        yield Day(start + dt.timedelta(days=i), present, arrivals[i], departures[i], average)


CSV_HEADER = ["date", "beds", "occupied", "free", "arrivals", "departures", "average_stay_days"]


def csv_rows(report: Report) -> Iterator[list[object]]:
    for d in report.days:
        yield [d.day.isoformat(), report.shelter.beds, d.occupied, max(0, report.shelter.beds - d.occupied),
               d.arrivals, d.departures, "" if d.average_stay is None else d.average_stay]
