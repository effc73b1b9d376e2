"""USGS earthquake GeoJSON summary feeds (e.g. `summary/significant_month.geojson`).

Format: https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php — a FeatureCollection of Point
features; `id` is stable across updates of an event, `properties.time` / `properties.updated` are
epoch milliseconds, `geometry.coordinates` is [lon, lat, depth_km], `properties.alert` is the PAGER
level (green/yellow/orange/red or null).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from embassy.crises.feeds.common import (
    FeedError,
    FeedEvent,
    ItemError,
    ParseResult,
    check_lat_lon,
    finite_float,
    strip_bom,
)

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PAGER_LEVELS = {"green", "yellow", "orange", "red"}
# Properties worth keeping for the rules and the crisis room; everything else is dropped.
_RAW_KEYS = ("place", "magType", "status", "tsunami", "sig", "net", "type", "felt", "mmi", "detail")


def parse_usgs(text: str | bytes) -> ParseResult:
    """Parse a USGS GeoJSON summary feed.

    Raises FeedError when the document is not JSON or not a FeatureCollection with a `features`
    list. A bad feature is skipped, logged and reported in `ParseResult.errors`; the others are kept.
    """
    try:
        document = json.loads(strip_bom(text))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"USGS feed is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FeedError("USGS feed is not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise FeedError("USGS feed has no 'features' list")

    result = ParseResult()
    for index, feature in enumerate(features):
        where = f"USGS feature #{index}"
        if isinstance(feature, dict) and isinstance(feature.get("id"), str) and feature["id"]:
            where += f" (id {feature['id']})"
        result.add(logger, where, partial(_parse_feature, feature), key=lambda e: e.source_id,
                   duplicate="duplicate id in the same document")
    return result


def _parse_feature(feature: Any) -> FeedEvent:
    if not isinstance(feature, dict):
        raise ItemError("not a JSON object")
    event_id = feature.get("id")
    if not isinstance(event_id, str) or not event_id.strip():
        raise ItemError("missing id")
    event_id = event_id.strip()

    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ItemError("missing properties")

    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise ItemError("missing or non-Point geometry")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise ItemError("missing coordinates")
    lon = finite_float(coords[0], "longitude")
    lat = finite_float(coords[1], "latitude")
    lat, lon = check_lat_lon(lat, lon)
    depth_km = finite_float(coords[2], "depth") if len(coords) > 2 and coords[2] is not None else None

    # USGS publishes some events before a magnitude is computed: null is allowed, junk is not.
    mag = props.get("mag")
    magnitude = None if mag is None else finite_float(mag, "magnitude")

    occurred_at = _epoch_ms(props.get("time"), "time")
    updated = props.get("updated")
    updated_at = occurred_at if updated is None else _epoch_ms(updated, "updated")

    alert = props.get("alert")
    severity_label = alert.strip().lower() if isinstance(alert, str) else ""
    if severity_label and severity_label not in _PAGER_LEVELS:
        severity_label = ""

    title = _str(props, "title")
    if not title:
        place = _str(props, "place")
        title = f"M {magnitude} - {place}" if magnitude is not None else place or event_id
    url = _str(props, "url")

    raw = {key: props[key] for key in _RAW_KEYS if props.get(key) is not None}
    return FeedEvent(
        source="usgs",
        source_id=event_id,
        kind="earthquake" if props.get("type", "earthquake") == "earthquake" else "other",
        title=title,
        magnitude=magnitude,
        severity_label=severity_label,
        lat=lat,
        lon=lon,
        depth_km=depth_km,
        occurred_at=occurred_at,
        updated_at=updated_at,
        url=url,
        raw=raw,
    )


def _epoch_ms(value: object, what: str) -> datetime:
    if value is None:
        raise ItemError(f"missing {what}")
    millis = finite_float(value, what)
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        raise ItemError(f"{what} out of range: {value!r}") from None


def _str(props: dict[str, Any], key: str) -> str:
    value = props.get(key)
    return value.strip() if isinstance(value, str) else ""
