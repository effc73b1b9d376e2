"""Before a roll-call starts: how many people the question will reach by SMS, how many segments each SMS
takes, and what the first round will cost (embassy.notify.costs). Shown in the crisis room's confirmation
dialog and by GET /api/v1/crises/<id>/rollcall/preview. Counts only, no personal data.

Who gets an SMS follows the roll-call's channel choice (crises.rollcall): the first channel of
ROLLCALL_CHANNELS that is configured and reaches the person. So with the default order a person is counted
when they have a phone but no active push subscription and no e-mail address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef
from django.db.models.functions import Substr
from django.utils import translation

from embassy.common.sms import segments
from embassy.crises.asking import ask_sms, channel_order
from embassy.crises.links import PERSON, short_token, short_url
from embassy.crises.models import Affected, Crisis
from embassy.notify.channels import channel_available
from embassy.notify.costs import SmsEstimate, calling_code_country, sms_estimate
from embassy.notify.models import PushSubscription


def _sms_recipients(crisis: Crisis) -> dict[str, int]:
    """{country of the number: people} who would be asked by SMS now (inside, not asked, not answered)."""
    rows = Affected.objects.filter(crisis=crisis, inside=True, answer="", asked_at__isnull=True)
    for channel in channel_order():
        if not channel_available(channel):
            continue
        if channel == "sms":
            break
        if channel == "push":
            rows = rows.exclude(Exists(PushSubscription.objects.filter(
                user_id=OuterRef("citizen__user_id"), disabled_at__isnull=True)))
        elif channel == "email":
            rows = rows.filter(citizen__email="")
        elif channel in ("whatsapp", "sink"):  # everyone with a phone (or everyone) is reached before SMS
            return {}
    else:
        return {}  # SMS is not among the channels, or no provider is configured
    by_prefix = (rows.exclude(citizen__phone="").annotate(prefix=Substr("citizen__phone", 1, 4))
                 .values("prefix").annotate(n=Count("id")).values_list("prefix", "n"))
    counts: dict[str, int] = {}
    for prefix, n in by_prefix:
        country = calling_code_country(prefix)
        counts[country] = counts.get(country, 0) + n
    return counts


def rollcall_sms_preview(*, crisis: Crisis) -> SmsEstimate:
    """The first round's SMS: segments per message (its longest form: every language, the largest id in this
    crisis), people reached by SMS and the estimated cost."""
    largest = Affected.objects.filter(crisis=crisis).aggregate(top=Max("id"))["top"] or 1
    url = short_url(short_token(largest, PERSON))
    texts = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.append(ask_sms(title=crisis.title, url=url, reminder=False))
    worst = max(texts, key=segments)
    return sms_estimate(text=worst, recipients_by_country=_sms_recipients(crisis))


def preview_dict(estimate: SmsEstimate) -> dict[str, Any]:
    return {"segments": estimate.segments, "recipients": estimate.recipients,
            "total_segments": estimate.total_segments, "by_country": estimate.by_country,
            "cost": None if estimate.cost is None else str(estimate.cost), "currency": estimate.currency, "unpriced": list(estimate.unpriced)}
