"""The way in: messages people send us (SMS, WhatsApp), from a verified webhook (notify.webhooks) or the SMPP
listener, through `ingest` and nowhere else (receipts go on to notify.inbox).

An inbound message is stored once per (account, vendor id), so a retried webhook or a redelivered PDU is
seen once, and the vendor is answered as soon as it is stored: one insert, whatever the text asks for. The
same transaction kicks the worker's task (inbound_run), which hands the waiting messages, oldest first and
many per write transaction, to the opt-out words, then to the handlers that apps register with
`notify.inbox.on_inbound` in their order (crises: roll-call replies; sos: an SOS by SMS, else a message on the
person's open case or a new conversation). The first handler that returns an outcome takes it, and its
answers are queued with the batch's. A handler that raises undoes only its own message, which waits for the
periodic run to try it again (MAX_TRIES, then "failed": kept with its text, and its words sent to the staff who
can act on them by hand). Nothing is lost: a message
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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.common import bulk, kicks
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.missions.models import Mission
from embassy.notify.inbox import InboundText, Outcome, handlers, receipts_apply
from embassy.notify.models import Inbound, OptOut, Priority, ProviderAccount
from embassy.notify.providers import Account, Parsed
from embassy.notify.providers import Inbound as InboundItem
from embassy.notify.selectors import addresses_for_users
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
    if item.part is not None:  # one part of a long text: kept until the text is whole
        ref, total, number = item.part
        values.update(text=(item.text or "")[:5000], outcome=PART, ref=f"part:{ref}:{total}:{number}")
    with transaction.atomic():
        pk = bulk.insert_or_ignore(Inbound, values)
        if pk is not None and item.part is not None:
            _join(account.key, str(values["sender"]), item.part[0], item.part[1], now=now)
        elif pk is not None:
            _wake()  # its task commits with the message (the immediate backend of the tests runs it right here)
    if pk is None:  # seen before
        return Inbound.objects.get(account=account.key, provider_id=provider_id), False
    row = Inbound(pk=pk, **values)
    row._state.adding, row._state.db = False, "default"
    return row, True


# --- Long texts delivered part by part ------------------------------------------------------------------------
PART = "part"  # the outcome of one part of a long text while the others are awaited
JOINED = "joined"  # ... and once its text was handed over whole (ref: "inbound:<id>" of the whole text)
PART_WAIT = dt.timedelta(seconds=60)  # then the parts that came are handed over, the missing ones marked
PART_WINDOW = dt.timedelta(hours=1)  # references recycle (one octet on SMS): only parts this recent belong together
MISSING = "[…]"


def _part_ref(ref: str) -> tuple[str, int, int] | None:
    """(reference, total, number) from a stored part's `ref`: "part:<reference>:<total>:<number>"."""
    bits = ref.removeprefix("part:").rsplit(":", 2)
    if len(bits) != 3 or not bits[1].isdigit() or not bits[2].isdigit():
        return None
    return bits[0], int(bits[1]), int(bits[2])


def _join(account: str, sender: str, reference: str, total: int, *, now: dt.datetime, force: bool = False,
          since: dt.datetime | None = None) -> int | None:
    """Put a long text together from its stored parts, once all `total` are there (or, `force`, from those that
    came, each missing one marked): one Inbound for the handlers, the parts marked joined. Returns its id,
    or None while parts are missing. Twice for the same parts (the last two in flight at once, then the
    periodic sweep) makes one text: its vendor id is derived from the first part's. Only parts received since
    `since` (default: PART_WINDOW ago) belong to it."""
    prefix = f"part:{reference}:{total}:"
    parts: dict[int, Inbound] = {}
    for row in (Inbound.objects.filter(account=account, sender=sender, outcome=PART, ref__startswith=prefix,
                                       received_at__gte=since or now - PART_WINDOW).order_by("id")):
        number = row.ref.removeprefix(prefix)
        if number.isdigit():
            parts.setdefault(int(number), row)
    if not parts or (len(parts) < total and not force):
        return None
    ordered = [parts.get(n) for n in range(1, total + 1)]
    first = next(p for p in ordered if p is not None)
    text = "".join(p.text if p is not None else MISSING for p in ordered).strip()[:5000]
    values = {"account": account, "provider_id": f"joined:{first.provider_id}"[:200], "channel": first.channel,
              "sender": sender, "to": first.to, "text": text, "sent_at": first.sent_at, "received_at": now}
    pk = bulk.insert_or_ignore(Inbound, values)
    if pk is None:
        pk = (Inbound.objects.filter(account=account, provider_id=values["provider_id"])
              .values_list("pk", flat=True).first())
    Inbound.objects.filter(pk__in=[p.pk for p in parts.values()]).update(outcome=JOINED, ref=f"inbound:{pk}",
                                                                        handled_at=now)
    _wake()
    log.info("notify: inbound %s put together from %s of %s parts", pk, len(parts), total)
    return pk


def parts_sweep(*, now: dt.datetime | None = None) -> int:
    """Hand over the long texts whose parts are all there (the last two arrived at once on a database with
    concurrent writers, and neither saw the other) or whose first part came PART_WAIT ago: an SOS split in two
    must not wait for a part that never comes. Returns how many texts were put together."""
    now = now or timezone.now()
    sets: dict[tuple[str, str, str, int], list[tuple[int, dt.datetime]]] = {}
    for account, sender, ref, received_at in (Inbound.objects.filter(outcome=PART)
                                              .values_list("account", "sender", "ref", "received_at")):
        key = _part_ref(ref)
        if key is not None:
            sets.setdefault((account, sender, key[0], key[1]), []).append((key[2], received_at))
    joined = 0
    for (account, sender, reference, total), got in sets.items():
        if len({n for n, _at in got}) >= total or min(at for _n, at in got) <= now - PART_WAIT:
            with transaction.atomic():
                first = min(at for _n, at in got)
                joined += _join(account, sender, reference, total, now=now, force=True, since=first) is not None
    return joined


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
                    replies.extend(_failed_notices(view))
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


def _failed_notices(view: InboundText) -> list[MessageSpec]:
    """A text no handler could take, MAX_TRIES times: its words go to people who can act on them by hand — the
    protection officers of the missions the receiving account serves, else headquarters' analysts."""
    purpose = Purpose.DUTY if view.mission_ids else Purpose.HEADQUARTERS
    try:
        staff = staff_to_notify(purpose=purpose, missions=view.mission_ids)
        addresses = addresses_for_users(user_ids=[u.pk for u in staff], channels=("push", "email"))
    except Exception:  # the notice must not undo the batch either
        log.exception("notify: inbound %s: could not find whom to tell that it failed", view.id)
        return []
    specs = []
    zone = Mission.objects.filter(pk__in=view.mission_ids[:1]).values_list("timezone", flat=True).first() or "UTC"
    try:
        local = timezone.localtime(view.at, ZoneInfo(zone))  # the mission's time, with its zone
    except (ValueError, ZoneInfoNotFoundError):
        local = timezone.localtime(view.at, dt.UTC)
    for user in staff:
        with translation.override(user.language or "id"):
            subject = _("A text from %(sender)s could not be processed") % {"sender": view.sender}
            body = _("Received %(when)s on %(channel)s: “%(text)s”. The system could not act on it "
                     "(an error, tried %(tries)s times). Read it and act by hand: call or write to the sender.") % {
                "when": local.strftime("%Y-%m-%d %H:%M %Z"), "channel": view.channel.upper(),
                "text": view.text[:300], "tries": MAX_TRIES}
        specs += [MessageSpec(channel=channel, address=address, subject=subject, body=body, priority=Priority.SOS,
                              kind="notify.inbound-failed", user_id=user.pk,
                              dedupe_key=f"inbound-failed:{view.id}:{user.pk}")
                  for channel, address in addresses.get(user.pk, [])]
    return specs


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
    """Safety net: inbound texts whose kick was lost (or whose handler failed and waits for another try), and
    long texts whose parts are all there or waited long enough (parts_sweep)."""
    parts_sweep()
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

