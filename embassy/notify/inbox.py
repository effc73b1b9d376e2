"""What comes back from the providers: delivery receipts and the messages people send us.

Both arrive as a `Parsed` (embassy.notify.providers) from a verified webhook (notify.webhooks) or the SMPP
listener, and go through `ingest` and nowhere else.

Receipts update the outbox rows they name by (account, vendor id). A receipt never takes a message back:
read > delivered > sent, and a failure after delivery is ignored (vendors resend and reorder). Apps learn
of them through `hooks.on_receipt` (crises count the roll-call as reached when it is delivered).

An inbound message is stored once per (account, vendor id), so a retried webhook or a redelivered PDU is
seen once, and the vendor is answered as soon as it is stored: one insert, whatever the text asks for. The
same transaction kicks the worker's task (inbound_run), which hands the waiting messages, oldest first and
many per write transaction, to the opt-out words, then to the handlers that apps register with `on_inbound`
in their order (crises: roll-call replies; sos: an SOS by SMS, else a message on the person's open case or a
new conversation). The first handler that returns an outcome takes it. A handler that raises undoes only its
own message, which waits for the periodic run to try it again (MAX_TRIES, then "failed": kept with its text).
Nothing is lost: a message stored is a message handled, even if a kick is lost or the worker dies. A handler
acts only for the sender: the number is who is speaking, nothing in the text can name another person.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from embassy.common import bulk, kicks
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.notify import hooks
from embassy.notify.models import Inbound, Message, OptOut, ProviderAccount
from embassy.notify.providers import Account, Parsed, Receipt
from embassy.notify.providers import Inbound as InboundItem
from embassy.notify.specs import MessageSpec

log = logging.getLogger(__name__)

RANK = {"": 0, "sent": 1, "failed": 2, "delivered": 3, "read": 4}
# Opt-out and opt-in words: the carriers' standard English ones (CTIA) and their Indonesian equivalents.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BERHENTI", "STOP SEMUA"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "MULAI", "LANJUT"})


@dataclass(frozen=True)
class InboundText:
    """An inbound message as handlers see it."""

    id: int  # notify.Inbound pk
    channel: str  # sms | whatsapp
    sender: str  # E.164
    to: str  # the number / id it was sent to
    text: str  # as received (stripped)
    at: dt.datetime  # when the person sent it (the vendor's time, else when it reached us)
    account: str  # ProviderAccount.key
    mission_ids: tuple[int, ...]  # the missions the receiving account serves; () when it serves every mission
    # What each handler's `prepare` read before the write transaction, by handler name (absent: not prepared).
    plans: Mapping[str, Any] = field(default_factory=dict)


Handler = Callable[[InboundText], "Outcome | None"]
Prepare = Callable[[InboundText], Any]


@dataclass(frozen=True)
class Outcome:
    """What a handler made of a message: a short name (sos, rollcall, conversation…), what it touched
    ("sos.case:12"), the user it was matched to, and what to answer."""

    name: str
    ref: str = ""
    user_id: int | None = None
    # Answers to the sender, queued with those of the other messages of the batch (one bulk insert).
    replies: tuple[MessageSpec, ...] = ()


_HANDLERS: list[tuple[int, str, Handler, Prepare | None]] = []


def on_inbound(name: str, fn: Handler, *, order: int, prepare: Prepare | None = None) -> None:
    """Register a handler for inbound messages (apps do this in ready()); lower `order` runs first.

    `prepare(message)`, optional, runs before the write transaction (message.id is 0 then) and only reads: what
    it returns reaches the handler as message.plans[name]. It keeps the write lock (one writer at a time on
    SQLite) to the handler's writes. What it read may have changed by then: the handler must still hold."""
    global _HANDLERS
    _HANDLERS = sorted([h for h in _HANDLERS if h[1] != name] + [(order, name, fn, prepare)],
                       key=lambda h: (h[0], h[1]))


# --- Receipts ------------------------------------------------------------------------------------------------
_RECEIPT_COLUMNS = ("id", "provider_id", "receipt", "delivered_at", "read_at", "kind", "data", "channel")


def _receipt_rows(account: str, provider_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(provider_ids), 500):
        chunk = provider_ids[start:start + 500]
        found += Message.objects.filter(provider_id__in=chunk, provider=account).values_list(*_RECEIPT_COLUMNS)
    return found


def _receipt_now(pks: Sequence[int]) -> dict[int, str]:
    """The receipt column of these messages, as it is now (one plain query, inside the write transaction)."""
    now: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(pks), 500):
            chunk = pks[start:start + 500]
            cursor.execute(f"SELECT id, receipt FROM {Message._meta.db_table} "  # noqa: S608 (the model's table)
                           f"WHERE id IN ({', '.join(['%s'] * len(chunk))})", list(chunk))
            now.update(cursor.fetchall())
    return now


def receipts_apply(account: str, receipts: Sequence[Receipt], *, now: dt.datetime | None = None) -> int:
    """Apply delivery receipts of one account; returns how many messages changed. Unknown ids (another
    system's messages, or purged rows) are ignored; progress only moves forward.

    The messages are read before the write transaction (a storm of single-receipt callbacks keeps the write lock
    to the updates); inside it, one plain query checks that no receipt of theirs moved meanwhile (a vendor's
    retry in flight beside the first), and those that did are read again there."""
    if not receipts:
        return 0
    now = now or timezone.now()
    latest: dict[str, Receipt] = {}
    for receipt in receipts:
        seen = latest.get(receipt.provider_id)
        if seen is None or RANK.get(receipt.status, 0) >= RANK.get(seen.status, 0):
            latest[receipt.provider_id] = receipt
    found = _receipt_rows(account, list(latest))
    if not found:
        return 0
    with transaction.atomic():
        read = {r[0]: r[2] for r in found}
        now_is = _receipt_now(list(read))
        moved = {pk for pk, current in read.items() if now_is.get(pk) != current}
        if moved:  # a retry of the same receipt was applied meanwhile (or the row purged): as they are now
            found = [r for r in found if r[0] not in moved] + list(
                Message.objects.filter(pk__in=list(moved)).values_list(*_RECEIPT_COLUMNS))
        rows, changed = _receipt_changes(found, latest, now)
        bulk.update_rows(Message, ["receipt", "receipt_error", "delivered_at", "read_at"], rows)
        if rows:
            hooks.receipts(changed)
    return len(rows)


def _receipt_changes(found: list[tuple[Any, ...]], latest: dict[str, Receipt], now: dt.datetime
                     ) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[str, dict[str, Any]]]]]:
    """The updates the receipts make to these messages (as read), and what the apps' hooks hear of them."""
    rows: list[tuple[Any, ...]] = []
    changed: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for pk, provider_id, current, delivered_at, read_at, kind, data, channel in found:
        receipt = latest[provider_id]
        if RANK.get(receipt.status, 0) <= RANK.get(current, 0):
            continue
        if current in ("delivered", "read") and receipt.status == "failed":
            continue
        at = receipt.at or now
        if receipt.status in ("delivered", "read") and delivered_at is None:
            delivered_at = at
        if receipt.status == "read":
            read_at = read_at or at
        error = receipt.error[:300] if receipt.status == "failed" else ""
        rows.append((receipt.status, error, delivered_at, read_at, pk))
        changed[kind].append((receipt.status, {**(data or {}), "_message": pk, "_channel": channel,
                                               "_at": at.isoformat()}))
    return rows, changed


PUSH_RECEIPT_SALT = "notify.push-shown"


def receipt_token(message_id: int) -> str:
    """What the service worker posts back once it has shown a push notification (its delivery receipt): the
    message id, signed, so that nobody can mark another message delivered."""
    return signing.Signer(salt=PUSH_RECEIPT_SALT).sign(str(message_id))


def push_message_id(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=PUSH_RECEIPT_SALT).unsign(token[:100]))
    except (signing.BadSignature, ValueError):
        return None


def push_shown(message_id: int, *, now: dt.datetime | None = None) -> bool:
    """A service worker showed this push notification: its delivery receipt. True when it changed anything."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (Message.objects.filter(pk=message_id, channel="push").exclude(receipt__in=("delivered", "read"))
               .values_list("kind", "data").first())
        if row is None:
            return False
        Message.objects.filter(pk=message_id).update(receipt="delivered", delivered_at=now)
        kind, data = row
        hooks.receipts({kind: [("delivered", {**(data or {}), "_message": message_id, "_channel": "push",
                                              "_at": now.isoformat()})]})
    return True


# --- Inbound -----------------------------------------------------------------------------------------------------
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
    for _order, name, _fn, prepare in _HANDLERS:
        if prepare is not None:
            try:
                plans[name] = prepare(view)
            except Exception:
                log.exception("notify: inbound %s: the reads of %s failed; its handler reads again", view.id, name)
    return replace(view, plans=plans)


def _outcome(view: InboundText) -> Outcome:
    outcome = _opt(view.channel, view.sender, view.text) if view.text else None
    if outcome is None:
        for _order, name, handler, _prepare in _HANDLERS:
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
    from embassy.notify.services import notify_bulk  # here: services imports this module

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
    """The worker's run over the waiting inbound messages (kicked by inbound_store; the periodic safety net is
    notify.tasks.inbound_pending)."""
    kicks.kick_done(KICK)
    return inbound_drain(linger=float(settings.NOTIFY_INBOUND_LINGER_SECONDS))


def _wake() -> None:
    """Make sure a run is queued, ahead of ordinary messages where the backend orders by priority."""
    run = inbound_run.using(priority=50) if inbound_run.get_backend().supports_priority else inbound_run
    kicks.kick_once(KICK, run)


def ingest(account: Account, parsed: Parsed) -> dict[str, int]:
    """Apply a verified webhook's (or SMPP PDU's) receipts and store its inbound messages; returns counts."""
    changed = receipts_apply(account.key, parsed.receipts)
    new = sum(inbound_store(account, item)[1] for item in parsed.inbound)
    return {"receipts": len(parsed.receipts), "changed": changed, "inbound": len(parsed.inbound), "new": new}


def opted_out(channel: str, addresses: Sequence[str]) -> set[str]:
    """The addresses among these that opted out of the channel."""
    if not addresses:
        return set()
    return set(OptOut.objects.filter(channel=channel, address__in=list(addresses)).values_list("address", flat=True))
