"""Shared types and checks for the feed parsers.

Invariants of every `FeedEvent` a parser returns: `source_id` is non-empty and stable across updates
of the same event; `lat` is in [-90, 90] and `lon` in [-180, 180], both finite; `occurred_at` and
`updated_at` are timezone-aware and in UTC; `magnitude` and `depth_km` are finite or None.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

import pycountry

Source = Literal["usgs", "gdacs"]
Kind = Literal["earthquake", "cyclone", "flood", "volcano", "drought", "wildfire", "other"]


class FeedError(ValueError):
    """The document as a whole cannot be read (not JSON / not XML / not the expected shape)."""


class ItemError(ValueError):
    """One item of a readable document is unusable; the parser skips it and keeps going."""


@dataclass(frozen=True, slots=True)
class FeedEvent:
    source: Source
    source_id: str
    kind: Kind
    title: str
    magnitude: float | None
    severity_label: str
    lat: float
    lon: float
    depth_km: float | None
    occurred_at: datetime
    updated_at: datetime
    url: str
    country: str = ""
    episode: str = ""
    # Extra fields worth keeping (JSON-serialisable values only). Not hashed: a dict cannot be.
    raw: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(slots=True)
class ParseResult:
    events: list[FeedEvent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seen: set[Hashable] = field(default_factory=set, repr=False, compare=False)

    def add(self, logger: logging.Logger, where: str, parse: Callable[[], FeedEvent],
            key: Callable[[FeedEvent], Hashable], duplicate: str) -> None:
        """Parse one item and keep it; a bad item, or an event whose `key` was seen before in this
        document, is recorded and skipped — never at the cost of the other items."""
        try:
            event = parse()
        except ItemError as exc:
            self.skip(logger, where, str(exc))
            return
        except Exception as exc:  # a surprise in one item must never cost the others
            self.skip(logger, where, f"unexpected {type(exc).__name__}: {exc}")
            return
        if key(event) in self.seen:
            self.skip(logger, where, duplicate)
            return
        self.seen.add(key(event))
        self.events.append(event)

    def skip(self, logger: logging.Logger, where: str, reason: str) -> None:
        """Record a skipped item: one human-readable message, also logged as a warning."""
        message = f"{where}: {reason}"
        logger.warning("feed item skipped: %s", message)
        self.errors.append(message)


def finite_float(value: object, what: str) -> float:
    """A JSON/XML number as a finite float; bools and numeric strings in JSON are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ItemError(f"{what} is not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ItemError(f"{what} is not finite: {value!r}")
    return number


def text_float(value: str, what: str) -> float:
    """A number written as text (XML); finite only."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ItemError(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise ItemError(f"{what} is not finite: {value!r}")
    return number


def check_lat_lon(lat: float, lon: float) -> tuple[float, float]:
    if not -90.0 <= lat <= 90.0:
        raise ItemError(f"latitude out of range: {lat}")
    if not -180.0 <= lon <= 180.0:
        raise ItemError(f"longitude out of range: {lon}")
    return lat, lon


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time (e.g. RFC 822 "-0000") is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@lru_cache(maxsize=512)
def alpha2_from_alpha3(code: str) -> str:
    """ISO 3166-1 alpha-2 for an alpha-3 code, or "" when the code is unknown or not one code."""
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        return ""
    country = pycountry.countries.get(alpha_3=code)
    return str(country.alpha_2) if country is not None else ""


def strip_bom(text: str | bytes) -> str | bytes:
    if isinstance(text, bytes):
        return text.removeprefix(b"\xef\xbb\xbf")
    return text.removeprefix("\ufeff")
