"""Before a roll-call starts: per channel, how many people the question will reach and with how many messages,
how many segments each SMS takes, and what the first round will cost (embassy.notify.costs). Shown in the
crisis room's confirmation dialog and by GET /api/v1/crises/<id>/rollcall/preview. Counts only, no personal
data.

Who gets what follows the roll-call's own channel choice (crises.asking._choose): each person is asked on the
first channel of ROLLCALL_CHANNELS that is configured and reaches them — push on each of their devices with
an active subscription, e-mail when they gave an address, SMS or WhatsApp when they gave a phone number, the
development sink for everyone. So with the default order a person counts for SMS when they have a phone but
no active push subscription and no e-mail address. Reminders and emergency contacts come later, only for the
silent, and are not in this estimate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.db.models.functions import Substr
from django.utils import translation

from embassy.common.sms import segments
from embassy.crises.asking import ask_sms, channel_order
from embassy.crises.links import PERSON, short_token, short_url
from embassy.crises.models import Affected, Crisis
from embassy.notify.channels import channel_available
from embassy.notify.costs import ChannelEstimate, Prices, SmsEstimate, calling_code_country, estimate, prices
from embassy.notify.models import PushSubscription


@dataclass(frozen=True)
class RollcallPreview:
    """The first round, per channel in the roll-call's order (channels that carry no message are left out)."""

    people: int  # to be asked now: inside the zone, not asked, not answered
    unreachable: int  # of those, people no configured channel reaches
    channels: tuple[ChannelEstimate, ...]
    currency: str

    @property
    def messages(self) -> int:
        return sum(c.messages for c in self.channels)

    @property
    def cost(self) -> Decimal | None:
        """The whole round; None when a channel has no estimate."""
        costs = [c.cost for c in self.channels]
        return None if any(c is None for c in costs) else sum((c for c in costs if c is not None), Decimal(0))

    @property
    def unpriced(self) -> tuple[str, ...]:
        return tuple(sorted({country for c in self.channels for country in c.unpriced}))

    def channel(self, name: str) -> ChannelEstimate | None:
        return next((c for c in self.channels if c.channel == name), None)

    @property
    def sms(self) -> SmsEstimate:
        """The SMS row in the shape of the first version of the preview (API clients of it)."""
        row = self.channel("sms")
        if row is None:
            return SmsEstimate(segments=1, recipients=0, cost=Decimal(0), currency=self.currency)
        return SmsEstimate(segments=row.segments or 1, recipients=row.messages, by_country=row.by_country,
                           cost=row.cost, currency=row.currency, unpriced=row.unpriced)


def _by_country(rows: QuerySet[Affected]) -> dict[str, int]:
    """{country of the number: people} of rows with a phone (grouped by the number's first 4 characters)."""
    by_prefix = (rows.exclude(citizen__phone="").annotate(prefix=Substr("citizen__phone", 1, 4))
                 .values("prefix").annotate(n=Count("id")).values_list("prefix", "n"))
    counts: dict[str, int] = {}
    for prefix, n in by_prefix:
        country = calling_code_country(prefix)
        counts[country] = counts.get(country, 0) + n
    return counts


def _sms_text(crisis: Crisis) -> str:
    """The question's longest SMS: every language, the largest id in this crisis (the longest short link)."""
    largest = Affected.objects.filter(crisis=crisis).aggregate(top=Max("id"))["top"] or 1
    url = short_url(short_token(largest, PERSON))
    texts = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.append(ask_sms(title=crisis.title, url=url, reminder=False))
    return max(texts, key=segments)


def _walk(crisis: Crisis, order: Iterable[str], table: Prices) -> tuple[list[ChannelEstimate], int]:
    """Each channel takes the people the earlier ones did not reach, as asking._choose does; returns the
    channels' estimates and the people left over."""
    rows = Affected.objects.filter(crisis=crisis, inside=True, answer="", asked_at__isnull=True)
    found: list[ChannelEstimate] = []
    for channel in order:
        if not channel_available(channel):
            continue
        if channel == "push":
            active = PushSubscription.objects.filter(user_id=OuterRef("citizen__user_id"), disabled_at__isnull=True)
            reached = rows.filter(Exists(active))
            people = reached.count()
            devices = PushSubscription.objects.filter(disabled_at__isnull=True,
                                                      user_id__in=reached.values("citizen__user_id")).count()
            row = estimate(channel=channel, messages=devices, people=people, table=table)
            rows = rows.exclude(Exists(active))
        elif channel == "email":
            row = estimate(channel=channel, messages=rows.exclude(citizen__email="").count(), table=table)
            rows = rows.filter(citizen__email="")
        elif channel in ("sms", "whatsapp"):
            by_country = _by_country(rows)
            row = estimate(channel=channel, by_country=by_country, table=table,
                           text=_sms_text(crisis) if channel == "sms" and by_country else "")
            rows = rows.filter(citizen__phone="")
        elif channel == "sink":  # development and benchmarks: everyone left
            row = estimate(channel=channel, messages=rows.count(), table=table)
            rows = rows.none()
        else:
            continue
        if row.messages:
            found.append(row)
    return found, rows.count()


def rollcall_preview(*, crisis: Crisis) -> RollcallPreview:
    """What the first round of the roll-call will send, per channel, and what it will cost. A handful of
    counting queries, whatever the number of people."""
    table = prices()
    people = Affected.objects.filter(crisis=crisis, inside=True, answer="", asked_at__isnull=True).count()
    channels, unreachable = _walk(crisis, channel_order(), table) if people else ([], 0)
    return RollcallPreview(people=people, unreachable=unreachable, channels=tuple(channels), currency=table.currency)


def rollcall_sms_preview(*, crisis: Crisis) -> SmsEstimate:
    """The SMS row alone (the first version of this preview)."""
    return rollcall_preview(crisis=crisis).sms


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def preview_dict(preview: RollcallPreview) -> dict[str, Any]:
    """The API's answer: the channels and the whole round's cost; at the top level also the SMS row's fields
    as the first version of the endpoint gave them (segments, recipients, total_segments, by_country, cost,
    unpriced: SMS only)."""
    sms = preview.sms
    return {
        "segments": sms.segments, "recipients": sms.recipients, "total_segments": sms.total_segments,
        "by_country": sms.by_country, "cost": _money(sms.cost), "currency": preview.currency,
        "unpriced": list(sms.unpriced), "people": preview.people, "unreachable": preview.unreachable,
        "total_cost": _money(preview.cost), "total_unpriced": list(preview.unpriced),
        "channels": [{"channel": c.channel, "people": c.people, "messages": c.messages, "segments": c.segments,
                      "total_segments": c.total_segments, "by_country": c.by_country, "cost": _money(c.cost),
                      "unpriced": list(c.unpriced)} for c in preview.channels],
    }
