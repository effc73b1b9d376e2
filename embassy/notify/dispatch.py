"""The dispatcher: claim due messages in batches (highest priority first) under a lease, send them through
their channels, record every attempt, schedule retries with exponential backoff and jitter.

Why it is built this way:
- Claiming takes a short transaction and nothing is locked while sending, so a slow provider never blocks
  the outbox. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets many dispatchers claim disjoint batches; on SQLite
  the write lock taken by the (immediate) transaction serialises claims.
- Every round re-reads the queue in priority order, so an SOS alert queued during a 100,000-message
  broadcast waits for at most the batch in flight. SOS messages also ignore the per-channel rate limits
  (they still use up tokens, which slows lower priorities down instead).
- A worker that dies mid-batch leaves its messages in `sending` with a lease; when the lease runs out they
  are claimed again (at-least-once delivery; providers get a stable idempotency key).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from embassy.common.bulk import insert_many, update_each, update_rows
from embassy.notify import conf, hooks
from embassy.notify.channels import Channel, Outcome, Result, get_channel
from embassy.notify.models import (
    CHANNELS,
    ChannelBucket,
    DeliveryAttempt,
    Message,
    Priority,
    PushSubscription,
)

log = logging.getLogger(__name__)

ORDER = ("priority", "next_attempt_at", "id")
_ROW = ("id", "channel", "priority", "next_attempt_at", "status", "attempts")
_ATTEMPT_COLUMNS = ("message_id", "at", "ok", "outcome", "status_code", "error", "duration_ms")
# Per-row values (retry times, provider ids, receipts) in one UPDATE per list on PostgreSQL (common.bulk.update_rows).
SET_BASED = ("postgresql",)
LEASE_LOST = "the worker sending it stopped before finishing (lease expired)"


@dataclass(frozen=True)
class RoundResult:
    processed: int
    wait: float | None  # seconds until a rate-limited channel has a token again; None: nothing waits
    bulk_only: bool = False  # every message of the round was a BULK one (a broadcast)


# --- Retry policy ------------------------------------------------------------------------------------------
def backoff_seconds(attempts: int, priority: int, retry_after: float | None = None) -> float:
    """Delay before the next try after `attempts` tries: base·2^(attempts-1), capped, with "equal jitter"
    (half fixed, half random) so that a provider outage does not bring every retry back at once. SOS
    messages retry on a short base. A provider's Retry-After is honoured (up to the cap)."""
    cap = conf.retry_max_seconds()
    base = conf.retry_base_seconds()
    if priority <= Priority.SOS:
        base = min(base, 2.0)
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    delay = delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not security
    if retry_after:
        delay = max(delay, min(retry_after, cap))
    return delay


# --- Rate limits ---------------------------------------------------------------------------------------------
def _capacity(channel: str) -> float:
    return max(1.0, conf.rate_limit(channel) * conf.burst_seconds())


def _buckets_locked(channels: Iterable[str], now: dt.datetime) -> dict[str, ChannelBucket]:
    """Refilled token buckets of the rate-limited channels, row-locked until the transaction ends."""
    limited = [c for c in channels if conf.rate_limit(c) > 0]
    if not limited:
        return {}
    buckets = {b.channel: b for b in ChannelBucket.objects.select_for_update().filter(channel__in=limited)}
    missing = [c for c in limited if c not in buckets]
    if missing:
        ChannelBucket.objects.bulk_create(
            [ChannelBucket(channel=c, tokens=_capacity(c), updated_at=now) for c in missing], ignore_conflicts=True)
        buckets = {b.channel: b for b in ChannelBucket.objects.select_for_update().filter(channel__in=limited)}
    for channel, bucket in buckets.items():
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        bucket.tokens = min(_capacity(channel), bucket.tokens + elapsed * conf.rate_limit(channel))
        bucket.updated_at = max(now, bucket.updated_at)
    return buckets


# --- Claiming --------------------------------------------------------------------------------------------------
# Written out literally (not as a bound parameter) so that SQLite can use the partial indexes, whose
# condition is the same text: SQLite only matches a partial index against constants in the query.
ACTIVE_SQL = "status IN ('queued', 'sending')"


def _due(now: dt.datetime) -> QuerySet[Message]:
    return Message.objects.extra(where=[ACTIVE_SQL]).filter(next_attempt_at__lte=now)  # noqa: S610 - constant SQL


def claim_batch(*, limit: int, channels: Sequence[str] | None = None, now: dt.datetime | None = None,
                worker: str = "") -> tuple[list[int], str, float | None]:
    """Claim up to `limit` due messages: every due SOS message first (rate limits do not apply to them),
    then the rest in (priority, next_attempt_at, id) order, at most as many per channel as its token bucket
    allows. Returns (claimed ids, claim token, seconds until a rate-limited channel can send again).

    Claimed messages are `sending` with a lease of NOTIFY_LEASE_SECONDS; their attempt counter is raised
    now, so a message that keeps killing its worker still runs out of attempts."""
    now = now or timezone.now()
    token = worker or uuid.uuid4().hex
    scope = [c for c in (channels or CHANNELS) if c in CHANNELS]
    lease_end = now + dt.timedelta(seconds=conf.lease_seconds())
    wait: float | None = None
    with transaction.atomic():
        buckets = _buckets_locked(scope, now)
        due = _due(now)
        if channels:
            due = due.filter(channel__in=scope)
        rows = list(due.filter(priority__lte=Priority.SOS).order_by(*ORDER)
                    .select_for_update(skip_locked=True).values_list(*_ROW)[:limit])
        for channel in scope:
            bucket = buckets.get(channel)
            room = limit if bucket is None else min(limit, math.floor(bucket.tokens))
            rest = due.filter(channel=channel, priority__gt=Priority.SOS)
            if room <= 0:
                if bucket is not None and rest.exists():
                    seconds = (1.0 - bucket.tokens) / conf.rate_limit(channel)
                    wait = seconds if wait is None else min(wait, seconds)
                continue
            rows += list(rest.order_by(*ORDER).select_for_update(skip_locked=True).values_list(*_ROW)[:room])
        rows.sort(key=lambda r: (r[2], r[3], r[0]))
        chosen = rows[:limit]
        if not chosen:
            return [], token, wait
        lost = [r for r in chosen if r[4] == Message.Status.SENDING]
        exhausted = {r[0] for r in lost if r[5] >= conf.max_attempts(r[1])}
        if lost:
            DeliveryAttempt.objects.bulk_create([
                DeliveryAttempt(message_id=r[0], at=now, ok=False, outcome="expired", error=LEASE_LOST) for r in lost])
        if exhausted:
            Message.objects.filter(id__in=exhausted).update(
                status=Message.Status.DEAD, claimed_by="", claimed_until=None, last_error=LEASE_LOST)
        ids = [r[0] for r in chosen if r[0] not in exhausted]
        for r in chosen:
            bucket = buckets.get(r[1])
            if bucket is not None and r[0] not in exhausted:
                bucket.tokens = max(-_capacity(r[1]), bucket.tokens - 1)
        if buckets:
            ChannelBucket.objects.bulk_update(list(buckets.values()), ["tokens", "updated_at"])
        Message.objects.filter(id__in=ids).update(
            status=Message.Status.SENDING, claimed_by=token, claimed_until=lease_end, next_attempt_at=lease_end,
            attempts=F("attempts") + 1)
    return ids, token, wait


# --- Sending -----------------------------------------------------------------------------------------------------
Sent = tuple[Message, Result, int]


def _timed_send(channel: Channel, message: Message) -> Sent:
    start = time.monotonic()
    try:
        result = channel.send(message)
    except Exception as exc:  # a channel bug must not lose the batch: retry like a temporary failure
        log.exception("notify: %s channel raised on message %s", message.channel, message.pk)
        result = Result.retry(f"unexpected error: {exc!r}")
    return message, result, int((time.monotonic() - start) * 1000)


def send_messages(messages: Sequence[Message]) -> list[Sent]:
    """Send a claimed batch. Channels that allow it send from a thread pool (they never touch the
    database); the others (e-mail over one SMTP connection, the file sink) send in order here."""
    by_channel: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_channel[message.channel].append(message)
    channels = {name: get_channel(name) for name in by_channel}
    parallel = [m for name, ms in by_channel.items() if channels[name].concurrency > 1 for m in ms]
    serial = [m for name, ms in by_channel.items() if channels[name].concurrency <= 1 for m in ms]
    results: list[Sent] = []
    for channel in channels.values():
        channel.open()
    for name, channel in channels.items():
        channel.prepare(by_channel[name])
    try:
        if len(parallel) > 1:
            workers = min(len(parallel), conf.concurrency())
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify") as pool:
                futures = [pool.submit(_timed_send, channels[m.channel], m) for m in parallel]
                results += [_timed_send(channels[m.channel], m) for m in serial]  # meanwhile, in this thread
                results += [f.result() for f in futures]
        else:
            results += [_timed_send(channels[m.channel], m) for m in [*parallel, *serial]]
    finally:
        for channel in channels.values():
            channel.close()
    return results


# --- Recording ------------------------------------------------------------------------------------------------
@dataclass
class _Tally:
    """What a batch's results change, gathered so that rows sharing an outcome are updated together and the
    per-row values (retry time, provider id, account) go through one executemany each (bulk_update's CASE
    expressions cost ~5 ms per row)."""

    now: dt.datetime
    at: Any  # `now` adapted for the database
    groups: dict[tuple[str, str, bool], list[int]] = field(default_factory=lambda: defaultdict(list))
    retry_at: list[tuple[dt.datetime, int]] = field(default_factory=list)
    provider_ids: list[tuple[str, int]] = field(default_factory=list)
    accounts: list[tuple[str, int]] = field(default_factory=list)
    receipts: list[tuple[Any, ...]] = field(default_factory=list)  # known at hand-over (the sink)
    receipt_items: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))
    gone: set[int] = field(default_factory=set)
    delivered: set[int] = field(default_factory=set)

    def retry_or_dead(self, message: Message, result: Result) -> None:
        """A send to try again: queued again after its backoff, or dead once the channel's attempts are spent."""
        if message.attempts >= conf.max_attempts(message.channel):
            self.groups[(Message.Status.DEAD, result.error, False)].append(message.pk)
        else:
            self.groups[(Message.Status.QUEUED, result.error, False)].append(message.pk)
            delay = backoff_seconds(message.attempts, message.priority, result.retry_after)
            self.retry_at.append((self.now + dt.timedelta(seconds=delay), message.pk))

    def sent(self, message: Message, result: Result) -> None:
        self.groups[(Message.Status.SENT, "", True)].append(message.pk)
        if result.provider_id:
            self.provider_ids.append((result.provider_id, message.pk))
        if message.subscription_id:
            self.delivered.add(message.subscription_id)
        if result.receipt:
            self.receipts.append((result.receipt, self.at, message.pk))
            self.receipt_items[message.kind].append((result.receipt, {
                **(message.data or {}), "_message": message.pk, "_channel": message.channel,
                "_at": self.now.isoformat()}))

    def add(self, message: Message, result: Result) -> None:
        if result.account:
            self.accounts.append((result.account, message.pk))
        if result.outcome is Outcome.SENT:
            self.sent(message, result)
        elif result.outcome is Outcome.RETRY:
            self.retry_or_dead(message, result)
        else:
            self.groups[(Message.Status.FAILED, result.error, False)].append(message.pk)
            if result.outcome is Outcome.GONE and message.subscription_id:
                self.gone.add(message.subscription_id)

    def write(self) -> None:
        # A message delivered at hand-over (the sink) is written once, with its receipt: every UPDATE of a row
        # writes a new version of it and of its index entries, the bulk of a broadcast's database work.
        receipted = {pk for _receipt, _at, pk in self.receipts}
        for (status, error, sent), ids in self.groups.items():
            if rest := [pk for pk in ids if pk not in receipted] if sent else ids:
                Message.objects.filter(id__in=rest).update(status=status, last_error=error, claimed_by="",
                                                           claimed_until=None, **({"sent_at": self.now} if sent else {}))
        update_rows(Message, ["status", "last_error", "claimed_by", "claimed_until", "sent_at", "receipt", "delivered_at"],
                    [(Message.Status.SENT, "", "", None, self.at, receipt, at, pk) for receipt, at, pk in self.receipts],
                    set_based=SET_BASED)
        update_each(Message, "next_attempt_at", self.retry_at, set_based=SET_BASED)
        update_each(Message, "provider_id", self.provider_ids, set_based=SET_BASED)
        update_each(Message, "provider", self.accounts, set_based=SET_BASED)
        if self.gone:
            PushSubscription.objects.filter(id__in=self.gone, disabled_at__isnull=True).update(disabled_at=self.now)
        if self.delivered:
            PushSubscription.objects.filter(id__in=self.delivered).update(last_success_at=self.now)


def record_results(results: Sequence[Sent], *, token: str, now: dt.datetime | None = None) -> None:
    """Store the outcome of each send and the attempt log. A message whose lease was lost meanwhile
    (another worker claimed it again) keeps its new owner's state; only the attempt is logged."""
    now = now or timezone.now()
    tally = _Tally(now, connection.ops.adapt_datetimefield_value(now))
    with transaction.atomic():
        # Filtered here, not in SQL: with `status` in the query PostgreSQL's planner takes the partial index of
        # the active messages and reads every one of them (a million during a broadcast) instead of 50 by key.
        ours = {pk for pk, by, status in Message.objects.filter(id__in=[m.pk for m, _r, _ms in results])
                .values_list("id", "claimed_by", "status") if by == token and status == Message.Status.SENDING}
        attempts = [(m.pk, tally.at, r.ok, r.outcome.value, r.status_code, r.error[:500], ms) for m, r, ms in results]
        for message, result, _ms in results:
            if message.pk in ours:
                tally.add(message, result)
        tally.write()
        # The delivery log in one executemany: bulk_create builds a model instance per row, a noticeable
        # share of a broadcast's cost.
        insert_many(DeliveryAttempt, _ATTEMPT_COLUMNS, attempts)
        sent_ids = set(tally.groups.get((Message.Status.SENT, "", True), []))
        if sent_ids:
            hooks.delivered([(m.kind, m.data) for m, _r, _ms in results if m.pk in sent_ids])
        if tally.receipt_items:
            hooks.receipts(tally.receipt_items)
    for message, result, _ms in results:
        if not result.ok:
            log.info("notify: %s message %s %s: %s", message.channel, message.pk, result.outcome.value, result.error)


# --- Rounds and runs ------------------------------------------------------------------------------------------
def dispatch_round(*, limit: int | None = None, channels: Sequence[str] | None = None,
                   now: dt.datetime | None = None) -> RoundResult:
    ids, token, wait = claim_batch(limit=limit or conf.batch_size(), channels=channels, now=now)
    if not ids:
        return RoundResult(0, wait)
    messages = list(Message.objects.filter(id__in=ids, claimed_by=token).select_related("subscription")
                    .order_by(*ORDER))
    record_results(send_messages(messages), token=token, now=now)
    return RoundResult(len(messages), wait, all(m.priority >= Priority.BULK for m in messages))


def dispatch_due(*, limit: int | None = None, channels: Sequence[str] | None = None,
                 now: dt.datetime | None = None) -> int:
    """One round: claim up to `limit` due messages (default NOTIFY_BATCH_SIZE) highest priority first,
    send them, record the results. Returns how many were sent or tried. `now` is for tests and replays."""
    return dispatch_round(limit=limit, channels=channels, now=now).processed


def dispatch_run(*, max_seconds: float | None = None, hand_over: Callable[[], object] | None = None) -> int:
    """Rounds until nothing is due or `max_seconds` (NOTIFY_DISPATCH_MAX_SECONDS) have passed; waits for
    tokens while only rate-limited messages are due. A run cut short calls `hand_over` (the task kicks a
    fresh task), so a long broadcast never holds a worker for good: while it carries only a broadcast, after
    NOTIFY_BROADCAST_RUN_SECONDS already, so that the worker takes its other tasks (an SOS fan-out) in between."""
    start = time.monotonic()
    deadline = start + (conf.dispatch_max_seconds() if max_seconds is None else max_seconds)
    broadcast_deadline = start + conf.broadcast_run_seconds()
    total = 0
    limit: int | None = None
    while True:
        result = dispatch_round(limit=limit)
        total += result.processed
        # After a round of a broadcast only, the next claims a bigger batch (urgent messages still come first).
        limit = conf.bulk_batch_size() if result.bulk_only else None
        now = time.monotonic()
        remaining = deadline - now
        if remaining <= 0 or (hand_over is not None and result.bulk_only and now >= broadcast_deadline):
            if hand_over is not None and (result.processed or result.wait is not None):
                hand_over()
            break
        if result.processed:
            if result.bulk_only:
                # A broadcast: let urgent writers (SOS alerts, answers) take the database's write lock
                # between rounds — SQLite has one, and a tight loop would re-take it first every time.
                time.sleep(conf.bulk_pause_seconds())
            continue
        if result.wait is None:
            break
        time.sleep(min(max(result.wait, 0.01), remaining, 1.0))
    return total


# --- Housekeeping --------------------------------------------------------------------------------------------
def purge_old(*, now: dt.datetime | None = None, chunk: int = 1000) -> int:
    """Delete sent messages older than NOTIFY_RETENTION_DAYS and failed/dead ones older than
    NOTIFY_RETENTION_FAILED_DAYS, with their attempt logs, in small transactions."""
    now = now or timezone.now()
    targets = [
        Message.objects.filter(status=Message.Status.SENT, created_at__lt=now - dt.timedelta(days=conf.retention_days())),
        Message.objects.filter(status__in=[Message.Status.FAILED, Message.Status.DEAD],
                               created_at__lt=now - dt.timedelta(days=conf.retention_failed_days())),
    ]
    total = 0
    for qs in targets:
        while ids := list(qs.values_list("id", flat=True)[:chunk]):
            with transaction.atomic():
                DeliveryAttempt.objects.filter(message_id__in=ids).delete()
                Message.objects.filter(id__in=ids).delete()
            total += len(ids)
    return total
