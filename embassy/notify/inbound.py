"""The way in: messages people send us (SMS, WhatsApp), from a verified webhook (notify.webhooks) or the SMPP
listener, through `ingest` and nowhere else (receipts go on to notify.inbox).

An inbound message is stored once per (account, vendor id), so a retried webhook or a redelivered PDU is
seen once, and the vendor is answered as soon as it is stored: one insert, whatever the text asks for. The
same transaction kicks the worker's task (inbound_run), which hands the waiting messages, oldest first and
many per write transaction, to the opt-out words, then to the handlers that apps register with
`notify.inbox.on_inbound` in their order (crises: roll-call replies; sos: an SOS by SMS, else a message on the
person's open case or a new conversation). The first handler that returns an outcome takes it, and its
answers are queued with the batch's. A handler that raises undoes only its own message, which waits for the
periodic run to try it again (MAX_TRIES, then "failed": kept with its text). Nothing is lost: a message
stored is a message handled, even if a kick is lost or the worker dies. A handler acts only for the sender:
the number is who is speaking, nothing in the text can name another person.

NotifyConfig.ready imports this module, so that the periodic job is registered in every process.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from embassy.common import bulk, kicks
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.common.tasks import periodic
from embassy.notify.inbox import InboundText, Outcome, handlers, receipts_apply
from embassy.notify.models import Inbound, OptOut, ProviderAccount
from embassy.notify.providers import Account, Parsed
from embassy.notify.providers import Inbound as InboundItem
from embassy.notify.services import notify_bulk
from embassy.notify.specs import MessageSpec

log = logging.getLogger(__name__)
# Opt-out and opt-in words: the carriers' standard English ones (CTIA) and their Indonesian equivalents.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BERHENTI", "STOP SEMUA"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "MULAI", "LANJUT"})


def _normalise_sender(sender: str) -> str:
    raw = (sender or "").strip()
    if raw and not raw.startswith("+") and raw.isdigit():
        raw = "+" + raw
    try:
        return phone_normalise(raw)
    except BadInput:
        return raw[:20]


def _opt_word(text: str) -> str:
    return " ".join(text.upper().split())


def _opt(channel: str, sender: str, text: str) -> Outcome | None:
    word = _opt_word(text)
    if word in STOP_WORDS:
        OptOut.objects.get_or_create(channel=channel, address=sender, defaults={"word": word[:20]})
        return Outcome("opt-out")
    if word in START_WORDS and OptOut.objects.filter(channel=channel, address=sender).delete()[0]:
        return Outcome("opt-in")
    return None


# The worker's share: how many messages one write transaction hands to the handlers, and how often a message
# whose handler failed is tried again before it is marked "failed" (kept, with its text, for an officer).
CHUNK = 32
MAX_TRIES = 5
WAITING = ""  # the outcome of a message not handled yet


def inbound_store(account: Account, item: InboundItem, *, now: dt.datetime | None = None) -> tuple[Inbound, bool]:
    """Store one inbound message once per (account, vendor id), and wake the worker that hands it to the
    handlers (inbound_run) — in one short transaction, so that the vendor is answered at once and a storm of
    texts holds the write lock for one insert each. A retried webhook or a redelivered PDU inserts nothing and
    gets the stored row. Returns (row, whether it was new)."""
    now = now or timezone.now()
    provider_id = item.provider_id[:200]
    values = {"account": account.key, "provider_id": provider_id, "channel": account.channel,
              "sender": _normalise_sender(item.sender), "to": (item.to or "")[:40],
              "text": (item.text or "").strip()[:5000], "sent_at": item.at, "received_at": now}
    with transaction.atomic():
        pk = bulk.insert_or_ignore(Inbound, values)
        if pk is not None:
            _wake()  # its task commits with the message (the immediate backend of the tests runs it right here)
    if pk is None:  # seen before
        return Inbound.objects.get(account=account.key, provider_id=provider_id), False
    row = Inbound(pk=pk, **values)
    row._state.adding, row._state.db = False, "default"
    return row, True


def _view(row: Inbound, mission_ids: dict[str, tuple[int, ...]]) -> InboundText:
    if row.account not in mission_ids:  # the account's missions now (even if it was switched off since)
        mission_ids[row.account] = tuple(sorted(
            m for m in ProviderAccount.objects.filter(key=row.account).values_list("missions", flat=True) if m))
    return InboundText(id=row.pk, channel=row.channel, sender=row.sender, to=row.to, text=row.text,
                       at=row.sent_at or row.received_at, account=row.account, mission_ids=mission_ids[row.account])


def _prepared(view: InboundText) -> InboundText:
    """The handlers' reads (`prepare`), before the write transaction; one that fails is left to its handler."""
    plans = {}
    for _order, name, _fn, prepare in handlers():
        if prepare is not None:
            try:
                plans[name] = prepare(view)
            except Exception:
                log.exception("notify: inbound %s: the reads of %s failed; its handler reads again", view.id, name)
    return replace(view, plans=plans)


def _outcome(view: InboundText) -> Outcome:
    outcome = _opt(view.channel, view.sender, view.text) if view.text else None
    if outcome is None:
        for _order, name, handler, _prepare in handlers():
            outcome = handler(view)
            if outcome is not None:
                log.info("notify: inbound %s taken by %s (%s)", view.id, name, outcome.name)
                break
    return outcome or Outcome("ignored" if not view.text else "unhandled")


def inbound_handle(*, limit: int = CHUNK, again: bool = False) -> int:
    """Hand up to `limit` waiting messages, oldest first, to the opt-out words and then to the handlers that apps
    register (on_inbound); returns how many were taken (0: none waiting). Their reads run first, then one write
    transaction holds them all, each message in a savepoint of its own: a handler that raises undoes only its own
    message, which is tried again by the periodic run (`again`: messages tried before too; MAX_TRIES, then
    "failed"). A message another worker took meanwhile is skipped (re-read inside the transaction, locked with
    SKIP LOCKED where the database has it)."""
    waiting = Inbound.objects.filter(outcome=WAITING)
    waiting = waiting.filter(tries__lt=MAX_TRIES) if again else waiting.filter(tries=0)
    rows = list(waiting.order_by("id")[:limit])
    if not rows:
        return 0
    known: dict[str, tuple[int, ...]] = {}
    views = [_prepared(_view(row, known)) for row in rows]
    done: list[tuple[Any, ...]] = []
    replies: list[MessageSpec] = []
    with transaction.atomic():
        mine = set(Inbound.objects.select_for_update(skip_locked=True)
                   .filter(pk__in=[r.pk for r in rows], outcome=WAITING).values_list("pk", flat=True))
        for row, view in zip(rows, views, strict=True):
            if row.pk not in mine:
                continue
            try:
                with transaction.atomic():
                    outcome = _outcome(view)
            except Exception:
                tries = row.tries + 1
                log.exception("notify: inbound %s: a handler failed (try %s of %s)", row.pk, tries, MAX_TRIES)
                if tries >= MAX_TRIES:
                    done.append(("failed", "", None, tries, row.pk))
                else:
                    Inbound.objects.filter(pk=row.pk).update(tries=tries)
                continue
            done.append((outcome.name[:20], outcome.ref[:40], outcome.user_id, row.tries, row.pk))
            replies.extend(outcome.replies)
        if replies:
            _answer(replies)
        now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the cases' transaction ends
        bulk.update_rows(Inbound, ["outcome", "ref", "user_id", "tries", "handled_at"],
                         [(*d[:4], now, d[4]) for d in done])
    return len(mine)


def _answer(replies: list[MessageSpec]) -> None:
    """Queue the handlers' answers in one insert. One that cannot be queued (a bug: an unknown channel) is
    logged and left out, never allowed to undo the batch (which would hand the same texts over again)."""
    try:
        with transaction.atomic():
            notify_bulk(messages=replies)
        return
    except Exception:
        log.exception("notify: the answers to %s inbound texts could not be queued together", len(replies))
    for spec in replies:
        try:
            with transaction.atomic():
                notify_bulk(messages=[spec])
        except Exception:
            log.exception("notify: an answer (%s to %s) could not be queued", spec.kind, spec.channel)


# --- The worker's task -------------------------------------------------------------------------------------------
KICK = "notify.inbound"
POLL = 0.01


def inbound_drain(*, linger: float = 0.0, budget: float = 1.0, again: bool = False) -> int:
    """Hand waiting messages to the handlers until none is left — and none came for `linger` seconds more (a storm
    of texts is taken as it arrives, not one worker wake-up later) — or `budget` seconds have passed: then the
    next run is kicked, so that the worker's other tasks (the SOS fan-out) get their turn. Returns how many."""
    began = time.monotonic()
    quiet_since: float | None = None
    total = 0
    while True:
        taken = inbound_handle(again=again)
        total += taken
        now = time.monotonic()
        if taken:
            quiet_since = None
            if now - began >= budget:
                if inbound_run.get_backend().supports_defer:  # not the immediate backend: no recursion
                    _wake()
                return total
            continue
        quiet_since = quiet_since or now
        if now - quiet_since >= linger or now - began >= budget:
            return total
        time.sleep(POLL)


@task(queue_name="inbound")
def inbound_run() -> int:
    """The worker's run over the waiting inbound messages (kicked by inbound_store; inbound_pending below is the
    periodic safety net)."""
    kicks.kick_done(KICK)
    return inbound_drain(linger=float(settings.NOTIFY_INBOUND_LINGER_SECONDS))


@periodic(dt.timedelta(seconds=20))
@task(queue_name="inbound")
def inbound_pending() -> int:
    """Safety net: inbound texts whose kick was lost (or whose handler failed and waits for another try)."""
    return inbound_drain(again=True)


def _wake() -> None:
    """Make sure a run is queued, ahead of ordinary messages where the backend orders by priority."""
    run = inbound_run.using(priority=50) if inbound_run.get_backend().supports_priority else inbound_run
    kicks.kick_once(KICK, run)


def ingest(account: Account, parsed: Parsed) -> dict[str, int]:
    """Apply a verified webhook's (or SMPP PDU's) receipts and store its inbound messages; returns counts."""
    changed = receipts_apply(account.key, parsed.receipts)
    new = sum(inbound_store(account, item)[1] for item in parsed.inbound)
    return {"receipts": len(parsed.receipts), "changed": changed, "inbound": len(parsed.inbound), "new": new}

