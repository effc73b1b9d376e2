"""Writes of the notification outbox. Every feature queues its messages here and nowhere else.

Callers render subject and body in the recipient's language; this module only stores and delivers text.
Queuing is transactional: a message exists exactly when the caller's transaction commits, and the
dispatcher is kicked on commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common import bulk
from embassy.common.errors import BadInput, Conflict, NotFound
from embassy.notify.budget import budget_check, budget_message
from embassy.notify.bulk import _insert
from embassy.notify.channels import channel_available
from embassy.notify.costs import calling_code_country
from embassy.notify.inbox import opted_out
from embassy.notify.models import CHANNELS, Message, Priority, PushSubscription
from embassy.notify.selectors import require_log_access
from embassy.notify.specs import (
    MessageSpec,
    SmsTooLong,
    check_channel,
    check_priority,
    message_build,
    message_values,
)
from embassy.notify.subscriptions import push_subscription_delete, push_subscription_save
from embassy.notify.tasks import kick, lane_for

__all__ = [
    "CHANNELS", "MessageSpec", "Priority", "SmsTooLong", "message_retry", "notify_address", "notify_bulk",
    "notify_user", "push_subscription_delete", "push_subscription_save", "user_addresses_many", "user_reach",
]

log = logging.getLogger(__name__)


def _kick_on_commit(priority: int) -> None:
    transaction.on_commit(partial(kick, lane_for(priority)))


def _save(message: Message) -> Message:
    """Insert, or return the message already queued under the same (channel, address, dedupe_key): one
    insert-or-ignore against the partial unique index, and a look-up only when it was there already."""
    if not message.dedupe_key:
        message.save()
        return message
    values = {f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields if not f.primary_key}
    pk = bulk.insert_or_ignore(Message, values)
    if pk is None:
        # The exclude lets the planner use the partial unique index (dedupe_key <> ''); without it SQLite
        # scans the outbox.
        return Message.objects.exclude(dedupe_key="").get(channel=message.channel, address=message.address,
                                                           dedupe_key=message.dedupe_key)
    message.pk = pk
    message._state.adding, message._state.db = False, "default"
    return message


def _life_safety(kind: str, address: str) -> bool:
    """A message the law lets us send to someone who opted out: a life-safety kind (NOTIFY_LIFE_SAFETY_KINDS,
    at any priority: the roll-call goes out at BULK) to a number of a country listed in
    NOTIFY_OPTOUT_LIFE_SAFETY_COUNTRIES."""
    countries = settings.NOTIFY_OPTOUT_LIFE_SAFETY_COUNTRIES
    return (kind in settings.NOTIFY_LIFE_SAFETY_KINDS
            and ("*" in countries or calling_code_country(address) in countries))


def _opted_out(rows: Sequence[dict[str, Any]]) -> set[int]:
    """Indexes of the rows (SMS/WhatsApp) whose address opted out of the channel and that may not override it."""
    phones = [i for i, r in enumerate(rows) if r["channel"] in ("sms", "whatsapp")]
    if not phones:
        return set()
    out: set[tuple[str, str]] = set()
    for channel in {rows[i]["channel"] for i in phones}:
        out |= {(channel, a) for a in opted_out(channel, [rows[i]["address"] for i in phones
                                                           if rows[i]["channel"] == channel])}
    return {i for i in phones if (rows[i]["channel"], rows[i]["address"]) in out
            and not _life_safety(rows[i]["kind"], rows[i]["address"])}


def _queue(spec: MessageSpec) -> Message | None:
    message = message_build(spec)
    if message.channel in ("sms", "whatsapp") and _opted_out([{
            "channel": message.channel, "address": message.address, "kind": message.kind,
            "priority": message.priority}]):
        log.info("notify: %s opted out of %s; message skipped", message.address, message.channel)
        return None
    alive = PushSubscription.objects.filter(id=message.subscription_id or 0, disabled_at__isnull=True)
    if message.channel == "push" and not alive.exists():
        log.info("notify: push subscription %s is gone; message skipped", message.address)
        return None
    if not channel_available(message.channel):
        log.info("notify: channel %s is not configured; message skipped", message.channel)
        return None
    if budget_message(message, tell=notify_user):  # the mission's budget is spent: stored dead, for the log
        kept = _save(message)
        return kept if kept is not message else None
    return _save(message)


# --- Public interface ----------------------------------------------------------------------------------------
@transaction.atomic
def notify_address(*, channel: str, address: str, subject: str, body: str, url: str = "",
                   priority: int = Priority.NORMAL, kind: str = "", dedupe_key: str = "",
                   data: dict[str, Any] | None = None, user: User | None = None, sms: str = "", topic: str = "",
                   mission_id: int | None = None) -> Message | None:
    """Queue to an explicit address (email address, E.164 phone, webhook URL, push subscription id).
    `sms` is the one-segment text used when the channel is "sms".

    Returns None when the channel cannot deliver (no SMS/WhatsApp provider, push not configured, push
    subscription gone). A non-empty dedupe_key makes the call idempotent per (channel, address, key): the
    message queued first is returned. Malformed input raises BadInput."""
    message = _queue(MessageSpec(channel=channel, address=address, subject=subject, body=body, url=url,
                                 priority=priority, kind=kind, dedupe_key=dedupe_key, data=data, user=user,
                                 sms=sms, topic=topic, mission_id=mission_id))
    if message is not None:
        _kick_on_commit(message.priority)
    return message


def _user_addresses(user: User, channel: str) -> list[str]:
    return [address for _channel, address in user_addresses_many({user.pk: (user.email, user.phone)}, [channel])
            .get(user.pk, [])]


Contact = tuple[str | None, str | None]  # (email, phone), either may be missing


def user_addresses_many(users: Mapping[int, Contact], channels: Sequence[str]) -> dict[int, list[tuple[str, str]]]:
    """Where each user (id: (email, phone)) is reachable on `channels`, as (channel, address) pairs: push, each
    active push subscription (one query for all the users); email, the email address; sms/whatsapp, the phone
    when that channel has a provider; sink, "user:<id>". Users reachable on none of them are left out."""
    found: dict[int, list[tuple[str, str]]] = {}
    for channel in dict.fromkeys(channels):
        if channel == "push":
            subscriptions = (PushSubscription.objects.filter(user_id__in=list(users), disabled_at__isnull=True)
                             .order_by("id").values_list("user_id", "id"))
            for user_id, pk in subscriptions:
                found.setdefault(user_id, []).append((channel, str(pk)))
        elif channel == "email":
            for user_id, (email, _phone) in users.items():
                if email:
                    found.setdefault(user_id, []).append((channel, email))
        elif channel in ("sms", "whatsapp") and channel_available(channel):
            for user_id, (_email, phone) in users.items():
                if phone:
                    found.setdefault(user_id, []).append((channel, phone))
        elif channel == "sink":
            for user_id in users:
                found.setdefault(user_id, []).append((channel, f"user:{user_id}"))
    return found  # webhook: no per-user address


def user_reach(users: Mapping[int, Contact], *, channels: Sequence[str],
               fallback: Sequence[str] = ()) -> dict[int, list[tuple[str, str]]]:
    """For many users at once, the addresses notify_user would queue to: those on `channels`, or on the
    `fallback` channels for a user reachable on none of `channels` (see user_addresses_many)."""
    found = user_addresses_many(users, channels)
    if fallback and (rest := {pk: contact for pk, contact in users.items() if pk not in found}):
        found.update(user_addresses_many(rest, fallback))
    return found


@transaction.atomic
def notify_user(*, user: User, subject: str, body: str, url: str = "", priority: int = Priority.NORMAL,
                channels: Sequence[str] = ("push", "email"), kind: str = "", dedupe_key: str = "",
                data: dict[str, Any] | None = None, sms: str = "", fallback: Sequence[str] = (), topic: str = "",
                mission_id: int | None = None, then: Sequence[str] = ()) -> list[Message]:
    """Queue one message per requested channel on which `user` is reachable: push, each active push
    subscription; email, user.email; sms/whatsapp, user.phone when that channel has a provider. The
    `fallback` channels are used only when none of `channels` reaches the user (a citizen who signed up
    with a phone number only still hears from the mission). `sms` is the one-segment text for the sms
    channel. Runs inside the caller's transaction; the dispatcher is kicked on commit. A non-empty
    dedupe_key makes the call idempotent per (channel, address, dedupe_key). Inactive or missing users get
    nothing."""
    for channel in (*channels, *fallback):
        check_channel(channel)
    if user is None or not getattr(user, "is_active", False):
        return []
    queued: list[Message] = []
    for group in (channels, fallback):
        for channel in dict.fromkeys(group):
            for address in _user_addresses(user, channel):
                message = _queue(MessageSpec(channel=channel, address=address, subject=subject, body=body,
                                             url=url, priority=priority, kind=kind, dedupe_key=dedupe_key, data=data,
                                             user=user, sms=sms, topic=topic, mission_id=mission_id,
                                             then=tuple(then)))
                if message is not None:
                    queued.append(message)
        if queued:
            break
    if queued:
        _kick_on_commit(min(m.priority for m in queued))
    return queued


def notify_bulk(*, messages: Iterable[MessageSpec], batch_size: int = 1000) -> int:
    """Insert many messages efficiently; returns how many were queued.

    Each batch is validated, de-duplicated (within the batch; against the outbox by the unique constraint,
    whose conflicts the INSERT skips) and written with one bulk INSERT in its own transaction (when called outside one), so the dispatcher starts on the first
    batch and urgent writes interleave with a long broadcast. Messages to unusable addresses (malformed,
    push subscription gone, channel not configured) are skipped and logged; an unknown channel or priority
    raises BadInput."""
    total = skipped = 0
    available: dict[str, bool] = {}
    for chunk in bulk.batched(messages, max(1, batch_size)):
        built: dict[tuple[str, str, str] | int, dict[str, Any]] = {}
        for spec in chunk:
            check_channel(spec.channel)
            check_priority(spec.priority)
            try:
                values = message_values(spec, fast=True)
            except BadInput:
                skipped += 1
                continue
            channel = values["channel"]
            if channel not in available:
                available[channel] = channel_available(channel)
            if not available[channel]:
                skipped += 1
                continue
            key: tuple[str, str, str] | int = ((channel, values["address"], values["dedupe_key"])
                                               if values["dedupe_key"] else len(built))
            built.setdefault(key, values)
        rows = list(built.values())
        if out := _opted_out(rows):
            skipped += len(out)
            rows = [r for i, r in enumerate(rows) if i not in out]
        push_ids = {r["subscription_id"] for r in rows if r["subscription_id"]}
        if push_ids:
            alive = set(PushSubscription.objects.filter(id__in=push_ids, disabled_at__isnull=True)
                        .values_list("id", flat=True))
            rows = [r for r in rows if r["subscription_id"] is None or r["subscription_id"] in alive]
        check = budget_check(rows)  # estimated costs; rows of a mission whose budget is spent are held back
        rows = check.queued
        if not rows and not check.held:
            continue
        with transaction.atomic():
            check.record(tell=notify_user)
            if rows:
                total += _insert(rows)
                _kick_on_commit(min(r["priority"] for r in rows))
    if skipped:
        log.warning("notify_bulk: %s messages skipped (unusable address or channel, or opted out)", skipped)
    return total


def requeue_on(message: Message, channels: Sequence[str]) -> Message | None:
    """The same message for the same person on the first of `channels` that reaches them (the user's
    addresses, or those the message names for the channel: data["_to"]), the rest of `channels` as its own
    fallback (notify.fallback). None when none does, or when its user was deactivated."""
    to = {c: a for c, a in ((message.data or {}).get("_to") or {}).items() if isinstance(a, str)}
    user = User.objects.filter(pk=message.user_id, is_active=True).first() if message.user_id else None
    if user is None and (message.user_id is not None or not to):
        return None
    data = {k: v for k, v in (message.data or {}).items() if k not in ("_then", "_sms", "_to")}
    for i, channel in enumerate(channels):
        if channel not in CHANNELS:
            return None
        addresses = [to[channel]] if channel in to else _user_addresses(user, channel) if user is not None else []
        for address in addresses:
            spec = MessageSpec(channel=channel, address=address, subject=message.subject, body=message.body,
                               url=message.url, priority=message.priority, kind=message.kind, data=data, user=user,
                               sms=(message.data or {}).get("_sms", "") or "", topic=message.topic,
                               mission_id=message.mission_id, then=tuple(channels[i + 1:]), then_to=to,
                               dedupe_key=f"then:{message.pk}:{channel}")
            queued = _queue(spec)
            if queued is not None:
                _kick_on_commit(queued.priority)
                return queued
    return None


# --- Withdrawing queued messages -------------------------------------------------------------------------------
def messages_cancel(*, kinds: Sequence[str], data: dict[str, Any], reason: str) -> int:
    """Withdraw the queued messages of these kinds whose data holds every key/value of `data` (for example
    {"crisis": 12}): they are marked dead with `reason` as their last error and never sent. A message a
    worker is handing to its channel at this moment still goes. Runs in the caller's transaction. Returns
    how many were withdrawn."""
    if not kinds or not data:
        raise BadInput(_("Say which messages to withdraw."), field="kinds")
    qs = Message.objects.filter(kind__in=list(kinds))
    for key, value in data.items():
        qs = qs.filter(**{f"data__{key}": value})
    qs.filter(fallback_at__isnull=False).update(fallback_at=None)  # nor will they fall back to another channel
    return qs.filter(status=Message.Status.QUEUED).update(
        status=Message.Status.DEAD, last_error=(reason or "withdrawn")[:500], claimed_by="", claimed_until=None)


# --- Operator actions -----------------------------------------------------------------------------------------
@transaction.atomic
def message_retry(*, user: User, message_id: int) -> Message:
    """Headquarters: send a failed or dead message again now, with a fresh set of attempts. Audited."""
    require_log_access(user)
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."), field="message_id")
    if message.status not in (Message.Status.DEAD, Message.Status.FAILED):
        raise Conflict(_("Only failed messages can be retried."), field="message_id")
    message.status, message.attempts, message.next_attempt_at = Message.Status.QUEUED, 0, timezone.now()
    message.claimed_by, message.claimed_until = "", None
    message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_by", "claimed_until"])
    audit_record(actor=user, action="notify.retry", object_type="notify.message", object_id=message.pk)
    _kick_on_commit(message.priority)
    return message
