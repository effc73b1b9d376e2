"""GDACS RSS feeds (live `xml/rss.xml` and the archive query `rss.aspx?profile=ARCHIVE`).

Each `<item>` is one episode of an event: `gdacs:eventtype` (EQ, TC, FL, VO, DR, WF) + `gdacs:eventid`
name the event, `gdacs:episodeid` the episode. Position is `georss:point` "lat lon" (authoritative),
else `geo:Point/geo:lat` + `geo:long`. Dates are RFC 822.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

from embassy.crises.feeds.common import (
    FeedError,
    FeedEvent,
    ItemError,
    Kind,
    ParseResult,
    alpha2_from_alpha3,
    as_utc,
    check_lat_lon,
    strip_bom,
    text_float,
)

logger = logging.getLogger(__name__)

NS = {
    "gdacs": "http://www.gdacs.org",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "georss": "http://www.georss.org/georss",
    "dc": "http://purl.org/dc/elements/1.1/",
}
KINDS: dict[str, Kind] = {
    "EQ": "earthquake",
    "TC": "cyclone",
    "FL": "flood",
    "VO": "volcano",
    "DR": "drought",
    "WF": "wildfire",
}
_ALERT_LEVELS = {"green", "orange", "red"}
_EVENT_TYPE = re.compile(r"[A-Z]{2}")
_EVENT_ID = re.compile(r"\d+")
_DEPTH = re.compile(r"Depth:\s*(\d+(?:\.\d+)?)\s*km", re.IGNORECASE)
# Entity declarations are the XML bomb / external-entity vector; a news feed never needs them.
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_gdacs(text: str | bytes) -> ParseResult:
    """Parse a GDACS RSS document.

    Raises FeedError when the document is not well-formed XML, declares a DTD, or is not RSS with a
    channel. A bad item is skipped, logged and reported in `ParseResult.errors`; the others are kept.
    """
    data = strip_bom(text)
    raw_bytes = data.encode("utf-8") if isinstance(data, str) else data
    if _DTD.search(raw_bytes):
        raise FeedError("GDACS feed declares a DTD or entities, which are refused")
    try:
        # Safe here: DTDs are refused above, so no entity expansion can happen.
        root = ET.fromstring(raw_bytes)  # noqa: S314
    except ET.ParseError as exc:
        raise FeedError(f"GDACS feed is not well-formed XML: {exc}") from exc
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError(f"GDACS feed is not RSS with a <channel> (root is <{root.tag}>)")

    result = ParseResult()
    for index, item in enumerate(channel.findall("item")):
        guid = (item.findtext("guid") or "").strip()
        where = f"GDACS item #{index}" + (f" (guid {guid})" if guid else "")
        result.add(logger, where, partial(_parse_item, item), key=lambda e: (e.source_id, e.episode),
                   duplicate="duplicate event/episode in the same document")
    return result


def _text(item: ET.Element, path: str) -> str:
    return (item.findtext(path, namespaces=NS) or "").strip()


def _parse_item(item: ET.Element) -> FeedEvent:
    event_type, event_id = _event_id(item)
    kind = KINDS.get(event_type, "other")
    lat, lon = _position(item)
    occurred_at, updated_at = _dates(item)
    alert = _text(item, "gdacs:alertlevel").lower()
    severity = item.find("gdacs:severity", NS)
    magnitude, depth_km = _quake(item, severity) if kind == "earthquake" else (None, None)
    iso3 = _text(item, "gdacs:iso3")
    return FeedEvent(
        source="gdacs",
        source_id=f"{event_type}{event_id}",
        kind=kind,
        title=_text(item, "title") or f"{event_type}{event_id}",
        magnitude=magnitude,
        severity_label=alert if alert in _ALERT_LEVELS else "",
        lat=lat,
        lon=lon,
        depth_km=depth_km,
        occurred_at=occurred_at,
        updated_at=updated_at,
        url=_text(item, "link"),
        country=alpha2_from_alpha3(iso3) if iso3 else "",
        episode=_text(item, "gdacs:episodeid"),
        raw=_raw(item, event_type, event_id, severity),
    )


def _event_id(item: ET.Element) -> tuple[str, str]:
    """(event type, event id), e.g. ("EQ", "1234567"): together, the event's id at GDACS."""
    event_type = _text(item, "gdacs:eventtype").upper()
    event_id = _text(item, "gdacs:eventid")
    if not event_type or not event_id:
        raise ItemError("missing gdacs:eventtype or gdacs:eventid")
    if not _EVENT_TYPE.fullmatch(event_type) or not _EVENT_ID.fullmatch(event_id):
        raise ItemError(f"malformed event id {event_type!r}/{event_id!r}")
    return event_type, event_id


def _dates(item: ET.Element) -> tuple[datetime, datetime]:
    """(occurred at, updated at)."""
    occurred_at = _date(item, "gdacs:fromdate") or _date(item, "pubDate")
    if occurred_at is None:
        raise ItemError("missing date (gdacs:fromdate and pubDate)")
    updated_at = (
        _date(item, "gdacs:datemodified") or _date(item, "pubDate") or _date(item, "gdacs:todate")
    ) or occurred_at
    return occurred_at, updated_at


def _severity(severity: ET.Element | None) -> tuple[str, str]:
    """(its text, its value attribute) of gdacs:severity."""
    if severity is None:
        return "", ""
    return (severity.text or "").strip(), severity.get("value", "").strip()


def _quake(item: ET.Element, severity: ET.Element | None) -> tuple[float | None, float | None]:
    """(magnitude, depth in km) of an earthquake."""
    severity_text, severity_value = _severity(severity)
    magnitude = text_float(severity_value, "magnitude (gdacs:severity value)") if severity_value else None
    # GDACS gives depth only in prose: "Magnitude 5.6M, Depth:10km".
    match = _DEPTH.search(severity_text) or _DEPTH.search(_text(item, "title"))
    return magnitude, float(match.group(1)) if match else None


def _raw(item: ET.Element, event_type: str, event_id: str, severity: ET.Element | None) -> dict[str, Any]:
    """The item's own fields worth keeping (empty ones left out)."""
    severity_text, severity_value = _severity(severity)
    raw: dict[str, Any] = {
        "eventtype": event_type,
        "eventid": event_id,
        "alertlevel": _text(item, "gdacs:alertlevel"),
        "severity_text": severity_text,
        "severity_value": severity_value,
        "severity_unit": severity.get("unit", "") if severity is not None else "",
        "country_name": _text(item, "gdacs:country"),
        "iso3": _text(item, "gdacs:iso3"),
        "eventname": _text(item, "gdacs:eventname"),
        "glide": _text(item, "gdacs:glide"),
        "population": _text(item, "gdacs:population"),
        "cap": _text(item, "gdacs:cap"),
        "version": _text(item, "gdacs:version"),
    }
    todate = _date(item, "gdacs:todate")
    if todate is not None:
        raw["todate"] = todate.isoformat()
    return {key: value for key, value in raw.items() if value != ""}


def _position(item: ET.Element) -> tuple[float, float]:
    """georss:point wins; a present but broken one is an error (we do not guess between encodings)."""
    point = item.find("georss:point", NS)
    if point is not None:
        parts = (point.text or "").split()
        if len(parts) != 2:
            raise ItemError(f"malformed georss:point {point.text!r}")
        lat = text_float(parts[0], "latitude (georss:point)")
        lon = text_float(parts[1], "longitude (georss:point)")
        return check_lat_lon(lat, lon)
    lat_text = _text(item, "geo:Point/geo:lat")
    lon_text = _text(item, "geo:Point/geo:long")
    if not lat_text or not lon_text:
        raise ItemError("missing position (georss:point and geo:Point)")
    return check_lat_lon(
        text_float(lat_text, "latitude (geo:lat)"), text_float(lon_text, "longitude (geo:long)")
    )


def _date(item: ET.Element, path: str) -> datetime | None:
    value = _text(item, path)
    if not value:
        return None
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        raise ItemError(f"malformed date in {path}: {value!r}") from None
