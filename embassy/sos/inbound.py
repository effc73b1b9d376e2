"""Texts people send the mission by SMS or WhatsApp, as notify.inbox hands them over (registered in
SosConfig.ready, after the crises' roll-call answers, order 10, and the opt-out words notify handles first):

- order 20, `sos_by_text`: an SOS — the app's pre-filled offline SOS ("[Name: ]SOS! ... <lat>,<lon> (+/-N m)
  https://osm.org/?mlat=..&mlon=.."), or any text whose first word is SOS, TOLONG or HELP — becomes an SOS case in
  the duty queue with the position it carries, routed like any SOS: by the position; else the citizen's
  registered stay; else the missions of the account it reached; else the country of the number. It answers the
  sender once, on the same channel, at SOS priority.
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
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.services import citizen_ensure_for_user
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
from embassy.sos.smstext import is_sos, read_position

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def register() -> None:
    on_inbound("sos.sms", sos_by_text, order=20)
    on_inbound("sos.message", message_in, order=30)


# --- Who is writing ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sender:
    citizen_id: int
    user_id: int | None
    open_case_id: int | None


def _pick(rows: list[tuple[int, int | None, str]]) -> list[tuple[int, int | None, str]]:
    """Registered records before a number-only one, those with an account first, the newest first."""
    return sorted(rows, key=lambda r: (r[2] == SMS_SOURCE, r[1] is None, -r[0]))


def sender_of(phone: str, *, create: bool = True) -> Sender | None:
    """The citizen whose phone this is; a number-only record is made when none is (None without `create`).
    Several records sharing the number (a family phone): the one with an open case — the text most likely
    belongs to it — else a registered one with an account, else the newest."""
    rows: list[tuple[int, int | None, str]] = list(
        Citizen.objects.filter(user__phone=phone).values_list("id", "user_id", "source")[:1])
    if not rows and create:
        user = User.objects.filter(phone=phone, kind=User.Kind.CITIZEN).first()
        if user is not None:  # signed in with this number, no profile written yet
            citizen = citizen_ensure_for_user(user=user)
            rows = [(citizen.pk, user.pk, citizen.source)]
    if not rows:
        rows = _pick(list(Citizen.objects.filter(phone=phone).values_list("id", "user_id", "source")[:20]))
    if not rows:
        return Sender(citizen_for_number(phone), None, None) if create else None
    open_cases = dict(Case.objects.filter(citizen_id__in=[r[0] for r in rows], status__in=Case.OPEN)
                      .values_list("citizen_id", "id"))
    chosen = next((r for r in rows if r[0] in open_cases), rows[0])
    return Sender(chosen[0], chosen[1], open_cases.get(chosen[0]))


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
    stays = list(Stay.objects.filter(citizen_id=citizen_id, status=Stay.Status.ACTIVE)
                 .order_by("-start_date", "-id").values_list("id", "mission_id", "country_id")[:10])
    return next((s for s in stays if s[2] == country), stays[0] if stays else None)


def where_to(*, citizen_id: int, sender: str, point: tuple[float, float, float | None] | None,
             mission_ids: tuple[int, ...]) -> Where:
    """The responsible mission, as for any SOS: the position's; else the registered stay's; else the account's
    missions (the one for the number's country among several, else the first); else the number's country's
    mission, or headquarters."""
    router = get_router()
    route = router.route(point[0], point[1]) if point is not None else None
    stay = _stay(citizen_id, route.country if route else None)
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
def sos_by_text(msg: InboundText) -> Outcome | None:
    """An SOS by SMS or WhatsApp (see the module's docstring); None when the text is no SOS."""
    if not _E164.match(msg.sender) or not is_sos(msg.text):
        return None
    _one_at_a_time(msg.sender)
    sender = sender_of(msg.sender)
    assert sender is not None  # made when missing
    position = read_position(msg.text)
    where = where_to(citizen_id=sender.citizen_id, sender=msg.sender, point=position.point,
                     mission_ids=msg.mission_ids)
    case_id, created = case_sos_inbound(citizen_id=sender.citizen_id, user_id=sender.user_id, where=where,
                                        point=position.point, problem=position.problem, text=msg.text,
                                        origin=_origin(msg))
    case = Case.objects.select_related("mission", "user").get(pk=case_id)
    notices.citizen_sos_received(case, channel=msg.channel, address=msg.sender, inbound_id=msg.id)
    return Outcome("sos" if created else "sos-joined", ref=f"sos.case:{case_id}", user_id=sender.user_id)


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
