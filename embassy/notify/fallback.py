"""The next channel for a person the first one did not reach.

A message queued with `then` (MessageSpec.then, notify_user(then=...)) is checked NOTIFY_RECEIPT_WAIT_MINUTES
after it was queued (NOTIFY_RECEIPT_WAIT_SOS_MINUTES for SOS priority). If by then it was delivered or read,
nothing happens. If it failed, gave up, or was handed over without a delivery receipt, the same message is
queued on the next channel of `then` on which the user is reachable, with the rest of `then` as its own
fallback; a message still waiting for its first try is checked again later. Withdrawing messages
(services.messages_cancel, e.g. when a crisis closes) also stops their fallbacks, and an app can say that a
message is no longer worth one (notify.hooks.on_fallback: crises, once the person answered the roll-call).

The usual order is NOTIFY_FALLBACK_ORDER (push → WhatsApp → SMS): `fallback_chain()`. The periodic job lives
here, not in notify.tasks, because it needs the services, which import notify.tasks (NotifyConfig.ready
imports this module so that the scheduler sees it)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.notify.conf import receipt_wait
from embassy.notify.hooks import fallback_wanted
from embassy.notify.models import Message
from embassy.notify.services import requeue_on

log = logging.getLogger(__name__)


def fallback_chain(first: str = "") -> tuple[str, ...]:
    """The channels after `first` in NOTIFY_FALLBACK_ORDER (all of them without `first`)."""
    order = tuple(settings.NOTIFY_FALLBACK_ORDER)
    return order[order.index(first) + 1:] if first in order else order


def _reached(message: Message) -> bool:
    return message.receipt in ("delivered", "read")


def _wanted(messages: list[Message]) -> set[int]:
    """The ids of the messages still worth a next channel, as their apps say (notify.hooks.on_fallback)."""
    by_kind: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        if not _reached(message):
            by_kind[message.kind].append(message)
    wanted: set[int] = set()
    for kind, group in by_kind.items():
        answers = fallback_wanted(kind, [m.data or {} for m in group])
        wanted |= {m.pk for m, yes in zip(group, answers, strict=True) if yes}
    return wanted


def fallback_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Decide the fallbacks whose time has come; returns how many messages were queued on a next channel."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        due = list(Message.objects.select_for_update(skip_locked=True)
                   .filter(fallback_at__lte=now).order_by("fallback_at")[:limit])
        wanted = _wanted(due)
        for message in due:
            if message.status in Message.ACTIVE and not _reached(message) and message.pk in wanted:
                later = now + receipt_wait(message.priority)  # not tried yet: look again later
                Message.objects.filter(pk=message.pk).update(fallback_at=later)
                continue
            Message.objects.filter(pk=message.pk).update(fallback_at=None)
            if _reached(message) or message.pk not in wanted:
                continue
            then = [c for c in (message.data or {}).get("_then", []) if isinstance(c, str)]
            if requeue_on(message, then):
                queued += 1
    if queued:
        log.info("notify: %s messages tried on their next channel", queued)
    return queued


@periodic(dt.timedelta(seconds=30))
@task(queue_name="notify")
def fallback_pending() -> int:
    """Messages not delivered in time: try the next channel."""
    return fallback_due()
