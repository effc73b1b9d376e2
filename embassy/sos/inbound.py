"""Texts people send the mission by SMS or WhatsApp, as notify.inbound hands them over (registered in
SosConfig.ready, after the crises' roll-call answers, order 10, and the opt-out words notify handles first):

- order 20, `sos_by_text`: an SOS — the app's pre-filled offline SOS ("[Name: ]SOS! ... <lat>,<lon> (+/-N m)
  https://osm.org/?mlat=..&mlon=.."), or any text whose first word is SOS, TOLONG or HELP — becomes an SOS case in
  the duty queue with the position it carries, routed like any SOS: by the position; else the citizen's
  registered stay; else the missions of the account it reached; else the country of the number. It answers the
  sender once, on the same channel, at SOS priority (a reply that notify.inbound queues with its batch's).
- order 30, `message_in`: anything else is a message on the sender's open case, or starts a conversation in
  the duty officers' queue (sos.services.inbound).

Who speaks is the sender's number, never the text: a registered phone (User.phone, then Citizen.phone) is
that citizen; an unknown number gets a record of its own holding only the number, and its cases show as
unverified. A number that is no phone (an alphanumeric sender) is left to notify ("unhandled"). A retried
webhook never reaches here twice (notify.Inbound is unique per vendor id); a second SOS from the same number
joins the open case. Texts of any length and script are taken; what is stored is cut to the fields' sizes.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from django.db import connection

from embassy.accounts.models import User
from embassy.accounts.reach import mission_for_person
from embassy.citizens.services import citizen_ensure_for_user
from embassy.missions.models import Mission
from embassy.missions.routing import get_router
from embassy.notify.inbox import InboundText, Outcome, on_inbound
from embassy.sos import notices
from embassy.sos.models import SMS_SOURCE, Case
from embassy.sos.services.inbound import (
    Origin,
    Where,
    case_message_inbound,
    case_sos_inbound,
    citizen_for_number,
    conversation_open,
)
from embassy.sos.smstext import Position, is_sos, read_position
from embassy.sos.store import Holder, active_stays, holders

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def register() -> None:
    on_inbound("sos.sms", sos_by_text, order=20, prepare=sos_prepare)
    on_inbound("sos.message", message_in, order=30)


# --- Who is writing ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sender:
    citizen_id: int
    user_id: int | None
    open_case_id: int | None


def _chosen(found: list[Holder]) -> Holder | None:
    """The record the text belongs to among those of the number (see sender_of); None when there is none
    yet (a profile or a number-only record is to be made)."""
    rows = [h for h in found if h.via == 0]
    if not rows and any(h.via == 2 for h in found):
        return None
    if not rows:
        rows = sorted((h for h in found if h.via == 1),
                      key=lambda h: (h.source == SMS_SOURCE, h.user_id is None, -(h.citizen_id or 0)))
    if not rows:
        return None
    return next((h for h in rows if h.open_case_id is not None), rows[0])


def sender_of(phone: str, *, create: bool = True, found: list[Holder] | None = None) -> Sender | None:
    """The citizen whose phone this is; a number-only record is made when none is (None without `create`).
    The citizen of the account with this number comes first; an account with no profile yet gets one. Else
    several records sharing the number (a family phone): the one with an open case — the text most likely
    belongs to it — else a registered one with an account, else the newest. One query (sos.store.holders),
    or none with `found` (what it returned before the transaction): read again when a record is to be made,
    so that two texts never make two."""
    stale = found is not None
    found = holders(phone, citizen_kind=User.Kind.CITIZEN) if found is None else found
    chosen = _chosen(found)
    if chosen is None and create and stale:
        found = holders(phone, citizen_kind=User.Kind.CITIZEN)
        chosen = _chosen(found)
    if chosen is not None:
        assert chosen.citizen_id is not None
        return Sender(chosen.citizen_id, chosen.user_id, chosen.open_case_id)
    if not create:
        return None
    user_id = next((h.user_id for h in found if h.via == 2), None)
    if user_id is not None:  # signed in with this number, no profile written yet
        citizen = citizen_ensure_for_user(user=User.objects.get(pk=user_id))
        return Sender(citizen.pk, user_id, None)
    return Sender(citizen_for_number(phone), None, None)


def _one_at_a_time(phone: str) -> None:
    """Texts from one number are taken one after the other: two at once would both make a number-only record
    or both open a case. SQLite already serialises writers; PostgreSQL takes a lock on the number until the
    transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5053, zlib.crc32(phone.encode()) - 2**31])


# --- Where the case goes -----------------------------------------------------------------------------------------
def _stay(citizen_id: int, country: str | None) -> tuple[int, int, str] | None:
    """(id, mission, country) of the citizen's active stay: the one in `country` if any, else the latest."""
    stays = active_stays(citizen_id)
    return next((s for s in stays if s[2] == country), stays[0] if stays else None)


def where_to(*, citizen_id: int | None, sender: str, point: tuple[float, float, float | None] | None,
             mission_ids: tuple[int, ...]) -> Where:
    """The responsible mission, as for any SOS: the position's; else the registered stay's; else the account's
    missions (the one for the number's country among several, else the first); else the number's country's
    mission, or headquarters."""
    router = get_router()
    route = router.route(point[0], point[1]) if point is not None else None
    stay = _stay(citizen_id, route.country if route else None) if citizen_id is not None else None
    if route is not None:
        return Where(route.mission_id, route.rule, route.country, stay[0] if stay else None)
    if stay is not None:
        return Where(stay[1], "stay", stay[2], stay[0])
    if len(mission_ids) == 1:
        return Where(mission_ids[0], "inbound-account")
    by_number = mission_for_person(phone=sender)
    if mission_ids:
        chosen = by_number.pk if by_number is not None and by_number.pk in mission_ids else min(mission_ids)
        return Where(chosen, "inbound-account")
    if by_number is not None:
        return Where(by_number.pk, "headquarters" if by_number.is_hq else "phone-country")
    if router.hq is None:
        raise LookupError("no headquarters unit loaded")
    return Where(router.hq.id, "headquarters")


def _origin(msg: InboundText) -> Origin:
    return Origin(channel=msg.channel, sender=msg.sender, inbound_id=msg.id, account=msg.account)


# --- The handlers ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SosPlan:
    """What an SOS by text needs, read before the write transaction (sos_prepare)."""

    found: list[Holder]  # the records of the sender's number
    citizen_id: int | None  # the one it most likely belongs to (sender_of's choice); None: to be made
    position: Position
    where: Where
    mission: Mission
    user: User | None  # the account of the record it most likely belongs to


def sos_prepare(msg: InboundText) -> SosPlan | None:
    """The reads of an SOS by text, before the write lock: who, where, which mission. None when it is no SOS."""
    if not _E164.match(msg.sender) or not is_sos(msg.text):
        return None
    found = holders(msg.sender, citizen_kind=User.Kind.CITIZEN)
    chosen = _chosen(found)
    position = read_position(msg.text)
    where = where_to(citizen_id=chosen.citizen_id if chosen else None, sender=msg.sender, point=position.point,
                     mission_ids=msg.mission_ids)
    user = User.objects.filter(pk=chosen.user_id).first() if chosen and chosen.user_id else None
    return SosPlan(found, chosen.citizen_id if chosen else None, position, where,
                   Mission.objects.get(pk=where.mission_id), user)


def sos_by_text(msg: InboundText) -> Outcome | None:
    """An SOS by SMS or WhatsApp (see the module's docstring); None when the text is no SOS."""
    plan: SosPlan | None = msg.plans["sos.sms"] if "sos.sms" in msg.plans else sos_prepare(msg)
    if plan is None:
        return None
    _one_at_a_time(msg.sender)
    sender = sender_of(msg.sender, found=plan.found)
    assert sender is not None  # made when missing
    where, mission, user = plan.where, plan.mission, plan.user
    if sender.citizen_id != plan.citizen_id:  # a record made or changed since: its stay and account
        where = where_to(citizen_id=sender.citizen_id, sender=msg.sender, point=plan.position.point,
                         mission_ids=msg.mission_ids)
        mission = Mission.objects.get(pk=where.mission_id) if where.mission_id != mission.pk else mission
        user = User.objects.filter(pk=sender.user_id).first() if sender.user_id else None
    case_id, created = case_sos_inbound(citizen_id=sender.citizen_id, user_id=sender.user_id, where=where,
                                        point=plan.position.point, problem=plan.position.problem, text=msg.text,
                                        origin=_origin(msg), open_case_id=sender.open_case_id)
    if not created:  # joined an open case: the answer names the case's own mission
        joined = Case.objects.filter(pk=case_id).values_list("mission_id", flat=True).first()
        mission = Mission.objects.get(pk=joined) if joined is not None and joined != mission.pk else mission
    reply = notices.sos_received_reply(case_id=case_id, mission=mission, user=user, channel=msg.channel,
                                       address=msg.sender, inbound_id=msg.id)
    return Outcome("sos" if created else "sos-joined", ref=f"sos.case:{case_id}", user_id=sender.user_id,
                   replies=(reply,))


def message_in(msg: InboundText) -> Outcome | None:
    """Any other text: a message on the sender's open case, else a new conversation. An empty text goes on an
    open case (someone tried to write) and starts nothing (None: notify keeps it as "ignored")."""
    if not _E164.match(msg.sender):
        return None
    _one_at_a_time(msg.sender)
    sender = sender_of(msg.sender, create=bool(msg.text.strip()))
    if sender is None:
        return None
    if sender.open_case_id is not None:
        case_message_inbound(case_id=sender.open_case_id, text=msg.text, origin=_origin(msg))
        return Outcome("case-message", ref=f"sos.case:{sender.open_case_id}", user_id=sender.user_id)
    if not msg.text.strip():
        return None
    where = where_to(citizen_id=sender.citizen_id, sender=msg.sender, point=None, mission_ids=msg.mission_ids)
    case_id = conversation_open(citizen_id=sender.citizen_id, user_id=sender.user_id, where=where, text=msg.text,
                                origin=_origin(msg))
    return Outcome("conversation", ref=f"sos.case:{case_id}", user_id=sender.user_id)
