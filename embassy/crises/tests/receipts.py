"""The providers' delivery receipts for messages the development sink "sent" (it returns no vendor id): each
message gets the id a provider would have returned, then the receipts go through notify.inbox.receipts_apply,
as a verified status callback's do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from embassy.notify.inbox import receipts_apply
from embassy.notify.models import Message
from embassy.notify.providers import Receipt

ACCOUNT = "test-sms"


def receipts_for(messages: Iterable[Message], status: str = "delivered", *, at: dt.datetime | None = None,
                 error: str = "") -> int:
    """Report `status` for these messages; returns how many changed."""
    receipts = []
    for message in messages:
        if not message.provider_id or message.provider != ACCOUNT:
            message.provider_id = message.provider_id or f"VND-{message.pk}"
            Message.objects.filter(pk=message.pk).update(provider=ACCOUNT, provider_id=message.provider_id)
        receipts.append(Receipt(provider_id=message.provider_id, status=status, error=error, at=at or timezone.now()))
    return receipts_apply(ACCOUNT, receipts)
