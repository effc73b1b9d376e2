"""Asking: the roll-call's messages and when they go — the question to everyone inside the zone, the
reminders, the emergency contacts of the silent, and the delivery hook. The worker's side of crises.rollcall
(whose docstring tells the whole roll-call)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.citizens.models import Citizen, EmergencyContact
from embassy.common.bulk import update_rows
from embassy.common.kicks import deferred, kick_done, kick_once
from embassy.common.sms import fits, septets, sms_fit, sms_format, sms_render, sms_values
from embassy.common.tasking import task
from embassy.crises.links import CONTACT, link_token, link_url, short_token, short_url
from embassy.crises.models import Affected, Crisis, CrisisEvent
from embassy.missions.models import Mission
from embassy.notify.channels import channel_available
from embassy.notify.fallback import fallback_chain
from embassy.notify.models import PushSubscription
from embassy.notify.services import MessageSpec, Priority, notify_bulk

log = logging.getLogger(__name__)

KIND_ASK = "crisis.rollcall"
TOPIC = "crisis:{}"  # Message.topic of every roll-call message of a crisis: the room counts them per channel
KIND_CONTACT = "crisis.contact"
ROLLCALL_KINDS = (KIND_ASK, KIND_CONTACT)
MIN_STEP_MINUTES = 10.0  # the least time between two messages to one person (a reminder, then the contacts)
PAUSE = 0.002  # seconds between batches: urgent writers take the write lock meanwhile
# One UPDATE per batch on PostgreSQL (1,000 rows: 28 ms instead of 64 ms as a statement each, common.bulk).
SET_BASED = ("postgresql",)
READ_ROWS = 100_000  # people read at a time when the questions are queued (about as many as a run asks in a minute)


def topic(crisis_id: int) -> str:
    return TOPIC.format(crisis_id)


# --- Settings ---------------------------------------------------------------------------------------------------
def reminder_minutes() -> list[float]:
    return [float(m) for m in settings.ROLLCALL_REMINDERS]


def contacts_after_minutes() -> float:
    return float(settings.ROLLCALL_CONTACTS_AFTER)


def channel_order() -> tuple[str, ...]:
    return tuple(settings.ROLLCALL_CHANNELS)


# --- Asking -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Person:
    affected_id: int
    mission_id: int
    citizen_id: int
    user_id: int | None
    language: str
    email: str
    phone: str
    name: str


def _people(crisis_id: int, where: str, params: list[Any], *, limit: int | None = None) -> Iterator[list[_Person]]:
    """The affected rows matching `where` (the first `limit` of them, by id) with what is needed to reach them,
    in batches."""
    a = Affected._meta.db_table
    c = Citizen._meta.db_table
    u = User._meta.db_table
    sql = (f"SELECT a.id, a.mission_id, a.citizen_id, c.user_id, COALESCE(u.language, ''), c.email, c.phone, c.full_name "  # noqa: S608
           f"FROM {a} a JOIN {c} c ON c.id = a.citizen_id LEFT JOIN {u} u ON u.id = c.user_id "
           f"WHERE a.crisis_id = %s AND {where} ORDER BY a.id" + (" LIMIT %s" if limit is not None else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, [crisis_id, *params, *([limit] if limit is not None else [])])
        while True:
            # People per transaction: BATCH_JOB_ROWS, 100 on SQLite (short write locks, so SOS alerts
            # interleave), 1,000 on PostgreSQL (row locks only; a 100,000-person roll-call queued in 42 s
            # with 100, which would be 7 minutes for a million).
            rows = cursor.fetchmany(settings.BATCH_JOB_ROWS)
            if not rows:
                return
            yield [_Person(*r) for r in rows]


def _slices(crisis_id: int, where: str, params: list[Any], *, after: int = 0) -> Iterator[list[_Person]]:
    """`_people` for a job that writes as it goes: READ_ROWS rows are read whole (a cursor left open across
    writes would hold SQLite's read snapshot), their batches handed out, then the next READ_ROWS after the last
    id. A run that stops early (hand-over, time budget) has not read the million rows it leaves to the next."""
    while True:
        batches = list(_people(crisis_id, where + " AND a.id > %s", [*params, after], limit=READ_ROWS))
        yield from batches
        if sum(len(b) for b in batches) < READ_ROWS:
            return
        after = batches[-1][-1].affected_id


def _texts(crisis: Crisis, language: str, *, reminder: bool) -> tuple[str, str, str, str]:
    """(subject, intro, "I am safe: {url}" line, "I need help: {url}" line) in the person's language."""
    with translation.override(language or "id"):
        subject = (_("Reminder: are you safe? — %(title)s") if reminder else _("Are you safe? — %(title)s")) % {
            "title": crisis.title[:120]}
        body = _("The Indonesian mission is checking on citizens near: %(title)s. Please answer with one tap.") % {
            "title": crisis.title[:120]}
        safe = _("I am safe: %(url)s") % {"url": "{url}"}
        help_ = _("I need help: %(url)s") % {"url": "{url}"}
        return str(subject), str(body), str(safe), str(help_)


def ask_sms(*, title: str, url: str, reminder: bool, language: str | None = None) -> str:
    """The question (or its reminder) as one GSM-7 SMS in `language` (default: the active one): the title is
    shortened, or left out, so that the text and its short link fit 160 characters."""
    template, fitted = _ask_fit(language or translation.get_language() or "id", title, reminder,
                                septets(url) or len(url))
    text = sms_format(template, {"title": fitted, "url": url})
    return text if fits(text) else sms_fit(text)[0]


@functools.lru_cache(maxsize=256)
def _ask_fit(language: str, title: str, reminder: bool, url_septets: int) -> tuple[str, str]:
    """(template, the title fitted into it) for a link of `url_septets`: worked out once per crisis, language
    and link length, not once for each of 100,000 people."""
    with translation.override(language):
        if reminder:
            full = _("Reminder, Indonesian mission: are you safe? %(title)s. Answer: %(url)s")
            bare = _("Reminder, Indonesian mission: are you safe? Answer: %(url)s")
        else:
            full = _("Indonesian mission: are you safe? %(title)s. Tap to answer: %(url)s")
            bare = _("Indonesian mission: are you safe? Tap to answer: %(url)s")
    values = sms_values(full, {"title": title, "url": "u" * url_septets}, shrink=("title",), min_keep=16)
    return (full, values["title"]) if values is not None else (bare, "")


def contact_sms(*, name: str, title: str, url: str, hotline: str) -> str:
    """The emergency contact's question as one GSM-7 SMS in the active language: the title is shortened, or
    left out before the name is; the mission's hotline when it has one."""
    values = {"name": name, "title": title, "url": url, "hotline": hotline}
    if hotline:
        full = _("Indonesian mission: is %(name)s safe after %(title)s? Answer: %(url)s or call %(hotline)s")
        bare = _("Indonesian mission: is %(name)s safe? Answer: %(url)s or call %(hotline)s")
    else:
        full = _("Indonesian mission: is %(name)s safe after %(title)s? Answer: %(url)s")
        bare = _("Indonesian mission: is %(name)s safe? Answer: %(url)s")
    return (sms_render(full, values, shrink=("title",), min_keep=16)
            or sms_render(bare, values, shrink=("name",)) or sms_fit(bare % values)[0])


def wa_params(name: str, crisis: Crisis, link: str) -> dict[str, str]:
    """The WhatsApp template's body parameters of a roll-call question (name, crisis, link): the person's name
    (for a contact, the person asked about), the crisis's title, the short signed link."""
    return {"name": name[:100], "crisis": crisis.title[:120], "link": link}


def _choose(person: _Person, subscriptions: dict[int, list[int]],
            available: dict[str, bool]) -> tuple[str, list[str]] | None:
    """(channel, addresses) of the first channel that reaches the person: push goes to each of their
    devices (subscriptions), the others to one address."""
    for channel in channel_order():
        if not available.get(channel):
            continue
        if channel == "push" and person.user_id in subscriptions:
            return "push", [str(pk) for pk in subscriptions[person.user_id]]
        if channel == "email" and person.email:
            return "email", [person.email]
        if channel in ("sms", "whatsapp") and person.phone:
            return channel, [person.phone]
        if channel == "sink":  # development and benchmarks: everyone, addressed by their record
            return "sink", [f"citizen:{person.citizen_id}"]
    return None


def _then(person: _Person, channel: str, available: dict[str, bool]) -> tuple[str, ...]:
    """The phone channels to try after `channel` if the question is not delivered in time (NOTIFY_FALLBACK_ORDER,
    push → WhatsApp → SMS): those configured, for a person with a phone."""
    if not person.phone:
        return ()
    return tuple(c for c in fallback_chain(channel) if c in ("whatsapp", "sms") and available.get(c))


def _ask(crisis: Crisis, people: list[_Person], *, round_no: int, now: dt.datetime) -> int:
    """Queue one message per person (on each of their devices for push), the first one with its fallback
    channels; returns how many were queued. Caller holds a transaction."""
    available = {ch: channel_available(ch) for ch in {*channel_order(), *fallback_chain()}}
    user_ids = [p.user_id for p in people if p.user_id]
    subscriptions: dict[int, list[int]] = {}
    if user_ids and available.get("push"):
        for pk, user_id in PushSubscription.objects.filter(user_id__in=user_ids, disabled_at__isnull=True) \
                .order_by("id").values_list("id", "user_id"):
            subscriptions.setdefault(user_id, []).append(pk)
    specs: list[MessageSpec] = []
    chosen: list[tuple[str, int]] = []
    texts: dict[str, tuple[str, str, str, str]] = {}
    for p in people:
        route = _choose(p, subscriptions, available)
        if route is None:
            continue
        channel, addresses = route
        if p.language not in texts:
            texts[p.language] = _texts(crisis, p.language, reminder=round_no > 0)
        subject, intro, safe_line, help_line = texts[p.language]
        token = link_token(p.affected_id, crisis.pk)
        body = intro if channel == "push" else "\n".join([
            intro, safe_line.format(url=link_url(crisis.pk, token, "safe")),
            help_line.format(url=link_url(crisis.pk, token, "help"))])
        sms = ""
        then = _then(p, channel, available)
        data: dict[str, Any] = {"affected": p.affected_id, "crisis": crisis.pk}
        if "sms" in (channel, *then):
            sms = ask_sms(title=crisis.title, url=short_url(short_token(p.affected_id)), reminder=round_no > 0,
                          language=p.language or "id")
        if "whatsapp" in (channel, *then):  # the approved template's parameters (NOTIFY_WHATSAPP_TEMPLATES)
            data["wa"] = wa_params(p.name, crisis, short_url(short_token(p.affected_id)))
        specs += [MessageSpec(channel=channel, address=address, user_id=p.user_id if channel == "push" else None,
                              subject=subject, body=body, url=link_url(crisis.pk, token), priority=Priority.BULK,
                              kind=KIND_ASK, dedupe_key=f"rollcall:{crisis.pk}:{p.affected_id}:{round_no}",
                              data=data, sms=sms, topic=topic(crisis.pk), mission_id=p.mission_id,
                              then=then if n == 0 else (), then_to=dict.fromkeys(then, p.phone) if n == 0 else None)
                  for n, address in enumerate(addresses)]
        chosen.append((channel, p.affected_id))
    notify_bulk(messages=specs, batch_size=len(specs) or 1)
    at = connection.ops.adapt_datetimefield_value(now)
    if round_no == 0:
        update_rows(Affected, ("asked_at", "channel"), [(at, ch, pk) for ch, pk in chosen], set_based=SET_BASED)
    else:
        update_rows(Affected, ("reminded_at", "reminders"), [(at, round_no, pk) for _ch, pk in chosen],
                    set_based=SET_BASED)
    return len(specs)



def rollcall_queue_asks(crisis_id: int, *, newcomers: bool = False, after: int = 0,
                        hand_over: Callable[[int], object] | None = None) -> int:
    """Ask everyone inside the zone who has not been asked (nor answered) yet. Idempotent (dedupe keys);
    short transactions of BATCH_JOB_ROWS people each. Returns how many messages were queued.

    A run that has worked BATCH_JOB_MAX_SECONDS (at least one batch) calls `hand_over` with the last id it
    read (the task enqueues a fresh one that goes on `after` it) and stops: a million people take minutes, longer
    than a queue lets one job run, and a worker must not be held from the SOS fan-out that long. People are read
    READ_ROWS at a time, in id order.

    Two runs for one crisis may overlap (people come into the zone during the first pass): each batch is checked
    again under the crisis's lock, so a person another run asked meanwhile is skipped rather than asked twice.
    `newcomers`: while the first pass is still going (no asked_everyone_at yet), only the people added since the
    roll-call started are read, not the hundreds of thousands that the first pass is asking."""
    crisis = Crisis.objects.filter(pk=crisis_id).first()
    if crisis is None or crisis.rollcall_started_at is None or crisis.status != Crisis.Status.ACTIVE:
        return 0
    deadline = time.monotonic() + settings.BATCH_JOB_MAX_SECONDS
    queued = 0
    now = timezone.now()
    where = "a.inside = %s AND a.asked_at IS NULL AND a.answer = ''"
    params: list[Any] = [True]
    first_pass_running = not (crisis.data or {}).get("asked_everyone_at")
    if newcomers and first_pass_running:
        where += " AND a.added_at >= %s"
        params.append(connection.ops.adapt_datetimefield_value(crisis.rollcall_started_at))
    last = after
    for people in _slices(crisis.pk, where, params, after=after):
        if last > after and hand_over is not None and time.monotonic() > deadline:
            hand_over(last)
            return queued
        last = people[-1].affected_id
        with transaction.atomic():
            if not _still_active(crisis_id):
                return queued
            waiting = set(Affected.objects.filter(pk__in=[p.affected_id for p in people], asked_at__isnull=True,
                                                  answer="").values_list("id", flat=True))
            if waiting:
                queued += _ask(crisis, [p for p in people if p.affected_id in waiting], round_no=0, now=now)
        time.sleep(PAUSE)
    if newcomers and first_pass_running:
        return queued
    with transaction.atomic():  # from now on, someone not asked is someone no channel reaches
        crisis = Crisis.objects.select_for_update().get(pk=crisis_id)
        crisis.data = {**(crisis.data or {}), "asked_everyone_at": timezone.now().isoformat()}
        crisis.save(update_fields=["data", "updated_at"])
    return queued


NEWCOMERS = "crisis.asks:{}"  # the kick of one crisis's newcomers (common.kicks; a name of at most 40 characters)
# Newcomers are asked this many seconds after the first of them was found: SOS positions from inside a zone arrive
# by the dozen a second, and each run reads the crisis's not-yet-asked rows (100 ms at 100,000 people inside).
NEWCOMERS_DELAY = 5.0


@task(queue_name="default", priority=10)
def rollcall_ask_newcomers(crisis_id: int, after: int = 0) -> int:
    """Ask the people who came into the zone after the roll-call started (kicked by the affected set, coalesced:
    dozens of SOS positions a second from inside a zone make one run, not one each)."""
    kick_done(NEWCOMERS.format(crisis_id))  # before looking: people added later kick again
    return rollcall_queue_asks(crisis_id, newcomers=True, after=after,
                               hand_over=lambda last: rollcall_ask_newcomers.enqueue(crisis_id, after=last))


def newcomers_kick(crisis_id: int) -> None:
    """After new people were added to a crisis whose roll-call runs (call on commit): the worker asks them, so
    that the SOS fan-out or the request that added them never queues a crisis's questions itself."""
    run = deferred(rollcall_ask_newcomers, NEWCOMERS_DELAY) or rollcall_ask_newcomers  # immediate backend: now
    kick_once(NEWCOMERS.format(crisis_id), run, crisis_id=crisis_id)


ASKS_LOCK = 0x4352  # pg_advisory_xact_lock's first key ("CR"): one crisis's batches of questions, one at a time


def _still_active(crisis_id: int) -> bool:
    """Inside a batch's transaction: lock the crisis row and say whether it is still active. Closing locks the
    row for update, so a batch either commits before the close (which then withdraws its messages) or sees
    the crisis closed and queues nothing; two batches of one crisis never run at once.

    On PostgreSQL the batches take turns on an advisory lock and hold the row only FOR KEY SHARE: the close
    still waits for a batch, but an SOS position from inside the zone, which moves the crisis's count (a plain
    UPDATE), no longer waits for every batch of a million-person roll-call (a fan-out task stood 9 s)."""
    if connection.vendor != "postgresql":
        return Crisis.objects.select_for_update().filter(pk=crisis_id, status=Crisis.Status.ACTIVE).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ASKS_LOCK, crisis_id])
        cursor.execute(f"SELECT 1 FROM {Crisis._meta.db_table} WHERE id = %s AND status = %s FOR KEY SHARE",  # noqa: S608
                       [crisis_id, Crisis.Status.ACTIVE])
        return cursor.fetchone() is not None


def _steps() -> list[tuple[float, float]]:
    """(minutes after the question, minutes after the previous message) of each reminder, then the contacts."""
    offsets = [*reminder_minutes(), contacts_after_minutes()]
    return [(m, max(m - (offsets[i - 1] if i else 0.0), MIN_STEP_MINUTES)) for i, m in enumerate(offsets)]


def rollcall_remind(*, now: dt.datetime | None = None) -> int:
    """Remind the silent on schedule, then ask their emergency contacts. Returns messages queued.

    The latest reminder due is sent first and alone: a person already reminded in this run, or whose last
    message is more recent than the step's interval, waits. So after the worker was down a silent person
    gets one reminder, not every missed round, and their contacts are asked one interval later. A run stops
    after BATCH_JOB_MAX_SECONDS; the next minute's run goes on with the people still due."""
    now = now or timezone.now()
    deadline = time.monotonic() + settings.BATCH_JOB_MAX_SECONDS
    queued = 0
    steps = _steps()
    reminders = steps[:-1]
    for crisis in Crisis.objects.filter(status=Crisis.Status.ACTIVE, rollcall_started_at__isnull=False):
        for round_no in range(len(reminders), 0, -1):
            offset, interval = reminders[round_no - 1]
            due = connection.ops.adapt_datetimefield_value(now - dt.timedelta(minutes=offset))
            spaced = connection.ops.adapt_datetimefield_value(now - dt.timedelta(minutes=interval))
            where = ("a.inside = %s AND a.answer = '' AND a.asked_at IS NOT NULL AND a.asked_at <= %s "
                     "AND a.reminders < %s AND COALESCE(a.reminded_at, a.asked_at) <= %s")
            for people in _slices(crisis.pk, where, [True, due, round_no, spaced]):
                if queued and time.monotonic() > deadline:  # the next minute's run goes on with those still due
                    return queued
                with transaction.atomic():
                    if not _still_active(crisis.pk):
                        break
                    queued += _ask(crisis, people, round_no=round_no, now=now)
        queued += _ask_contacts(crisis, now, interval=steps[-1][1])
    return queued


def _ask_contacts(crisis: Crisis, now: dt.datetime, *, interval: float) -> int:
    due = now - dt.timedelta(minutes=contacts_after_minutes())
    silent = list(Affected.objects.filter(crisis=crisis, inside=True, answer="", asked_at__lte=due,
                                          contacts_asked_at__isnull=True)
                  .annotate(last=Coalesce("reminded_at", "asked_at"))
                  .filter(last__lte=now - dt.timedelta(minutes=interval))
                  .values_list("id", "citizen_id", "citizen__full_name", "mission_id")[:10_000])
    if not silent:
        return 0
    hotlines = dict(Mission.objects.filter(id__in={s[3] for s in silent}).values_list("id", "hotline"))
    contacts: dict[int, list[tuple[str, str]]] = {}
    for cid, phone, email in EmergencyContact.objects.filter(citizen_id__in=[s[1] for s in silent]).values_list(
            "citizen_id", "phone", "email"):
        contacts.setdefault(cid, []).append((phone, email))
    available = {ch: channel_available(ch) for ch in ("sms", "whatsapp", "email")}
    specs = []
    with translation.override("id"):
        for affected_id, citizen_id, name, mission_id in silent:
            token = link_token(affected_id, crisis.pk, CONTACT)
            body = _("We have not heard from %(name)s since: %(title)s. If you know that %(name)s is safe, tap: "
                     "%(url)s — or call the mission: %(hotline)s") % {
                "name": name, "title": crisis.title[:120], "url": link_url(crisis.pk, token, "safe"),
                "hotline": hotlines.get(mission_id) or "-"}
            subject = _("Is %(name)s safe?") % {"name": name}
            sms = contact_sms(name=name, title=crisis.title, url=short_url(short_token(affected_id, CONTACT)),
                              hotline=hotlines.get(mission_id) or "")
            for phone, email in contacts.get(citizen_id, []):
                channel, address = ("sms", phone) if phone and available["sms"] else (
                    ("whatsapp", phone) if phone and available["whatsapp"] else (
                        ("email", email) if email and available["email"] else ("", "")))
                if channel:
                    data: dict[str, Any] = {"affected": affected_id, "crisis": crisis.pk}
                    if channel == "whatsapp":
                        data["wa"] = wa_params(name, crisis, short_url(short_token(affected_id, CONTACT)))
                    specs.append(MessageSpec(channel=channel, address=address, subject=str(subject), body=str(body),
                                             url=link_url(crisis.pk, token), priority=Priority.BULK, kind=KIND_CONTACT,
                                             dedupe_key=f"rollcall-contact:{crisis.pk}:{affected_id}",
                                             data=data, sms=sms, topic=topic(crisis.pk), mission_id=mission_id))
    with transaction.atomic():
        if not _still_active(crisis.pk):
            return 0
        queued = notify_bulk(messages=specs)
        Affected.objects.filter(id__in=[s[0] for s in silent]).update(contacts_asked_at=now)
        CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.CONTACTS_ASKED, data={"people": len(silent),
                                                                               "messages": queued})
    return queued


def rollcall_delivered(items: list[tuple[str, dict[str, Any]]]) -> None:
    """Receipt hook (notify.hooks.on_receipt): a question the provider reports delivered (or read) reached the
    person, at the receipt's time; a row already reached keeps its first time. Handing a message to its
    channel is not reaching anyone: the room counts hand-overs per channel from the outbox instead
    (crises.selectors.rollcall_channels). One executemany inside the receipts' transaction."""
    rows: list[tuple[Any, int]] = []
    for status, data in items:
        if status not in ("delivered", "read") or not isinstance(data, dict) or "affected" not in data:
            continue
        try:
            at = dt.datetime.fromisoformat(str(data.get("_at")))
        except ValueError:
            at = timezone.now()
        if timezone.is_naive(at):
            at = timezone.make_aware(at, dt.UTC)
        rows.append((connection.ops.adapt_datetimefield_value(at), int(data["affected"])))
    if not rows:
        return
    table = connection.ops.quote_name(Affected._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET reached_at = %s WHERE id = %s AND reached_at IS NULL", rows)  # noqa: S608


def rollcall_still_asking(datas: list[dict[str, Any]]) -> list[bool]:
    """Fallback hook (notify.hooks.on_fallback): a question not delivered goes on the next channel only while
    the person has not answered and the crisis's roll-call is still open."""
    ids = {d["affected"] for d in datas if isinstance(d.get("affected"), int)}
    open_ = set(Affected.objects.filter(id__in=ids, answer="", crisis__status=Crisis.Status.ACTIVE)
                .values_list("id", flat=True))
    return [d.get("affected") in open_ for d in datas]
