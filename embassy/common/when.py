"""Times as people read them: in a place's local time, with its zone, UTC kept for the record.

Stored times are UTC. A citizen reads a time in the zone of their stay, an officer in the mission's zone. The
zone is named by its abbreviation where the time zone database has a real one ("WIB", "JST", "CET"), and as an
offset otherwise ("UTC+8" for Kuala Lumpur, whose database abbreviation is just "+08").
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import formats, timezone

UTC = dt.UTC


@lru_cache(maxsize=512)
def zone(name: str | None) -> dt.tzinfo:
    """The zone for an IANA name; UTC for an empty or unknown name (a time is never lost for want of a zone)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_abbreviation(value: dt.datetime) -> str:
    """ "WIB", "CET", or "UTC+8" / "UTC+5:30" / "UTC" for zones whose abbreviation is only a number."""
    name = value.tzname() or ""
    if name and name[0].isalpha() and not name.startswith(("UTC", "GMT")):
        return name
    offset = value.utcoffset() or dt.timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def in_zone(value: dt.datetime, tz: str | None) -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.astimezone(zone(tz))


def local_label(value: dt.datetime, tz: str | None, *, with_date: bool = True) -> str:
    """ "3 Des 2026 11:19 WIB" (the date in the active language) or "11:19 UTC+8" — for texts (SMS, e-mail)."""
    local = in_zone(value, tz)
    clock = local.strftime("%H:%M")
    if with_date:
        clock = f"{formats.date_format(local, 'j M Y')} {clock}"
    return f"{clock} {zone_abbreviation(local)}"


def utc_label(value: dt.datetime) -> str:
    """ "2026-12-03 03:19 UTC", the record's own time, shown on hover."""
    return in_zone(value, "UTC").strftime("%Y-%m-%d %H:%M UTC")
