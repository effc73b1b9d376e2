"""What messages cost: the price table per channel and country, and estimates before sending.

Prices (NOTIFY_PRICES, a JSON object; docs/messaging.md) are per channel and per recipient country (ISO
3166 code of the number's calling code), with "default" for the other countries:

    {"currency": "USD", "sms": {"default": "0.05", "ID": "0.02"}, "whatsapp": {"default": "0.01"}}

- an SMS is priced per segment (a long text sent as three parts is billed three times), a WhatsApp message
  per message; push and e-mail cost nothing (as do webhooks and the development sink);
- the older NOTIFY_SMS_PRICES ("default=0.05,ID=0.02") and NOTIFY_SMS_CURRENCY still work: they are the
  sms row and the currency, NOTIFY_PRICES's own entries override them;
- no price is guessed: a country without a price and without a "default" gets no estimate (None), shown
  as such; a malformed entry is left out and reported by the deployment check (notify.W002).

A number's country is that of its calling code (+62 → ID); a code several countries share (+1, +7, +44)
counts as its main country (US, RU, GB), which is how aggregators' price lists are mostly grouped too."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings

from embassy.common.sms import segments

PRICED = ("sms", "whatsapp")  # SMS: per segment; WhatsApp: per message
FREE = ("push", "email", "webhook", "sink")
DEFAULT = "DEFAULT"
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --- Reading the configuration ------------------------------------------------------------------------------
def _sms_legacy() -> dict[str, object]:
    raw: object = settings.NOTIFY_SMS_PRICES or {}
    if isinstance(raw, str):
        raw = dict(item.partition("=")[::2] for item in raw.split(",") if "=" in item)
    return dict(raw) if isinstance(raw, Mapping) else {}


def _table_raw() -> tuple[dict[str, object], list[str]]:
    """NOTIFY_PRICES as a dict (a JSON text in the environment, a dict in tests) and what is wrong with it."""
    raw: object = getattr(settings, "NOTIFY_PRICES", "") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}, ["NOTIFY_PRICES is not valid JSON; no price from it is used."]
    if not isinstance(raw, Mapping):
        return {}, ['NOTIFY_PRICES must be a JSON object: {"sms": {"default": "0.05", "ID": "0.02"}, ...}.']
    return dict(raw), []


def _price(value: object) -> Decimal | None:
    """A price from a JSON string or number; None when it is not a finite number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return price if price.is_finite() and price >= 0 else None


def _row(name: str, raw: Mapping[Any, object], problems: list[str]) -> dict[str, Decimal]:
    row: dict[str, Decimal] = {}
    for key, value in raw.items():
        country = str(key).strip().upper()
        if country != DEFAULT and not _COUNTRY.match(country):
            problems.append(f"{name}: {key!r} is neither a 2-letter ISO country code nor \"default\".")
            continue
        price = _price(value)
        if price is None:
            problems.append(f"{name}: not a price for {country} ({value!r}); the entry is ignored.")
            continue
        row[country] = price
    return row


@dataclass(frozen=True)
class Prices:
    """The price table in force: {channel: {country or "DEFAULT": price}} and its currency."""

    rows: dict[str, dict[str, Decimal]]
    currency: str
    problems: tuple[str, ...] = ()
    _units: dict[tuple[str, str], Decimal | None] = field(default_factory=dict, compare=False, repr=False)

    def unit(self, channel: str, country: str) -> Decimal | None:
        """Price of one SMS segment / one WhatsApp message to a number of `country`; 0 for the free channels;
        None when no price applies (no entry, no default)."""
        if channel not in PRICED:
            return Decimal(0)
        row = self.rows.get(channel, {})
        return row.get(country.upper(), row.get(DEFAULT)) if country else row.get(DEFAULT)

    def message_cost(self, channel: str, address: str, text: str) -> Decimal | None:
        """The estimated cost of one message (an SMS: its segments × the segment price; a text that fits one
        segment in any encoding, 70 characters, is not counted)."""
        unit = self.unit_for(channel, address)
        if unit is None or channel != "sms" or len(text) <= 70:
            return unit
        return unit * segments(text)

    def unit_for(self, channel: str, address: str) -> Decimal | None:
        """`unit` for the country of a number, remembered per (channel, first four characters)."""
        key = (channel, address[:4])
        try:
            return self._units[key]
        except KeyError:
            unit = self._units[key] = self.unit(channel, _country_of(key[1])) if channel in PRICED else Decimal(0)
            return unit


def prices() -> Prices:
    """The price table from NOTIFY_PRICES over NOTIFY_SMS_PRICES / NOTIFY_SMS_CURRENCY. Cheap: read at call
    time (tests and operators change settings), once per batch by notify_bulk."""
    raw, problems = _table_raw()
    rows: dict[str, dict[str, Decimal]] = {}
    legacy = _sms_legacy()
    if legacy:
        rows["sms"] = _row("NOTIFY_SMS_PRICES", legacy, problems)
    for channel, entries in raw.items():
        if channel == "currency":
            continue
        if channel in FREE:
            problems.append(f"NOTIFY_PRICES: {channel} costs nothing; its prices are ignored.")
        elif channel not in PRICED:
            problems.append(f"NOTIFY_PRICES: {channel!r} is not a priced channel ({', '.join(PRICED)}).")
        elif not isinstance(entries, Mapping):
            problems.append(f'NOTIFY_PRICES: {channel} must be an object {{"default": "0.05", "ID": "0.02"}}.')
        else:
            rows[channel] = {**rows.get(channel, {}), **_row(f"NOTIFY_PRICES {channel}", entries, problems)}
    currency = str(raw.get("currency") or settings.NOTIFY_SMS_CURRENCY or "USD").strip().upper()
    if not _CURRENCY.match(currency):
        problems.append(f"NOTIFY_PRICES: currency {currency!r} is not a 3-letter ISO 4217 code.")
    return Prices(rows=rows, currency=currency, problems=tuple(problems))


def price_errors() -> list[str]:
    """What is malformed in NOTIFY_PRICES / NOTIFY_SMS_PRICES (reported by the notify.W002 check)."""
    return list(prices().problems)


def sms_price_errors() -> list[str]:
    """The problems of the price table (kept for the callers of the SMS-only version)."""
    return price_errors()


def sms_prices() -> dict[str, Decimal]:
    """{"ID": price, ..., "DEFAULT": price}: the sms row of the price table."""
    return dict(prices().rows.get("sms", {}))


def sms_currency() -> str:
    return prices().currency


def calling_code_country(prefix: str) -> str:
    """ISO code of the country of an E.164 number (or of its first digits: "+628" → "ID"); "" if unknown."""
    digits = prefix.lstrip("+")
    for size in (1, 2, 3):
        if len(digits) >= size and digits[:size].isdigit():
            code = int(digits[:size])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                region = phonenumbers.region_code_for_country_code(code)
                return "" if region == "ZZ" else region
    return ""


@functools.lru_cache(maxsize=1024)
def _country_of(prefix: str) -> str:
    """calling_code_country of a number's first four characters (the longest calling code and its "+"),
    remembered: 100,000 numbers of a roll-call share a few dozen prefixes."""
    return calling_code_country(prefix)


# --- Estimates ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelEstimate:
    """Messages on one channel before they are sent: how many, SMS segments (per message; None on other
    channels), and what they will cost. `cost` is None when some recipients' country has no price."""

    channel: str
    messages: int
    segments: int | None = None
    by_country: dict[str, int] = field(default_factory=dict)
    cost: Decimal | None = None
    currency: str = "USD"
    unpriced: tuple[str, ...] = ()
    people: int = 0

    @property
    def total_segments(self) -> int | None:
        return None if self.segments is None else self.segments * self.messages

    @property
    def free(self) -> bool:
        return self.channel not in PRICED


def estimate(*, channel: str, messages: int = 0, text: str = "", by_country: Mapping[str, int] | None = None,
             people: int | None = None, table: Prices | None = None) -> ChannelEstimate:
    """The estimate for `messages` on `channel`, reaching `people` (default: one message each). SMS and
    WhatsApp are priced by `by_country` ({ISO code or "": messages}, which then gives the count; without it
    every message is priced at the channel's default); an SMS's `text` (its worst case: the longest language,
    the longest link) gives its segments."""
    table = table or prices()
    per = segments(text) if channel == "sms" else None
    if channel not in PRICED:
        return ChannelEstimate(channel=channel, messages=messages, cost=Decimal(0), currency=table.currency,
                               people=messages if people is None else people)
    counts = {country: n for country, n in (by_country if by_country is not None else {"": messages}).items() if n}
    cost: Decimal | None = Decimal(0)
    unpriced = []
    for country, n in sorted(counts.items()):
        unit = table.unit(channel, country)
        if unit is None:
            unpriced.append(country or "?")
            cost = None
        elif cost is not None:
            cost += unit * (per or 1) * n
    return ChannelEstimate(channel=channel, messages=sum(counts.values()), segments=per, by_country=counts,
                           cost=cost if counts or table.rows.get(channel) else None, currency=table.currency,
                           unpriced=tuple(unpriced), people=sum(counts.values()) if people is None else people)


@dataclass(frozen=True)
class SmsEstimate:
    segments: int  # per message
    recipients: int
    by_country: dict[str, int] = field(default_factory=dict)
    cost: Decimal | None = None  # None: some recipients' country has no price and there is no default
    currency: str = "USD"
    unpriced: tuple[str, ...] = ()  # countries (by number) without a price

    @property
    def total_segments(self) -> int:
        return self.segments * self.recipients


def sms_estimate(*, text: str, recipients_by_country: Mapping[str, int]) -> SmsEstimate:
    """The SMS-only estimate (the first version of the roll-call's confirmation; see `estimate`)."""
    e = estimate(channel="sms", messages=sum(recipients_by_country.values()), text=text,
                 by_country=recipients_by_country)
    return SmsEstimate(segments=e.segments or 1, recipients=e.messages, by_country=e.by_country, cost=e.cost,
                       currency=e.currency, unpriced=e.unpriced)
