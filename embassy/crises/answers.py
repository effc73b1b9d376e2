"""Answers to the roll-call: through the signed link (no sign-in), in the app, by a reply to the SMS or WhatsApp
question (crises.inbound), or heard by an officer on the phone. The latest answer wins; "I need help" opens or joins an SOS case (crises.help)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.citizens.selectors import own_citizen
from embassy.common.bulk import insert_many, update_rows
from embassy.common.errors import BadInput, Conflict, NotFound
from embassy.crises.help import help_case_open, help_details_add, help_now_safe
from embassy.crises.links import CONTACT, LinkRefused, link_check
from embassy.crises.models import Affected, Answer, Crisis
from embassy.crises.powers import require_manage


# --- Answering --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answered:
    """The answer now stored for the person (always the latest one given), whether this call changed it, and
    their SOS case (opened by a "help", kept when they later say "safe")."""

    affected_id: int
    crisis_id: int
    answer: str
    recorded: bool  # False: the stored answer was already this one (a replayed link, a double tap)
    case_id: int | None


_ANSWER_COLUMNS = ("answer", "answered_at", "answered_via")
_HISTORY_COLUMNS = ("affected_id", "answer", "via", "key", "at", "text")
_SELECT = ("SELECT a.id, a.citizen_id, a.mission_id, a.stay_id, a.lat, a.lon, a.case_id, k.status, c.user_id "
           "FROM {a} a JOIN {k} k ON k.id = a.crisis_id JOIN {c} c ON c.id = a.citizen_id "
           "WHERE a.id = %s AND a.crisis_id = %s")


def _answer_store(*, affected_id: int, crisis_id: int, answer: str, via: str, key: str, text: str = "",
                  heard: str | None = None, origin: dict[str, Any] | None = None) -> Answered:
    """The latest answer wins, whichever link, app, reply or officer it comes through: a different answer
    replaces the stored one (and is kept in the Answer history); the same answer again changes nothing. The
    change is one conditional UPDATE, so two simultaneous answers cannot both count. `text`: the person's
    details (an SOS case's text); `heard`: what the history keeps when it differs (a reply's whole text);
    `origin`: where a reply came from (channel, number), kept on the SOS case so an officer can answer there."""
    if answer not in (Affected.Answer.SAFE, Affected.Answer.HELP):
        raise BadInput(_("Answer 'safe' or 'help'."), field="answer")
    q = connection.ops.quote_name
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_SELECT.format(a=q(Affected._meta.db_table), k=q(Crisis._meta.db_table),
                                          c=q(Citizen._meta.db_table)), [affected_id, crisis_id])
            row = cursor.fetchone()
            if row is None:
                raise LinkRefused("unknown")
            pk, citizen_id, mission_id, stay_id, lat, lon, case_id, status, user_id = row
            if status != Crisis.Status.ACTIVE:
                raise LinkRefused("closed")
        changed = update_rows(Affected, _ANSWER_COLUMNS, [(answer, at, via, pk)], unless=("answer", answer)) == 1
        if changed:
            insert_many(Answer, _HISTORY_COLUMNS, [(pk, answer, via, key, at, (text if heard is None else heard)[:500])])
        if not changed:
            if text and answer == Affected.Answer.HELP and case_id is not None:
                help_details_add(case_id=case_id, text=text, via=via, origin=origin)  # "what do you need?"
            return Answered(pk, crisis_id, answer, False, case_id)
        if answer == Affected.Answer.HELP:
            case_id = help_case_open(crisis_id=crisis_id, affected_id=pk, citizen_id=citizen_id, user_id=user_id,
                                     mission_id=mission_id, stay_id=stay_id, lat=lat, lon=lon, via=via, text=text,
                                     origin=origin)
            Affected.objects.filter(pk=pk).update(case_id=case_id)
        elif case_id is not None:
            help_now_safe(case_id=case_id, via=via)
    return Answered(pk, crisis_id, answer, True, case_id)


def rollcall_answer_link(*, crisis_id: int, token: str, answer: str, text: str = "") -> Answered:
    """An answer through a signed link (no sign-in). Raises LinkRefused or BadInput."""
    affected_id, who = link_check(token, crisis_id)
    key = hashlib.sha256(token.encode()).hexdigest()[:40]
    return _answer_store(affected_id=affected_id, crisis_id=crisis_id, answer=answer,
                         via="contact" if who == CONTACT else "link", key=key, text=text)


def rollcall_answer_reply(*, affected_id: int, crisis_id: int, answer: str, via: str, key: str, text: str,
                          heard: str, origin: dict[str, Any]) -> Answered:
    """A reply by SMS or WhatsApp to the question sent to the sender's number (crises.inbound found which row
    it names; the text never does). `via`: sms | whatsapp, or contact for an emergency contact's reply.
    Raises LinkRefused when the roll-call has ended."""
    return _answer_store(affected_id=affected_id, crisis_id=crisis_id, answer=answer, via=via, key=key,
                         text=text, heard=heard, origin=origin)


def rollcall_answer_own(*, user: User, crisis_id: int, answer: str, text: str = "") -> Answered:
    """A signed-in citizen answers in the app."""
    citizen = own_citizen(user=user)
    pk = Affected.objects.filter(crisis_id=crisis_id, citizen=citizen).values_list("id", flat=True).first()
    if pk is None:
        raise NotFound(_("You are not on this roll-call."))
    try:
        return _answer_store(affected_id=pk, crisis_id=crisis_id, answer=answer, via="app",
                             key=f"app:{timezone.now().timestamp():.0f}", text=text)
    except LinkRefused as refused:
        raise Conflict(_("This roll-call has ended.")) from refused


def rollcall_answer_staff(*, actor: User, affected: Affected, answer: str, note: str = "") -> Answered:
    """An officer records an answer heard by phone (an officer who may act on the crisis: crises.powers)."""
    require_manage(actor, affected.crisis, action="answer")
    result = _answer_store(affected_id=affected.pk, crisis_id=affected.crisis_id, answer=answer, via="staff",
                           key=f"staff:{actor.pk}:{timezone.now().timestamp():.3f}", text=note)
    audit_record(actor=actor, action="crisis.answer", object_type="affected", object_id=affected.pk,
                 citizen_id=affected.citizen_id, detail={"answer": answer})
    return result
