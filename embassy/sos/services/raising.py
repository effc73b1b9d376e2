"""The panic button and what the citizen adds afterwards.

`sos_raise` is the hot path: one short write transaction that stores the alert with a new case, its first
timeline entry and position (or joins the citizen's open case). Routing (CPU only) and the idempotency check
(a read) happen before the write lock is taken. The duty officers' outbox messages are NOT in that
transaction: on commit it kicks the worker (notices.kick), which writes them in batches and marks the case
alerted; a case not yet alerted is picked up again by the periodic job, so a lost kick only delays them. (A
press that joins an open case changes no notification: its officers already know.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.citizens.services import citizen_ensure_for_user
from embassy.common import bulk
from embassy.common.errors import BadInput, Conflict
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.missions.routing import get_router
from embassy.sos import notices, store
from embassy.sos.models import Alert, Case, Category, Event, LocationPoint, Priority
from embassy.sos.services.common import clean_text, event_add, parse_location

_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# What a citizen may say their SOS is about ("message" marks a conversation by SMS, which is no emergency).
EMERGENCIES = frozenset(Category.values) - {Category.MESSAGE}


@dataclass(frozen=True)
class Raised:
    case: Case
    created: bool  # a new case was opened
    replay: bool  # this idempotency key was seen before: nothing new was stored
    joined: bool  # the alert joined the citizen's open case


def _normalise_key(key: str | None) -> str:
    """Any key the phone sends is accepted (an SOS is never refused for its key); unusual ones are hashed."""
    key = (key or "").strip()
    if not key:
        return "srv-" + secrets.token_hex(16)
    if _KEY.match(key):
        return key
    return "h-" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:62]


def _parse_pressed_at(value: Any, now: dt.datetime) -> dt.datetime | None:
    """The phone's own time of the press (alerts queued offline). Ignored when absurd."""
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    if value > now + dt.timedelta(minutes=5) or value < now - dt.timedelta(days=7):
        return None
    return value


def sos_raise(*, user: User, key: str | None, lat: Any = None, lon: Any = None, accuracy: Any = None,
              pressed_at: Any = None, category: str = "", text: str = "") -> Raised:
    """Store one press of the panic button.

    Never refuses for bad data: a missing or impossible position gives a case marked 'location unknown';
    an unknown category is dropped. A key seen before returns its case (replay); a press while the
    citizen has an open case joins that case. Both rules also hold for simultaneous presses: the unique
    constraints (user, key) and "one open case per citizen" decide, and the loser is answered as a replay
    or a join."""
    key = _normalise_key(key)
    now = timezone.now()
    point = parse_location(lat, lon, accuracy)
    router = get_router()
    route = router.route(point[0], point[1]) if point is not None else None
    found = store.situation(user_id=user.pk, key=key, country=route.country if route else None)
    if found.clock is not None:  # the database's clock: escalation timers do not move with this node's (common.clock)
        now = found.clock if timezone.is_aware(found.clock) else timezone.make_aware(found.clock, dt.UTC)
    if found.replay_case_id is not None:
        return Raised(Case.objects.get(pk=found.replay_case_id), created=False, replay=True, joined=False)
    citizen_id = found.citizen_id if found.citizen_id is not None else citizen_ensure_for_user(user=user).pk
    pressed = _parse_pressed_at(pressed_at, now)
    data: dict[str, Any] = {"key": key}
    if point is None:
        data["location"] = "invalid" if lat is not None or lon is not None else "missing"
    if pressed is not None and now - pressed > dt.timedelta(seconds=30):
        data["pressed_at"] = pressed.isoformat()
    if found.open_case_id is not None:
        return _join(found.open_case_id, user=user, key=key, point=point, now=now, pressed=pressed, data=data)
    fields: dict[str, Any] = {
        "citizen_id": citizen_id, "user_id": user.pk, "stay_id": found.stay_id,
        **_responsible(route, found, router), "category": category if category in EMERGENCIES else "",
        "text": clean_text(text), "raised_at": now, "waiting_since": now, "updated_at": now,
    }
    if point is not None:
        fields.update(lat=point[0], lon=point[1], accuracy_m=point[2], cell=cell_at(point[0], point[1], STAY_RES),
                      location=Case.Location.KNOWN, located_at=now)
    return _open(fields, user=user, key=key, point=point, now=now, pressed=pressed, data=data)


def _responsible(route: Any, found: store.Situation, router: Any) -> dict[str, Any]:
    """Where the case goes: the mission for the position; without one, the mission of the citizen's active
    stay; without either, headquarters."""
    if route is not None:
        return {"mission_id": route.mission_id, "routing_rule": route.rule, "country_id": route.country}
    if found.stay_id is not None:
        return {"mission_id": found.stay_mission_id, "routing_rule": "stay", "country_id": found.stay_country}
    hq = router.hq
    if hq is None:
        raise LookupError("no headquarters unit loaded")
    return {"mission_id": hq.id, "routing_rule": "headquarters", "country_id": None}


def _open(fields: dict[str, Any], *, user: Any, key: str, point: tuple[float, float, float | None] | None,
          now: dt.datetime, pressed: dt.datetime | None, data: dict[str, Any]) -> Raised:
    """A new case with its alert, first timeline entry and position; a simultaneous press that won the
    unique constraints turns this one into a replay or a join."""
    # Every value is prepared first: the write transaction (the write lock, on SQLite) holds only four inserts.
    children = [bulk.prepare(Alert, {"user_id": user.pk, "key": key, "received_at": now, "sent_at": pressed},
                             parent="case_id"),
                bulk.prepare(Event, {"at": now, "kind": Event.Kind.RAISED, "actor_id": user.pk, "from_citizen": True,
                                     "public": True, "text": fields["text"], "data": data}, parent="case_id")]
    if point is not None:
        children.insert(0, bulk.prepare(LocationPoint, {"at": now, "lat": point[0], "lon": point[1],
                                                        "accuracy_m": point[2]}, parent="case_id"))
    case_row = bulk.prepare(Case, fields)
    try:
        with transaction.atomic():
            case_id = bulk.insert_family(case_row, children)
            # The duty officers' notifications are fanned out by the worker (notices.cases_alert_new), so
            # the alert's own transaction stays four inserts long.
            transaction.on_commit(notices.kick)
    except IntegrityError:
        # A simultaneous press won: the same key (a retrying phone) or another open case of this citizen.
        again = store.situation(user_id=user.pk, key=key, country=fields["country_id"])
        if again.replay_case_id is not None:
            return Raised(Case.objects.get(pk=again.replay_case_id), created=False, replay=True, joined=False)
        if again.open_case_id is not None:
            return _join(again.open_case_id, user=user, key=key, point=point, now=now, pressed=pressed, data=data)
        raise
    return Raised(Case(pk=case_id, **fields), created=True, replay=False, joined=False)


@transaction.atomic
def _join(case_id: int, *, user: User, key: str, point: tuple[float, float, float | None] | None,
          now: dt.datetime, pressed: dt.datetime | None, data: dict[str, Any]) -> Raised:
    case = Case.objects.select_for_update().get(pk=case_id)
    Alert.objects.create(user=user, key=key, case=case, received_at=now, sent_at=pressed)
    case.alerts += 1
    update = ["alerts", "updated_at"]
    if point is not None:
        _locate(case, point, now)
        _trail(case, point, now)
        update += ["lat", "lon", "accuracy_m", "cell", "location", "located_at"]
    if case.category == Category.MESSAGE:
        # The open case was a conversation by SMS (sos.services.inbound), which alerted no one as an SOS: now
        # it is one, and the duty officers are alerted as for a new case.
        case.category, case.priority, case.alerted_at = "", Priority.HIGH, None
        update += ["category", "priority", "alerted_at"]
        transaction.on_commit(notices.kick)
    case.updated_at = now
    case.save(update_fields=update)
    Event.objects.create(case=case, at=now, kind=Event.Kind.JOINED, actor=user, from_citizen=True, data=data)
    return Raised(case, created=False, replay=False, joined=True)


def _locate(case: Case, point: tuple[float, float, float | None], at: dt.datetime) -> None:
    case.lat, case.lon, case.accuracy_m = point
    case.cell = cell_at(point[0], point[1], STAY_RES)
    case.location = Case.Location.KNOWN
    case.located_at = at


def _trail(case: Case, point: tuple[float, float, float | None], at: dt.datetime) -> None:
    LocationPoint.objects.create(case=case, at=at, lat=point[0], lon=point[1], accuracy_m=point[2])


def _own_open(case: Case) -> None:
    if not case.is_open:
        raise Conflict(_("This case is closed. Press SOS again if you need help."))


@transaction.atomic
def case_details_update(*, case: Case, user: User, category: str | None = None, text: str | None = None) -> Case:
    """The citizen adds what happened after the alert went out."""
    _own_open(case)
    changed: dict[str, str] = {}
    if category is not None:
        if category not in EMERGENCIES:
            raise BadInput(_("Unknown category."), field="category")
        if category != case.category:
            case.category = category
            changed["category"] = category
    if text is not None:
        text = clean_text(text)
        if text and text != case.text:
            case.text = text
            changed["text"] = text
    if changed:
        case.save(update_fields=["category", "text"])
        event_add(case, Event.Kind.DETAILS, actor=user, from_citizen=True, public=True,
                  text=changed.get("text", ""), data={"category": changed.get("category", case.category)})
    return case


@transaction.atomic
def case_location_add(*, case: Case, user: User, lat: Any, lon: Any, accuracy: Any = None) -> Case:
    """A position update from the phone while the case is open. Bad coordinates are a clear error."""
    _own_open(case)
    point = parse_location(lat, lon, accuracy)
    if point is None:
        raise BadInput(_("Latitude must be between -90 and 90 and longitude between -180 and 180."),
                       field="lat")
    now = timezone.now()
    first = case.location != Case.Location.KNOWN
    _locate(case, point, now)
    _trail(case, point, now)
    case.updated_at = now
    fields = ["lat", "lon", "accuracy_m", "cell", "location", "located_at", "updated_at"]
    moved_from = None
    if first and case.status == Case.Status.NEW and case.routing_rule in ("headquarters", "stay"):
        # Routed without a position; now that one has arrived, the case goes where the citizen is.
        route = get_router().route(point[0], point[1])
        if route.mission_id != case.mission_id:
            moved_from = case.mission
            case.mission_id, case.routing_rule, case.country_id = route.mission_id, route.rule, route.country
            case.waiting_since = now
            fields += ["mission", "routing_rule", "country", "waiting_since"]
    case.save(update_fields=fields)
    if first:
        event_add(case, Event.Kind.DETAILS, actor=user, from_citizen=True, text="",
                  data={"location": "received"}, at=now)
    if moved_from is not None:
        case.refresh_from_db(fields=["mission"])
        event_add(case, Event.Kind.HANDED_OVER, public=True, at=now,
                  text=_("Position received: handed over from %(old)s to %(new)s.") % {
                      "old": moved_from.name(), "new": case.mission.name()},
                  data={"from": moved_from.code, "to": case.mission.code, "automatic": True})
        notices.staff_new_case(case)
    return case


@transaction.atomic
def case_message_from_citizen(*, case: Case, user: User, text: str) -> Event:
    text = clean_text(text)
    if not text:
        raise BadInput(_("Write a message."), field="text")
    if not case.is_open:
        raise Conflict(_("This case is closed. Press SOS again if you need help."))
    event = event_add(case, Event.Kind.MESSAGE, actor=user, from_citizen=True, public=True, text=text)
    if case.status == Case.Status.ACKNOWLEDGED:
        # A new case is on top of the queue anyway; an acknowledged one is marked until an officer opens it.
        case.unread_at = event.at
        Case.objects.filter(pk=case.pk).update(unread_at=event.at)
    notices.staff_citizen_message(case, text)
    return event


def sos_open_for_citizen(*, citizen_id: int, user_id: int | None, mission_id: int, stay_id: int | None,
                         lat: float | None, lon: float | None, key: str, text: str, country_id: str | None = None,
                         category: str = Category.DISASTER, reported_by: str = "",
                         origin: dict[str, Any] | None = None) -> tuple[int, bool]:
    """Open an SOS case on a citizen's behalf — "I need help" in a crisis roll-call, possibly from a citizen
    without an account (an SMS link), or said by their emergency contact (reported_by="contact": the case's
    routing rule is "rollcall-contact", and its first timeline entry is not from the citizen). Joins the
    citizen's open case instead of opening a second one; the duty officers are then told again, as for a
    new case, and the console's cursor moves. Returns (case id, created). Runs inside the caller's
    transaction; the officers' alerts are fanned out after commit. `origin`: where an answer by SMS or WhatsApp
    came from (sos.services.inbound.Origin.data), kept on the timeline: an officer's message goes back there."""
    now = timezone.now()
    open_id = (Case.objects.filter(citizen_id=citizen_id, status__in=[Case.Status.NEW, Case.Status.ACKNOWLEDGED])
               .values_list("id", flat=True).first())
    data: dict[str, Any] = {**(origin or {}), "key": key, "via": "rollcall"}
    if reported_by:
        data["reported_by"] = reported_by
    if open_id is not None:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=open_id)
            case.alerts += 1
            case.alerted_at = None  # the fan-out (notices.cases_alert_new) tells the duty officers again
            changed = ["alerts", "alerted_at"]
            if case.category == Category.MESSAGE:  # a conversation by SMS becomes an SOS
                case.category, case.priority = category, Priority.HIGH
                changed += ["category", "priority"]
            case.save(update_fields=changed)
            event_add(case, Event.Kind.JOINED, text=clean_text(text), data=data, public=True,
                      from_citizen=not reported_by, at=now)
        transaction.on_commit(notices.kick)
        return open_id, False
    fields: dict[str, Any] = {
        "citizen_id": citizen_id, "user_id": user_id, "stay_id": stay_id, "mission_id": mission_id,
        "routing_rule": f"rollcall-{reported_by}" if reported_by else "rollcall", "country_id": country_id,
        "category": category, "text": clean_text(text), "raised_at": now, "waiting_since": now, "updated_at": now,
    }
    if lat is not None and lon is not None:
        fields.update(lat=lat, lon=lon, cell=cell_at(lat, lon, STAY_RES), location=Case.Location.KNOWN,
                      located_at=now)
    else:
        data["location"] = "missing"
    with transaction.atomic():
        case_id = bulk.insert(Case, fields)
        bulk.insert(Event, {"case_id": case_id, "at": now, "kind": Event.Kind.RAISED, "actor_id": user_id,
                            "from_citizen": not reported_by, "public": True, "text": fields["text"],
                            "data": data})
    transaction.on_commit(notices.kick)
    return case_id, True


def case_rollcall_add(*, case_id: int, text: str, data: dict[str, Any], from_citizen: bool = True) -> None:
    """What a roll-call answer adds to an SOS case it opened ("what do you need?", or "safe" said later): an
    entry on the timeline, which moves the console's cursor."""
    case = Case.objects.get(pk=case_id)
    event_add(case, Event.Kind.DETAILS, text=clean_text(text), data={"via": "rollcall", **data}, public=True,
              from_citizen=from_citizen)
