"""Cases that arrive by SMS or WhatsApp (sos.inbound reads the text and finds who sent it; these write).

- An SOS by SMS opens a case as the panic button does: stored first, the duty officers alerted by the worker's
  fan-out (notices.kick). When the sender has an open case, the SOS joins it as a second press does; an open
  conversation (below) becomes an SOS then, and the officers are alerted as for a new case.
- Any other text is a message on the sender's open case (marked unread once acknowledged, as a message in the
  app is), or opens a conversation: a case of category "message", at normal priority, that the queue lists and
  an officer answers. A conversation is no emergency: no SOS alert, no escalation; its officers get a normal
  notification.
- Every entry on the timeline records where it came from (`Origin`): an officer's answer goes back there.

Everything runs in the caller's transaction (notify.inbound hands each message over in a savepoint of its own and
rolls it back if anything fails; the message stays stored and is tried again, so nothing is lost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from embassy.citizens.models import Citizen
from embassy.common import bulk
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.sos import notices
from embassy.sos.models import SMS_SOURCE, Case, Category, Event, LocationPoint, Priority
from embassy.sos.services.common import clean_text, event_add

Point = tuple[float, float, float | None]


@dataclass(frozen=True)
class Origin:
    """Where a text came from: the channel (sms | whatsapp), the sender's number, the notify.Inbound row and the
    provider account it reached."""

    channel: str
    sender: str
    inbound_id: int
    account: str

    def data(self, **extra: Any) -> dict[str, Any]:
        return {"via": "inbound", "channel": self.channel, "from": self.sender, "inbound": self.inbound_id,
                "account": self.account, **extra}


@dataclass(frozen=True)
class Where:
    """The mission responsible for the case and why (a routing rule), the country and the stay it concerns."""

    mission_id: int
    rule: str
    country_id: str | None = None
    stay_id: int | None = None


def citizen_for_number(phone: str) -> int:
    """A record for a number that matched no citizen: the number only (no name, no stay), source "sms". It
    counts nowhere as a registered citizen (counts are of stays), its position is not remembered as a
    citizen's whereabouts (notices), and its cases show as unverified (Case.unverified)."""
    return int(Citizen.objects.create(full_name="", phone=phone, source=SMS_SOURCE).pk)


def _locate(fields: dict[str, Any], point: Point, now: dt.datetime) -> None:
    fields.update(lat=point[0], lon=point[1], accuracy_m=point[2], cell=cell_at(point[0], point[1], STAY_RES),
                  location=Case.Location.KNOWN, located_at=now)


def case_sos_inbound(*, citizen_id: int, user_id: int | None, where: Where, point: Point | None, problem: str,
                     text: str, origin: Origin, open_case_id: int | None) -> tuple[int, bool]:
    """An SOS by SMS/WhatsApp: a new case, or the sender's open case (`open_case_id`, as read before;
    a new case when it was closed since) joined. Returns (case id, created). `problem`: why there is no position ("missing" |
    "invalid"), kept on the timeline as for a press."""
    now = timezone.now()
    text = clean_text(text)
    data = origin.data(**({"location": problem} if point is None and problem else {}))
    if open_case_id is not None and _join(open_case_id, point=point, text=text, data=data, now=now):
        return open_case_id, False
    # No open case (or the one read before was closed since): a new one.
    fields: dict[str, Any] = {
        "citizen_id": citizen_id, "user_id": user_id, "stay_id": where.stay_id, "mission_id": where.mission_id,
        "routing_rule": where.rule, "country_id": where.country_id, "category": "", "priority": Priority.HIGH,
        "text": text, "raised_at": now, "waiting_since": now, "updated_at": now,
    }
    if point is not None:
        _locate(fields, point, now)
    try:
        with transaction.atomic():
            case_id = bulk.insert(Case, fields)
            bulk.insert(Event, {"case_id": case_id, "at": now, "kind": Event.Kind.RAISED, "actor_id": user_id,
                                "from_citizen": True, "public": True, "text": text, "data": data})
            if point is not None:
                bulk.insert(LocationPoint, {"case_id": case_id, "at": now, "lat": point[0], "lon": point[1],
                                            "accuracy_m": point[2]})
    except IntegrityError:  # an open case appeared meanwhile (one open case per citizen): join it
        open_id = Case.objects.filter(citizen_id=citizen_id, status__in=Case.OPEN).values_list(
            "id", flat=True).first()
        if open_id is None or not _join(open_id, point=point, text=text, data=data, now=now):
            raise
        return open_id, False
    transaction.on_commit(notices.kick)
    return case_id, True


def _join(case_id: int, *, point: Point | None, text: str, data: dict[str, Any], now: dt.datetime) -> bool:
    """As a second press: the alert counts on the case, its position moves. A conversation becomes an SOS (its
    officers are alerted as for a new case); an acknowledged case is marked unread (the text is new). False
    (nothing done) when the case is no longer open."""
    case = (Case.objects.select_for_update(of=("self",)).select_related("user")
            .filter(pk=case_id, status__in=Case.OPEN).first())
    if case is None:
        return False
    case.alerts += 1
    fields = ["alerts", "updated_at"]
    if point is not None:
        loc: dict[str, Any] = {}
        _locate(loc, point, now)
        for name, value in loc.items():
            setattr(case, name, value)
        fields += list(loc)
        LocationPoint.objects.create(case=case, at=now, lat=point[0], lon=point[1], accuracy_m=point[2])
    if case.category == Category.MESSAGE:
        case.category, case.priority, case.alerted_at = "", Priority.HIGH, None
        fields += ["category", "priority", "alerted_at"]
        if case.status == Case.Status.NEW:
            case.waiting_since = now
            fields.append("waiting_since")
        transaction.on_commit(notices.kick)
    if case.status == Case.Status.ACKNOWLEDGED:
        case.unread_at = now
        fields.append("unread_at")
    case.updated_at = now
    case.save(update_fields=fields)
    event_add(case, Event.Kind.JOINED, actor=case.user, from_citizen=True, public=True, text=text, data=data, at=now)
    return True


def case_message_inbound(*, case_id: int, text: str, origin: Origin) -> Event:
    """A text from the citizen on their open case: on the timeline, from the citizen; an acknowledged case is
    marked unread until an officer opens it, and the officer handling it is told (as for a message in the
    app). An empty text is kept as such (someone tried to write)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("user", "mission", "citizen").get(pk=case_id)
    text = clean_text(text)
    event = event_add(case, Event.Kind.MESSAGE, actor=case.user, from_citizen=True, public=True, text=text,
                      data=origin.data(**({} if text else {"empty": True})))
    if case.status == Case.Status.ACKNOWLEDGED:
        case.unread_at = event.at
        Case.objects.filter(pk=case.pk).update(unread_at=event.at)
    if text:
        notices.staff_citizen_message(case, text)
    return event


def conversation_open(*, citizen_id: int, user_id: int | None, where: Where, text: str, origin: Origin) -> int:
    """A new conversation in the duty officers' queue: a case of category "message" at normal priority, with
    the text as its first message. Not an SOS: `alerted_at` is set, so the SOS fan-out skips it, and the duty
    officers get a normal notification instead. Returns the case id."""
    now = timezone.now()
    text = clean_text(text)
    fields: dict[str, Any] = {
        "citizen_id": citizen_id, "user_id": user_id, "stay_id": where.stay_id, "mission_id": where.mission_id,
        "routing_rule": where.rule, "country_id": where.country_id, "category": Category.MESSAGE,
        "priority": Priority.NORMAL, "text": text, "raised_at": now, "waiting_since": now, "updated_at": now,
        "alerted_at": now,
    }
    with transaction.atomic():
        case_id = bulk.insert(Case, fields)
        bulk.insert(Event, {"case_id": case_id, "at": now, "kind": Event.Kind.MESSAGE, "actor_id": user_id,
                            "from_citizen": True, "public": True, "text": text, "data": origin.data()})
    notices.staff_new_conversation(Case.objects.select_related("mission", "citizen").get(pk=case_id), text)
    return case_id
