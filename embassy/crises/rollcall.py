"""The "are you safe?" roll-call: asking every affected citizen, the one-tap answers, reminders, and asking
the emergency contacts of those who stay silent.

- One action (rollcall_start) asks everyone inside the zone; people who come into the zone later are asked
  when they are found. Each person gets one message on the first channel that can reach them, in the order
  of ROLLCALL_CHANNELS (push, then e-mail, SMS, WhatsApp), at BULK priority: the outbox drains SOS alerts
  first, and messages are inserted in short batches so urgent writes interleave with a broadcast.
- The message carries a signed link (crises.links: /aman/<crisis>/<token>/, /a/<code> in SMS) that works
  without signing in. The token names the person's row in this crisis and who answers (the person, or an
  emergency contact), and expires after ROLLCALL_LINK_MAX_AGE seconds (default 14 days). The crisis id in the path must match the token's. A
  replayed link records nothing new: each (person, answer, link) is stored once.
- "I need help" opens an SOS case (or joins the open one) for the responsible mission.
- Reminders go to the silent after the delays in ROLLCALL_REMINDERS (minutes after the first question,
  default 30 and 120); ROLLCALL_CONTACTS_AFTER minutes after it (default 240) their emergency contacts are
  asked. One step per person at a time: after a pause (the worker was down) only the latest step due is
  sent, and the next one waits its own interval after it, so rounds never collapse into one burst.
- The latest answer wins (crises.help says what it does to an SOS case). Closing the crisis withdraws the
  messages still in the outbox (crises.services), and no batch queues more once it is closed.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen, EmergencyContact
from embassy.common.errors import Conflict
from embassy.common.sms import fits, septets, sms_fit, sms_format, sms_render, sms_values
from embassy.crises.links import CONTACT, link_token, link_url, short_token, short_url
from embassy.crises.models import Affected, Crisis, CrisisEvent
from embassy.crises.powers import require_manage
from embassy.notify.channels import channel_available
from embassy.notify.models import PushSubscription
from embassy.notify.services import MessageSpec, Priority, notify_bulk

log = logging.getLogger(__name__)

KIND_ASK = "crisis.rollcall"
KIND_CONTACT = "crisis.contact"
ROLLCALL_KINDS = (KIND_ASK, KIND_CONTACT)
MIN_STEP_MINUTES = 10.0  # the least time between two messages to one person (a reminder, then the contacts)
DEFAULT_CHANNELS = ("push", "email", "sms", "whatsapp")
BATCH = 100  # messages per transaction: short write locks, so SOS alerts interleave
PAUSE = 0.002  # seconds between batches: urgent writers take the write lock meanwhile


# --- Settings ---------------------------------------------------------------------------------------------------
def reminder_minutes() -> list[float]:
    return [float(m) for m in getattr(settings, "ROLLCALL_REMINDERS", [30, 120])]


def contacts_after_minutes() -> float:
    return float(getattr(settings, "ROLLCALL_CONTACTS_AFTER", 240))


def channel_order() -> tuple[str, ...]:
    return tuple(getattr(settings, "ROLLCALL_CHANNELS", DEFAULT_CHANNELS))


# --- Asking -----------------------------------------------------------------------------------------------------
def rollcall_start(*, actor: User, crisis: Crisis) -> Crisis:
    """Start asking everyone affected "are you safe?" (the messages are queued by the worker). Only for an
    officer whose jurisdiction the zone reaches (crises.powers); a refusal is audited."""
    require_manage(actor, crisis, action="rollcall")
    return _start(actor, crisis)


@transaction.atomic
def _start(actor: User, crisis: Crisis) -> Crisis:
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if crisis.status != Crisis.Status.ACTIVE:
        raise Conflict(_("Confirm the crisis before starting the roll-call."))
    if crisis.rollcall_started_at is not None:
        raise Conflict(_("The roll-call has already started."))
    if crisis.affected_at is None:
        from embassy.crises.affected import affected_refresh

        affected_refresh(crisis)
    crisis.rollcall_started_at, crisis.rollcall_started_by = timezone.now(), actor
    crisis.save(update_fields=["rollcall_started_at", "rollcall_started_by", "updated_at"])
    CrisisEvent.objects.create(crisis=crisis, kind="rollcall", actor=actor,
                               data={"affected": crisis.registered_inside})
    audit_record(actor=actor, action="crisis.rollcall", object_type="crisis", object_id=crisis.pk)
    transaction.on_commit(lambda: _enqueue(crisis.pk))
    return crisis


def _enqueue(crisis_id: int) -> None:
    from embassy.crises.tasks import rollcall_send

    rollcall_send.enqueue(crisis_id)


@dataclass(frozen=True)
class _Person:
    affected_id: int
    citizen_id: int
    user_id: int | None
    language: str
    email: str
    phone: str
    name: str


def _people(crisis_id: int, where: str, params: list[Any]) -> Iterator[list[_Person]]:
    """The affected rows matching `where` with what is needed to reach them, in batches."""
    from embassy.accounts.models import User

    a = Affected._meta.db_table
    c = Citizen._meta.db_table
    u = User._meta.db_table
    sql = (f"SELECT a.id, a.citizen_id, c.user_id, COALESCE(u.language, ''), c.email, c.phone, c.full_name "  # noqa: S608
           f"FROM {a} a JOIN {c} c ON c.id = a.citizen_id LEFT JOIN {u} u ON u.id = c.user_id "
           f"WHERE a.crisis_id = %s AND {where} ORDER BY a.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [crisis_id, *params])
        while True:
            rows = cursor.fetchmany(BATCH)
            if not rows:
                return
            yield [_Person(*r) for r in rows]


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


def _ask(crisis: Crisis, people: list[_Person], *, round_no: int, now: dt.datetime) -> int:
    """Queue one message per person; returns how many were queued. Caller holds a transaction."""
    available = {ch: channel_available(ch) for ch in channel_order()}
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
        if channel == "sms":
            sms = ask_sms(title=crisis.title, url=short_url(short_token(p.affected_id)), reminder=round_no > 0,
                          language=p.language or "id")
        specs += [MessageSpec(channel=channel, address=address, user_id=p.user_id if channel == "push" else None,
                              subject=subject, body=body, url=link_url(crisis.pk, token), priority=Priority.BULK,
                              kind=KIND_ASK, dedupe_key=f"rollcall:{crisis.pk}:{p.affected_id}:{round_no}",
                              data={"affected": p.affected_id, "crisis": crisis.pk}, sms=sms)
                  for address in addresses]
        chosen.append((channel, p.affected_id))
    notify_bulk(messages=specs, batch_size=len(specs) or 1)
    table = connection.ops.quote_name(Affected._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if round_no == 0:
            cursor.executemany(f"UPDATE {table} SET asked_at = %s, channel = %s WHERE id = %s",  # noqa: S608
                               [(at, ch, pk) for ch, pk in chosen])
        else:
            cursor.executemany(f"UPDATE {table} SET reminded_at = %s, reminders = %s WHERE id = %s",  # noqa: S608
                               [(at, round_no, pk) for _ch, pk in chosen])
    return len(specs)



def rollcall_queue_asks(crisis_id: int) -> int:
    """Ask everyone inside the zone who has not been asked (nor answered) yet. Idempotent (dedupe keys);
    short transactions of BATCH messages each. Returns how many messages were queued."""
    crisis = Crisis.objects.filter(pk=crisis_id).first()
    if crisis is None or crisis.rollcall_started_at is None or crisis.status != Crisis.Status.ACTIVE:
        return 0
    queued = 0
    now = timezone.now()
    # Batches are read first (a cursor left open across writes would hold SQLite's read snapshot).
    batches = list(_people(crisis.pk, "a.inside = %s AND a.asked_at IS NULL AND a.answer = ''", [True]))
    for people in batches:
        with transaction.atomic():
            if not _still_active(crisis_id):
                return queued
            queued += _ask(crisis, people, round_no=0, now=now)
        time.sleep(PAUSE)
    with transaction.atomic():  # from now on, someone not asked is someone no channel reaches
        crisis = Crisis.objects.select_for_update().get(pk=crisis_id)
        crisis.data = {**(crisis.data or {}), "asked_everyone_at": timezone.now().isoformat()}
        crisis.save(update_fields=["data", "updated_at"])
    return queued


def _still_active(crisis_id: int) -> bool:
    """Inside a batch's transaction: lock the crisis row and say whether it is still active. Closing takes
    the same lock, so a batch either commits before the close (which then withdraws its messages) or sees
    the crisis closed and queues nothing."""
    return Crisis.objects.select_for_update().filter(pk=crisis_id, status=Crisis.Status.ACTIVE).exists()


def _steps() -> list[tuple[float, float]]:
    """(minutes after the question, minutes after the previous message) of each reminder, then the contacts."""
    offsets = [*reminder_minutes(), contacts_after_minutes()]
    return [(m, max(m - (offsets[i - 1] if i else 0.0), MIN_STEP_MINUTES)) for i, m in enumerate(offsets)]


def rollcall_remind(*, now: dt.datetime | None = None) -> int:
    """Remind the silent on schedule, then ask their emergency contacts. Returns messages queued.

    The latest reminder due is sent first and alone: a person already reminded in this run, or whose last
    message is more recent than the step's interval, waits. So after the worker was down a silent person
    gets one reminder, not every missed round, and their contacts are asked one interval later."""
    now = now or timezone.now()
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
            for people in list(_people(crisis.pk, where, [True, due, round_no, spaced])):
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
    from embassy.missions.models import Mission

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
                    specs.append(MessageSpec(channel=channel, address=address, subject=str(subject), body=str(body),
                                             url=link_url(crisis.pk, token), priority=Priority.BULK, kind=KIND_CONTACT,
                                             dedupe_key=f"rollcall-contact:{crisis.pk}:{affected_id}",
                                             data={"affected": affected_id, "crisis": crisis.pk}, sms=sms))
    with transaction.atomic():
        if not _still_active(crisis.pk):
            return 0
        queued = notify_bulk(messages=specs)
        Affected.objects.filter(id__in=[s[0] for s in silent]).update(contacts_asked_at=now)
        CrisisEvent.objects.create(crisis=crisis, kind="contacts_asked", data={"people": len(silent),
                                                                               "messages": queued})
    return queued


def rollcall_reached(data_items: list[dict[str, Any]]) -> None:
    """Delivery hook: a roll-call question was handed to its channel (called by the outbox dispatcher)."""
    ids = sorted({int(d["affected"]) for d in data_items if isinstance(d, dict) and "affected" in d})
    for i in range(0, len(ids), 500):
        Affected.objects.filter(id__in=ids[i:i + 500], reached_at__isnull=True).update(reached_at=timezone.now())
