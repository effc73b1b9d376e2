"""Days as the mission counts them: a stay's dates are the mission's local dates of its check-in and check-out."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from embassy.common.when import zone
from embassy.missions.models import Mission


def local_date(at: dt.datetime, tz: str | None) -> dt.date:
    return at.astimezone(zone(tz)).date()


def mission_today(mission: Mission, now: dt.datetime | None = None) -> dt.date:
    return local_date(now or timezone.now(), mission.timezone)


def day_start(day: dt.date, tz: str | None) -> dt.datetime:
    """The UTC instant of the local midnight that starts `day`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone(tz)).astimezone(dt.UTC)


def stay_days(checked_in: dt.date, checked_out: dt.date | None, today: dt.date) -> int:
    """Length of stay in days: the local midnights spent in the shelter (0 for a same-day stay), so that the
    days of all stays add up to the occupied beds of the daily report."""
    return max(0, ((checked_out or today) - checked_in).days)
