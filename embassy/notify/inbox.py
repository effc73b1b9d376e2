"""What comes back from the providers: delivery receipts and the messages people send us.

Both arrive as a `Parsed` (embassy.notify.providers) from a verified webhook (notify.webhooks) or the SMPP
listener, and go through `ingest` and nowhere else.

Receipts update the outbox rows they name by (account, vendor id). A receipt never takes a message back:
read > delivered > sent, and a failure after delivery is ignored (vendors resend and reorder). Apps learn
of them through `hooks.on_receipt` (crises count the roll-call as reached when it is delivered).

An inbound message is stored once per (account, vendor id), so a retried webhook or a redelivered PDU is
seen once. A new one goes, in the transaction that stores it, to the opt-out words, then to the handlers
that apps register with `on_inbound` in their order (crises: roll-call replies; sos: an SOS by SMS, else a
message on the person's open case or a new conversation). The first handler that returns an outcome takes
it. A handler that raises rolls the whole message back: the vendor gets an error and retries, nothing is
lost. A handler acts only for the sender: the number is who is speaking, nothing in the text can name
another person.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from embassy.common import bulk
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.notify import hooks
from embassy.notify.models import Inbound, Message, OptOut
from embassy.notify.providers import Account, Parsed, Receipt
from embassy.notify.providers import Inbound as InboundItem

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
    ("sos.case:12"), and the user it was matched to."""

    name: str
    ref: str = ""
    user_id: int | None = None


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
def receipts_apply(account: str, receipts: Sequence[Receipt], *, now: dt.datetime | None = None) -> int:
    """Apply delivery receipts of one account; returns how many messages changed. Unknown ids (another
    system's messages, or purged rows) are ignored; progress only moves forward."""
    if not receipts:
        return 0
    now = now or timezone.now()
    latest: dict[str, Receipt] = {}
    for receipt in receipts:
        seen = latest.get(receipt.provider_id)
        if seen is None or RANK.get(receipt.status, 0) >= RANK.get(seen.status, 0):
            latest[receipt.provider_id] = receipt
    rows: list[tuple[Any, ...]] = []
    changed: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    ids = list(latest)
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found = (Message.objects.filter(provider_id__in=chunk, provider=account)
                     .values_list("id", "provider_id", "receipt", "receipt_error", "delivered_at", "read_at",
                                  "kind", "data", "channel"))
            for pk, provider_id, current, error, delivered_at, read_at, kind, data, channel in found:
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
        bulk.update_rows(Message, ["receipt", "receipt_error", "delivered_at", "read_at"], rows)
        if rows:
            hooks.receipts(changed)
    return len(rows)


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


def inbound_store(account: Account, item: InboundItem, *, mission_ids: tuple[int, ...] = (),
                  now: dt.datetime | None = None) -> tuple[Inbound, bool]:
    """Store one inbound message and, when it is new, hand it to the handlers, all in one transaction (the
    handlers' `prepare` reads run before it). Returns (row, whether it was new)."""
    now = now or timezone.now()
    sender = _normalise_sender(item.sender)
    text = (item.text or "").strip()
    provider_id = item.provider_id[:200]
    seen = Inbound.objects.filter(account=account.key, provider_id=provider_id).first()
    if seen is not None:  # a retried webhook or a redelivered PDU: answered without the write lock
        return seen, False
    view = InboundText(id=0, channel=account.channel, sender=sender, to=(item.to or "")[:40], text=text,
                       at=item.at or now, account=account.key, mission_ids=mission_ids)
    plans = {name: prepare(view) for _order, name, _fn, prepare in _HANDLERS if prepare is not None}
    with transaction.atomic():
        values = {"account": account.key, "provider_id": provider_id, "channel": account.channel, "sender": sender,
                  "to": view.to, "text": text[:5000], "sent_at": item.at, "received_at": now}
        pk = bulk.insert_or_ignore(Inbound, values)
        if pk is None:  # stored meanwhile by a concurrent retry
            return Inbound.objects.get(account=account.key, provider_id=provider_id), False
        row = Inbound(pk=pk, **values)
        row._state.adding, row._state.db = False, "default"
        view = replace(view, id=pk, plans=plans)
        outcome = _opt(account.channel, sender, text) if text else None
        if outcome is None:
            for _order, name, handler, _prepare in _HANDLERS:
                outcome = handler(view)
                if outcome is not None:
                    log.info("notify: inbound %s taken by %s (%s)", row.pk, name, outcome.name)
                    break
        if outcome is None:
            outcome = Outcome("ignored" if not text else "unhandled")
        row.outcome, row.ref, row.user_id = outcome.name[:20], outcome.ref[:40], outcome.user_id
        bulk.update_rows(Inbound, ["outcome", "ref", "user_id"], [(row.outcome, row.ref, row.user_id, pk)])
    return row, True


def ingest(account: Account, parsed: Parsed, *, mission_ids: tuple[int, ...] = ()) -> dict[str, int]:
    """Apply a verified webhook's (or SMPP PDU's) receipts and inbound messages; returns counts."""
    changed = receipts_apply(account.key, parsed.receipts)
    new = sum(inbound_store(account, item, mission_ids=mission_ids)[1] for item in parsed.inbound)
    return {"receipts": len(parsed.receipts), "changed": changed, "inbound": len(parsed.inbound), "new": new}


def opted_out(channel: str, addresses: Sequence[str]) -> set[str]:
    """The addresses among these that opted out of the channel."""
    if not addresses:
        return set()
    return set(OptOut.objects.filter(channel=channel, address__in=list(addresses)).values_list("address", flat=True))
