"""What a batch of SMS will cost: segments per message × recipients × the price of a segment in the
recipient's country (NOTIFY_SMS_PRICES, per ISO 3166 code, or its "default"), in NOTIFY_SMS_CURRENCY.

A number's country is that of its calling code (+62 → ID); a code several countries share (+1, +7, +44)
counts as its main country (US, RU, GB), which is how aggregators' price lists are mostly grouped too.
No price is guessed: without NOTIFY_SMS_PRICES the estimate has segments and counts but no cost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.conf import settings

from embassy.common.sms import segments


def _raw_prices() -> dict[str, str]:
    raw: str | Mapping[str, object] = settings.NOTIFY_SMS_PRICES or {}
    if isinstance(raw, str):
        raw = dict(item.partition("=")[::2] for item in raw.split(",") if "=" in item)
    return {str(key).strip().upper(): str(value).strip() for key, value in raw.items()}


def sms_price_errors() -> list[str]:
    """The entries of NOTIFY_SMS_PRICES that are not a price (reported by the notify.W002 check)."""
    bad = []
    for key, value in _raw_prices().items():
        try:
            if Decimal(value) < 0:
                bad.append(key)
        except ArithmeticError:
            bad.append(key)
    return bad


def sms_prices() -> dict[str, Decimal]:
    """{"ID": price, ..., "DEFAULT": price} from NOTIFY_SMS_PRICES (a dict, or "default=0.05,ID=0.02");
    entries that are not a price are left out (and reported by the deployment check)."""
    bad = set(sms_price_errors())
    return {key: Decimal(value) for key, value in _raw_prices().items() if key not in bad}


def sms_currency() -> str:
    return str(settings.NOTIFY_SMS_CURRENCY or "USD")


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
    """The estimate for sending `text` (its worst case: the longest language, the longest link) to
    `recipients_by_country` ({ISO code or "": count})."""
    per_message = segments(text)
    prices = sms_prices()
    default = prices.get("DEFAULT")
    counts = {country: n for country, n in recipients_by_country.items() if n}
    cost: Decimal | None = Decimal(0)
    unpriced = []
    for country, n in sorted(counts.items()):
        price = prices.get(country.upper(), default) if country else default
        if price is None:
            unpriced.append(country or "?")
            cost = None
        elif cost is not None:
            cost += price * per_message * n
    return SmsEstimate(segments=per_message, recipients=sum(counts.values()), by_country=counts,
                       cost=cost if counts else Decimal(0) if prices else None, currency=sms_currency(),
                       unpriced=tuple(unpriced))
