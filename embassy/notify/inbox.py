"""What comes back from the providers: delivery receipts, and the registry of the apps' handlers for the
messages people send us (the way in itself, stored and handed over by a worker: notify.inbound).

Receipts arrive as a `Parsed` (embassy.notify.providers) from a verified webhook (notify.webhooks) or the SMPP
listener, through `notify.inbound.ingest`. They update the outbox rows they name by (account, vendor id). A
receipt never takes a message back: read > delivered > sent, and a failure after delivery is ignored (vendors
resend and reorder). Apps learn of them through `hooks.on_receipt` (crises count the roll-call as reached when
it is delivered).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from embassy.notify import hooks
from embassy.notify.models import Message, OptOut
from embassy.notify.providers import Receipt
from embassy.notify.specs import MessageSpec

log = logging.getLogger(__name__)

RANK = {"": 0, "sent": 1, "failed": 2, "delivered": 3, "read": 4}


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


def handlers() -> list[tuple[int, str, Handler, Prepare | None]]:
    """The registered handlers, in their order: (order, name, handler, prepare)."""
    return list(_HANDLERS)


# --- Receipts ------------------------------------------------------------------------------------------------
# Plain SQL: a storm of single-receipt callbacks (Twilio sends one request per message) spends most of a
# callback building ORM queries otherwise. Only plain columns are read; the times are set in SQL (COALESCE).
_TABLE = Message._meta.db_table
_RECEIPT_SQL = f"SELECT id, provider_id, receipt, kind, data, channel FROM {_TABLE} WHERE provider = %s AND provider_id IN "  # noqa: S608
_NOW_SQL = f"SELECT id, receipt FROM {_TABLE} WHERE id IN "  # noqa: S608
_UPDATE_SQL = (f"UPDATE {_TABLE} SET receipt = %s, receipt_error = %s, delivered_at = COALESCE(delivered_at, %s), "  # noqa: S608
               "read_at = COALESCE(read_at, %s) WHERE id = %s")
_Row = tuple[int, str, str, str, Any, str]  # id, provider_id, receipt, kind, data, channel


def _select(sql: str, params: Sequence[Any], keys: Sequence[Any]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            cursor.execute(sql + f"({', '.join(['%s'] * len(chunk))})", [*params, *chunk])
            found += cursor.fetchall()
    return found


def _receipt_rows(account: str, provider_ids: Sequence[str]) -> list[_Row]:
    return [(pk, pid, receipt, kind, json.loads(data) if isinstance(data, str) else data, channel)
            for pk, pid, receipt, kind, data, channel in _select(_RECEIPT_SQL, [account], provider_ids)]


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
        now_is = dict(_select(_NOW_SQL, [], list(read)))
        moved = {pk for pk, current in read.items() if now_is.get(pk) != current}
        if moved:  # a retry of the same receipt was applied meanwhile (or the row purged): as they are now
            again = {r[1] for r in found if r[0] in moved}
            found = [r for r in found if r[0] not in moved] + [r for r in _receipt_rows(account, list(again))
                                                                if r[0] in now_is]
        rows, changed = _receipt_changes(found, latest, now)
        if rows:
            with connection.cursor() as cursor:
                if len(rows) == 1:
                    cursor.execute(_UPDATE_SQL, rows[0])
                else:
                    cursor.executemany(_UPDATE_SQL, rows)
            hooks.receipts(changed)
    return len(rows)


def _receipt_changes(found: list[_Row], latest: dict[str, Receipt], now: dt.datetime
                     ) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[str, dict[str, Any]]]]]:
    """The updates the receipts make to these messages (as read), and what the apps' hooks hear of them."""
    rows: list[tuple[Any, ...]] = []
    changed: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    adapt = connection.ops.adapt_datetimefield_value
    for pk, provider_id, current, kind, data, channel in found:
        receipt = latest[provider_id]
        if RANK.get(receipt.status, 0) <= RANK.get(current, 0):
            continue
        if current in ("delivered", "read") and receipt.status == "failed":
            continue
        at = receipt.at or now
        when = adapt(at)
        delivered = when if receipt.status in ("delivered", "read") else None
        read = when if receipt.status == "read" else None
        error = receipt.error[:300] if receipt.status == "failed" else ""
        rows.append((receipt.status, error, delivered, read, pk))
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


def opted_out(channel: str, addresses: Sequence[str]) -> set[str]:
    """The addresses among these that opted out of the channel."""
    if not addresses:
        return set()
    return set(OptOut.objects.filter(channel=channel, address__in=list(addresses)).values_list("address", flat=True))
