"""Who hears about a case, and what they are told — through the notify outbox only.

Casework (an acknowledgement, a message, a handover, an escalation…) calls these inside its own transaction,
so the change and its notifications are stored together (the outbox dispatches after commit). A new case is
different: its transaction stores only the case, and `kick` (on commit) has the worker's `alert_new_cases`
write the duty officers' messages afterwards, in batches (`cases_alert_new`); the periodic escalation job is
the safety net for a lost kick. Texts are rendered in each recipient's language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.citizens.services import Positions, citizen_positions_prepare, citizen_positions_store
from embassy.common.kicks import deferred, kick_done, kick_once
from embassy.common.links import absolute_url, url_path
from embassy.common.sms import sms_fit, sms_link, sms_render
from embassy.common.tasking import task
from embassy.missions.contact import hotline_for
from embassy.missions.models import Mission
from embassy.notify.selectors import addresses_for_users
from embassy.notify.services import MessageSpec, Priority, notify_address, notify_bulk, notify_user
from embassy.sos.models import Case, DutyOfficer, Event

log = logging.getLogger(__name__)
STAFF_CHANNELS = ("push", "email", "sms")
CITIZEN_CHANNELS = ("push",)
INBOUND_CHANNELS = ("sms", "whatsapp")  # the channels people write to the mission on (sos.inbound)


def duty_officers(mission_id: int) -> list[Any]:
    """The officers on duty at a mission; when nobody has signed on, every protection officer there."""
    return staff_to_notify(purpose=Purpose.DUTY, missions=[mission_id],
                           on_duty=DutyOfficer.objects.filter(mission_id=mission_id).values("user_id"))


def _console_url(case: Case) -> str:
    return absolute_url("console:sos-case", case.pk)


def _citizen_url(case: Case) -> str:
    return absolute_url("sos:case", case.pk)


def _where(case: Case) -> str:
    if case.lat is None or case.lon is None:
        return _("location unknown")
    accuracy = f" ±{round(case.accuracy_m)} m" if case.accuracy_m is not None else ""
    return f"{case.lat:.5f}, {case.lon:.5f}{accuracy}"


# --- SMS: one GSM-7 segment each (embassy.common.sms), in the active language --------------------------------
# Missions are named by their Indonesian short name (KBRI Kuala Lumpur) in every language: the English names
# ("Permanent Mission of the Republic of Indonesia to ...") would leave no room, and citizens know them so.
def sms_where(lat: float | None, lon: float | None, accuracy_m: float | None) -> str:
    if lat is None or lon is None:
        return str(_("location unknown"))
    accuracy = f" (+/-{round(accuracy_m)} m)" if accuracy_m is not None else ""
    return f"{lat:.5f},{lon:.5f}{accuracy}"


def _sms(template: str, bare: str, values: dict[str, Any], shrink: tuple[str, ...]) -> str:
    return (sms_render(template, values, shrink=shrink) or sms_render(bare, values, shrink=shrink)
            or sms_fit(bare % values)[0])


def sms_new_case(*, ref: str, name: str, where: str, url: str, by_contact: bool = False) -> str:
    """Duty officers: a new SOS, who sent it (or that their emergency contact reported it), where, and the
    console link."""
    values = {"ref": ref, "name": name, "where": where, "url": url}
    if by_contact:
        return _sms(_("New %(ref)s for %(name)s, from an emergency contact, at %(where)s. %(url)s"),
                    _("New %(ref)s, from an emergency contact, at %(where)s. %(url)s"), values, ("name",))
    return _sms(_("New %(ref)s from %(name)s at %(where)s. %(url)s"), _("New %(ref)s at %(where)s. %(url)s"),
                values, ("name",))


def sms_digest(*, count: int, mission: str, url: str) -> str:
    """Duty officers: several new SOS at once (the queue link)."""
    return _sms(_("%(n)s new SOS for %(mission)s. Queue: %(url)s"), _("%(n)s new SOS. Queue: %(url)s"),
                {"n": count, "mission": mission, "url": url}, ("mission",))


def sms_escalated(*, ref: str, mission: str, url: str) -> str:
    """The next level: nobody has acknowledged an SOS."""
    return _sms(_("Escalated: nobody has acknowledged %(ref)s for %(mission)s yet. %(url)s"),
                _("Escalated: nobody has acknowledged %(ref)s yet. %(url)s"),
                {"ref": ref, "mission": mission, "url": url}, ("mission",))


def sms_citizen_update(*, kind: str, mission: str, text: str, url: str) -> str:
    """The citizen: what happened on their SOS (sent by SMS when no app on their phone gets push)."""
    templates = {
        "acknowledged": _("%(mission)s has received your SOS and will contact you. Keep your phone with you. "
                          "%(url)s"),
        "message": _("%(mission)s: %(text)s %(url)s"),
        "handed_over": _("Your SOS is now handled by %(mission)s. %(url)s"),
        "resolved": _("%(mission)s has closed your SOS case. %(url)s"),
    }
    values = {"mission": mission, "text": text or _("Open the app to see the details."), "url": url}
    return _sms(templates.get(kind, _("Update on your SOS: %(url)s")), _("Update on your SOS: %(url)s"), values,
                ("text", "mission"))


def _case_sms_url(case: Case, name: str) -> str:
    return sms_link(url_path(name, case.pk))


def _to_staff(users: Iterable[Any], case: Case, *, kind: str, subject: Any, body: Any, priority: int,
              channels: tuple[str, ...] = STAFF_CHANNELS, dedupe: str = "", sms: Any = None) -> None:
    url = _console_url(case)
    for user in users:
        with translation.override(user.language or "id"):
            notify_user(user=user, subject=str(subject()), body=str(body()), url=url, priority=priority,
                        channels=channels, kind=kind, dedupe_key=f"{dedupe}:{user.pk}" if dedupe else "",
                        data={"case": case.pk}, sms=sms() if sms is not None and "sms" in channels else "")


def staff_new_case(case: Case, users: list[Any] | None = None) -> None:
    """One case's alert to its duty officers (or `users`): the same messages the worker's fan-out sends."""
    users = users if users is not None else duty_officers(case.mission_id)
    addresses = addresses_for_users(user_ids=[u.pk for u in users], channels=STAFF_CHANNELS)
    notify_bulk(messages=_staff_specs(users, addresses, [case]))


def sms_escalated_digest(*, count: int, mission: str, url: str) -> str:
    """The next level: several SOS of one mission not acknowledged (the queue link)."""
    return _sms(_("Escalated: %(n)s SOS for %(mission)s not acknowledged yet. Queue: %(url)s"),
                _("Escalated: %(n)s SOS not acknowledged yet. Queue: %(url)s"),
                {"n": count, "mission": mission, "url": url}, ("mission",))


def _refs(cases: list[Case]) -> str:
    """The first ten references of a summary, and an ellipsis when there are more."""
    return ", ".join(c.reference for c in cases[:10]) + (" …" if len(cases) > 10 else "")


# (subject, body, url, dedupe key, kind, case id, SMS text) of one message to one person
_Item = tuple[Any, Any, str, str, str, int | None, str]


def _user_specs(user: Any, addresses: dict[int, list[tuple[str, str]]], items: list[_Item]) -> list[Any]:
    """One staff member's SOS-priority messages, each on every address they have."""
    return [MessageSpec(channel=channel, address=address, subject=str(subject), body=str(body), url=url,
                        priority=Priority.SOS, kind=kind, user_id=user.pk, dedupe_key=f"{dedupe}:{user.pk}",
                        data={"case": case_id}, sms=sms if channel == "sms" else "")
            for subject, body, url, dedupe, kind, case_id, sms in items
            for channel, address in addresses.get(user.pk, [])]


def staff_escalated_specs(users: list[Any], addresses: dict[int, list[tuple[str, str]]], cases: list[Case],
                          level: int) -> list[Any]:
    """Messages for the next level about one mission's `cases` that nobody acknowledged: one each, or one
    summary per person when DIGEST_FROM or more climb in one run (a storm of unacknowledged SOS must not send
    the head of mission thousands of messages)."""
    first, last = cases[0], cases[-1]
    specs: list[Any] = []
    for user in users:
        wants_sms = any(channel == "sms" for channel, _address in addresses.get(user.pk, []))
        with translation.override(user.language or "id"):
            if len(cases) >= DIGEST_FROM:
                subject = _("%(n)s unacknowledged SOS for %(mission)s — escalated") % {
                    "n": len(cases), "mission": first.mission.name()}
                body = _("No one has acknowledged %(refs)s yet. Open the console: the queue lists them oldest "
                         "first.") % {"refs": _refs(cases)}
                sms = sms_escalated_digest(count=len(cases), mission=first.mission.name_id,
                                           url=sms_link(url_path("console:sos-queue"))) if wants_sms else ""
                items: list[_Item] = [(subject, body, absolute_url("console:sos-queue"),
                                       f"sos:{first.pk}-{last.pk}:esc{level}:digest:{first.mission_id}",
                                       "sos.escalated", None, sms)]
            else:
                items = [(_("Unacknowledged SOS %(ref)s — escalated") % {"ref": c.reference},
                          _("No one has acknowledged SOS %(ref)s for %(mission)s yet. Position: %(where)s.") % {
                              "ref": c.reference, "mission": c.mission.name(), "where": _where(c)},
                          _console_url(c), f"sos:{c.pk}:esc{level}", "sos.escalated", c.pk,
                          sms_escalated(ref=c.reference, mission=c.mission.name_id,
                                        url=_case_sms_url(c, "console:sos-case")) if wants_sms else "")
                         for c in cases]
        specs += _user_specs(user, addresses, items)
    return specs


def staff_citizen_message(case: Case, text: str) -> None:
    users = [u for u in (case.assigned_to, case.acknowledged_by) if u is not None][:1] or \
        duty_officers(case.mission_id)
    _to_staff(users, case, kind="sos.message",
              subject=lambda: _("Message on SOS %(ref)s") % {"ref": case.reference},
              body=lambda: text[:500], priority=Priority.HIGH, channels=("push",))


def staff_new_conversation(case: Case, text: str) -> None:
    """Someone wrote to the mission by SMS or WhatsApp and has no open case: the duty officers hear of the new
    conversation at normal priority (it is no SOS: an SOS by SMS goes through the SOS fan-out)."""
    _to_staff(duty_officers(case.mission_id), case, kind="sos.conversation",
              subject=lambda: _("New message %(ref)s from %(number)s") % {
                  "ref": case.reference, "number": case.citizen.full_name or case.citizen.phone},
              body=lambda: text[:500] or _("(empty message)"), priority=Priority.NORMAL, channels=("push", "email"),
              dedupe=f"sos:{case.pk}:conversation")


def staff_cancelled(case: Case) -> None:
    """The citizen took back an SOS the officers were already told about: the same people hear it is off."""
    users = [u for u in (case.assigned_to, case.acknowledged_by) if u is not None][:1] or \
        duty_officers(case.mission_id)
    _to_staff(users, case, kind="sos.cancelled",
              subject=lambda: _("SOS %(ref)s cancelled by the citizen") % {"ref": case.reference},
              body=lambda: _("The citizen says the SOS was pressed by mistake. The case is closed and stays in "
                             "the records; reopen it if in doubt."),
              priority=Priority.HIGH, channels=("push", "email"), dedupe=f"sos:{case.pk}:cancelled")


def inbound_route(case: Case) -> tuple[str, str] | None:
    """(channel, number) of the citizen's latest SMS or WhatsApp message on the case (sos.services.inbound
    records it on the timeline), None when they never wrote that way: the officer's answer goes back there."""
    data = (Event.objects.filter(case_id=case.pk, from_citizen=True, data__channel__in=INBOUND_CHANNELS)
            .order_by("-id").values_list("data", flat=True).first())
    if not isinstance(data, dict) or not data.get("from"):
        return None
    return str(data["channel"]), str(data["from"])


def sms_reply(*, mission: str, text: str) -> str:
    """An officer's message to someone who wrote by SMS, in one GSM-7 segment (the text shortened to fit)."""
    return _sms(_("%(mission)s: %(text)s"), "%(text)s", {"mission": mission, "text": text}, ("text", "mission"))


def _reply_inbound(case: Case, route: tuple[str, str], text: str, language: str) -> None:
    """The officer's message back on the channel the citizen wrote on (an SMS fitted to one segment; WhatsApp
    takes the whole text, free-form inside the 24-hour window the citizen's message opened). Kind sos.message:
    a life-safety kind (NOTIFY_LIFE_SAFETY_KINDS), as the officers' messages in the app."""
    channel, address = route
    mission: Mission = case.mission
    with translation.override(language):
        subject = _("Message from %(mission)s") % {"mission": mission.name()}
        notify_address(channel=channel, address=address, subject=str(subject), body=text[:4000],
                       sms=sms_reply(mission=mission.name_id, text=text), priority=Priority.HIGH,
                       kind="sos.message", data={"case": case.pk}, mission_id=case.mission_id)


def sms_sos_received(*, ref: str, mission: str, hotline: str) -> str:
    """The sender of an SOS by SMS: it reached the mission (one GSM-7 segment; the mission's hotline when it
    fits)."""
    values = {"ref": ref, "mission": mission, "hotline": hotline}
    if hotline:
        return _sms(_("%(mission)s received your SOS %(ref)s. An officer will contact you. Hotline: %(hotline)s"),
                    _("Your SOS %(ref)s was received. An officer will contact you. Hotline: %(hotline)s"), values,
                    ("mission",))
    return _sms(_("%(mission)s received your SOS %(ref)s. An officer will contact you. Keep your phone with you."),
                _("Your SOS %(ref)s was received. An officer will contact you."), values, ("mission",))


def sos_received_reply(*, case_id: int, mission: Mission, user: User | None, channel: str, address: str,
                       inbound_id: int) -> MessageSpec:
    """The answer to an SOS by SMS/WhatsApp, on the channel it came from, at SOS priority: one short text in
    Indonesian (English when the citizen's account is in English) naming the case (its mission and account as
    the case has them). Once per inbound message (its dedupe key). On WhatsApp it goes as the approved template
    of its kind (NOTIFY_WHATSAPP_TEMPLATES "sos.received": mission, ref, from data["wa"]). A life-safety kind:
    sent even after an opt-out where the law allows. notify.inbound queues it with the other answers of its batch;
    a sender that cannot be written to (an alphanumeric sender) is skipped there: the case stands, the officers
    call."""
    reference = Case(pk=case_id).reference
    with translation.override(language_of(user)):
        text = sms_sos_received(ref=reference, mission=mission.name_id, hotline=hotline_for(mission).number)
        subject = str(_("Your SOS was received"))
    return MessageSpec(channel=channel, address=address, subject=subject, body=text, sms=text,
                       priority=Priority.SOS, kind="sos.received", dedupe_key=f"sos-received:{inbound_id}",
                       data={"case": case_id, "wa": {"mission": mission.name_id, "ref": reference}},
                       user=user, mission_id=mission.pk)


def citizen_language(case: Case) -> str:
    """Indonesian, or English when the citizen's account says so (a number that matched no one: Indonesian)."""
    return language_of(case.user)


def language_of(user: User | None) -> str:
    return "en" if user is not None and (user.language or "").startswith("en") else "id"


def citizen_update(case: Case, *, kind: str, text: str = "") -> None:
    """Tell the citizen what happened on their case (push to their phone). An officer's message to someone who
    wrote by SMS or WhatsApp also goes back there (the only way to reach a number without an account)."""
    user = case.user
    route = inbound_route(case) if kind == "message" else None
    if route is not None:
        _reply_inbound(case, route, text, citizen_language(case))
    if user is None:  # a case opened for a citizen without an account: the mission calls them
        return
    mission: Mission = case.mission
    with translation.override(user.language or "id"):
        name = mission.name()
        subjects = {
            "acknowledged": _("%(mission)s has received your SOS") % {"mission": name},
            "message": _("Message from %(mission)s") % {"mission": name},
            "handed_over": _("Your case is now with %(mission)s") % {"mission": name},
            "resolved": _("Your case has been closed by %(mission)s") % {"mission": name},
        }
        sms = sms_citizen_update(kind=kind, mission=mission.name_id, text=text,
                                 url=_case_sms_url(case, "sos:case"))
        notify_user(user=user, subject=str(subjects.get(kind, _("Update on your SOS"))),
                    body=text[:500] or str(_("Open the app to see the details.")), url=_citizen_url(case),
                    priority=Priority.HIGH, channels=CITIZEN_CHANNELS, kind=f"sos.{kind}",
                    data={"case": case.pk}, sms=sms, fallback=() if route is not None else ("sms",))


KICK = "sos.alert"


@task(queue_name="default", priority=50)
def alert_new_cases() -> int:
    """Fan out new SOS cases to their duty officers (kicked after each alert commits)."""
    kick_done(KICK)  # before looking: an alert committed after this kicks a new run
    return cases_alert_new()


def kick() -> None:
    """After an alert commits: make sure the fan-out task runs soon (coalesced across requests: one run waits at a
    time, and it starts SOS_ALERT_COALESCE_SECONDS after the first alert, so that alerts arriving together share
    it; at once where the backend cannot defer)."""
    seconds = settings.SOS_ALERT_COALESCE_SECONDS
    kick_once(KICK, (deferred(alert_new_cases, seconds) if seconds > 0 else None) or alert_new_cases)


DIGEST_FROM = 3  # this many new cases for one mission in one run → one summary message per officer


def _staff_subject(case: Case) -> str:
    name = case.citizen.full_name or _("a citizen")
    if case.routing_rule == "rollcall-contact":  # "I need help" said by their emergency contact (crises.help)
        return _("SOS %(ref)s for %(name)s, reported by an emergency contact") % {"ref": case.reference, "name": name}
    return _("SOS %(ref)s from %(name)s") % {"ref": case.reference, "name": name}


def _new_key(case: Case) -> str:
    """The alert's de-duplication key; a case alerted again (a roll-call "I need help" joined it) gets a new one."""
    return f"sos:{case.pk}:new:{case.mission_id}" + (f":{case.alerts}" if case.alerts > 1 else "")


def _staff_specs(users: list[Any], addresses: dict[int, list[tuple[str, str]]], cases: list[Case]) -> list[Any]:
    """Messages for one mission's duty officers about `cases`: one each, or one summary when many
    arrive at once (an SOS storm must not bury the officer's phone under hundreds of messages)."""
    specs = []
    first, last = cases[0], cases[-1]
    for user in users:
        wants_sms = any(channel == "sms" for channel, _address in addresses.get(user.pk, []))
        with translation.override(user.language or "id"):
            if len(cases) >= DIGEST_FROM:
                subject = _("%(n)s new SOS for %(mission)s") % {"n": len(cases), "mission": first.mission.name()}
                body = _("%(refs)s. Open the console: the queue lists them oldest first.") % {"refs": _refs(cases)}
                sms = sms_digest(count=len(cases), mission=first.mission.name_id,
                                 url=sms_link(url_path("console:sos-queue"))) if wants_sms else ""
                items: list[_Item] = [(subject, body, absolute_url("console:sos-queue"),
                          f"sos:{first.pk}-{last.pk}:digest:{first.mission_id}", "sos.new.digest", None, sms)]
            else:
                items = [(_staff_subject(c),
                          _("New SOS for %(mission)s. Position: %(where)s. Open the console to acknowledge.") % {
                              "mission": c.mission.name(), "where": _where(c)},
                          _console_url(c), _new_key(c), "sos.new", c.pk,
                          sms_new_case(ref=c.reference, name=c.citizen.full_name or _("a citizen"),
                                       where=sms_where(c.lat, c.lon, c.accuracy_m),
                                       url=_case_sms_url(c, "console:sos-case"),
                                       by_contact=c.routing_rule == "rollcall-contact") if wants_sms else "")
                         for c in cases]
        specs += _user_specs(user, addresses, items)
    return specs


def cases_alert_new(*, limit: int = 500, older_than: dt.timedelta | None = None) -> int:
    """Queue the duty officers' notifications for every case not yet alerted. Everything is read first;
    the write is one bulk insert plus one update per batch, so the write lock is held for milliseconds
    even during an SOS storm. `older_than` is for the periodic safety net (cases whose kick was lost)."""
    done = 0
    while True:
        qs = Case.objects.filter(alerted_at__isnull=True)
        if older_than is not None:
            qs = qs.filter(raised_at__lt=timezone.now() - older_than)
        batch = list(qs.select_related("mission", "citizen").order_by("id")[:limit])
        if not batch:
            return done
        by_mission: dict[int, list[Case]] = {}
        for case in batch:
            by_mission.setdefault(case.mission_id, []).append(case)
        officers = {mission_id: duty_officers(mission_id) for mission_id in by_mission}
        addresses = addresses_for_users(user_ids={u.pk for users in officers.values() for u in users},
                                        channels=STAFF_CHANNELS)
        specs = [spec for mission_id, cases in by_mission.items()
                 for spec in _staff_specs(officers[mission_id], addresses, cases)]
        positions = _positions(batch)  # looked up before the write lock
        with transaction.atomic():
            notify_bulk(messages=specs)
            Case.objects.filter(pk__in=[c.pk for c in batch], alerted_at__isnull=True).update(
                alerted_at=timezone.now())
            citizen_positions_store(points=positions)
        done += len(batch)
        if len(batch) < limit:
            return done


def _positions(cases: list[Case]) -> Positions:
    """An SOS position is the citizen's last known position (they sent it on purpose): a crisis zone drawn
    around them finds them even without a registered stay there. Not so for a number that matched no citizen
    (Case.unverified): who it is, is not known, and a crisis would count it as a registered citizen inside.
    Stored with the batch's alert (one UPDATE)."""
    return citizen_positions_prepare([(c.citizen_id, c.lat, c.lon) for c in cases
                                      if c.lat is not None and c.lon is not None and not c.unverified])
