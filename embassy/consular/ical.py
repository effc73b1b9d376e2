"""iCalendar (RFC 5545) files for appointments, written here (a few lines of text) and checked in the tests with
the independent `icalendar` package. Times are the mission's local times with their zone: DTSTART;TZID=…
with a VTIMEZONE built from the IANA zone's own transitions (zoneinfo), so a calendar shows 09:00 in
Singapore as 09:00 in Singapore and not two hours early; no floating or UTC-only times."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PRODID = "-//Smart Embassy//Consular appointments//EN"


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", ""))


def fold(line: str) -> str:
    """Lines longer than 75 octets are folded (3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _offset(delta: dt.timedelta | None) -> str:
    seconds = int((delta or dt.timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}{rest // 60:02d}" + (f"{rest % 60:02d}" if rest % 60 else "")


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def transitions(zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The UTC instants in [start, end) at which the zone's offset changes (found day by day, then to the minute)."""
    found = []
    day = dt.timedelta(days=1)
    at = start
    while at < end:
        nxt = min(at + day, end)
        if at.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            low, high = at, nxt
            while high - low > dt.timedelta(minutes=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = mid
                else:
                    high = mid
            found.append(high.replace(second=0, microsecond=0))
        at = nxt
    return found


def vtimezone(name: str, around: dt.datetime) -> list[str]:
    """VTIMEZONE for `name` valid a year either side of `around`'s month: each offset change in that span is one
    STANDARD or DAYLIGHT part; a zone without changes gets one STANDARD part. Cached per zone and month."""
    month = around.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return list(_vtimezone(name, month))


@functools.lru_cache(maxsize=512)
def _vtimezone(name: str, month: dt.datetime) -> tuple[str, ...]:
    zone = ZoneInfo(name)
    start = month - dt.timedelta(days=366)
    end = month + dt.timedelta(days=400)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    changes = transitions(zone, start, end)
    first = start.astimezone(zone)
    if not changes:
        lines += ["BEGIN:STANDARD", f"DTSTART:{_local(first.replace(tzinfo=None))}",
                  f"TZOFFSETFROM:{_offset(first.utcoffset())}", f"TZOFFSETTO:{_offset(first.utcoffset())}",
                  f"TZNAME:{escape(first.tzname() or name)}", "END:STANDARD"]
    previous = first
    for change in changes:
        after = change.astimezone(zone)
        part = "DAYLIGHT" if after.dst() else "STANDARD"
        # the onset in the local time that was in force before it (3.6.5)
        onset = (change + (previous.utcoffset() or dt.timedelta())).replace(tzinfo=None)
        lines += [f"BEGIN:{part}", f"DTSTART:{_local(onset)}", f"TZOFFSETFROM:{_offset(previous.utcoffset())}",
                  f"TZOFFSETTO:{_offset(after.utcoffset())}", f"TZNAME:{escape(after.tzname() or name)}",
                  f"END:{part}"]
        previous = after
    lines.append("END:VTIMEZONE")
    return tuple(lines)


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: dt.datetime  # aware
    ends_at: dt.datetime
    zone: str  # the IANA zone the times are written in
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    cancelled: bool = False
    alarm_before: dt.timedelta | None = dt.timedelta(days=1)


def calendar(event: Event, *, now: dt.datetime) -> str:
    """One VCALENDAR with the event (METHOD:PUBLISH) or its cancellation (METHOD:CANCEL)."""
    zone = ZoneInfo(event.zone)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"METHOD:{'CANCEL' if event.cancelled else 'PUBLISH'}", *vtimezone(event.zone, event.starts_at),
             "BEGIN:VEVENT", f"UID:{escape(event.uid)}", f"DTSTAMP:{_local(now.astimezone(dt.UTC))}Z",
             f"DTSTART;TZID={event.zone}:{_local(event.starts_at.astimezone(zone))}",
             f"DTEND;TZID={event.zone}:{_local(event.ends_at.astimezone(zone))}",
             f"SUMMARY:{escape(event.summary)}", f"SEQUENCE:{event.sequence}",
             f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}", "TRANSP:OPAQUE"]
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.alarm_before and not event.cancelled:
        hours = int(event.alarm_before.total_seconds() // 3600)
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape(event.summary)}",
                  f"TRIGGER:-PT{hours}H", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
