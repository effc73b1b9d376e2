"""Who hears about a case, and what they are told — through the notify outbox only.

Called inside the services' transactions, so a case and its notifications are stored together (the
outbox dispatches after commit). Texts are rendered in each recipient's language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.common.sms import sms_fit, sms_link, sms_render
from embassy.missions.models import HQ_ROLES, Membership, Mission, Role
from embassy.sos.models import Case, DutyOfficer

log = logging.getLogger(__name__)
STAFF_CHANNELS = ("push", "email", "sms")
CITIZEN_CHANNELS = ("push",)
PROTECTION_ROLES = (Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION)


def duty_officers(mission_id: int) -> list[Any]:
    """The officers on duty at a mission; when nobody has signed on, every protection officer there."""
    User = get_user_model()
    users = list(User.objects.filter(pk__in=DutyOfficer.objects.filter(mission_id=mission_id).values("user_id"),
                                     is_active=True))
    if users:
        return users
    return list(User.objects.filter(is_active=True, memberships__mission_id=mission_id,
                                    memberships__role=Role.PROTECTION_OFFICER).distinct())


def protection_staff(mission_id: int) -> list[Any]:
    User = get_user_model()
    return list(User.objects.filter(is_active=True, memberships__mission_id=mission_id,
                                    memberships__role__in=PROTECTION_ROLES).distinct())


def headquarters_staff() -> list[Any]:
    User = get_user_model()
    return list(User.objects.filter(is_active=True, memberships__role__in=[Role.PROTECTION_ANALYST,
                                                                          Role.ADMINISTRATOR]).distinct())


def _console_url(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("console:sos-case", args=[case.pk])


def _citizen_url(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("sos:case", args=[case.pk])


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
    return sms_link(reverse(name, args=[case.pk]))


def _to_staff(users: Iterable[Any], case: Case, *, kind: str, subject: Any, body: Any, priority: int,
              channels: tuple[str, ...] = STAFF_CHANNELS, dedupe: str = "", sms: Any = None) -> None:
    from embassy.notify.services import notify_user

    url = _console_url(case)
    for user in users:
        with translation.override(user.language or "id"):
            notify_user(user=user, subject=str(subject()), body=str(body()), url=url, priority=priority,
                        channels=channels, kind=kind, dedupe_key=f"{dedupe}:{user.pk}" if dedupe else "",
                        data={"case": case.pk}, sms=sms() if sms is not None and "sms" in channels else "")


def staff_new_case(case: Case, users: list[Any] | None = None) -> None:
    """One case's alert to its duty officers (or `users`): the same messages the worker's fan-out sends."""
    from embassy.notify.selectors import addresses_for_users
    from embassy.notify.services import notify_bulk

    users = users if users is not None else duty_officers(case.mission_id)
    addresses = addresses_for_users(user_ids=[u.pk for u in users], channels=STAFF_CHANNELS)
    notify_bulk(messages=_staff_specs(users, addresses, [case]))


def staff_escalated(case: Case, level: int, users: list[Any]) -> None:
    from embassy.notify.services import Priority

    _to_staff(
        users, case, kind="sos.escalated",
        subject=lambda: _("Unacknowledged SOS %(ref)s — escalated") % {"ref": case.reference},
        body=lambda: _("No one has acknowledged SOS %(ref)s for %(mission)s yet. Position: %(where)s.") % {
            "ref": case.reference, "mission": case.mission.name(),
            "where": _where(case)},
        priority=Priority.SOS, dedupe=f"sos:{case.pk}:esc{level}",
        sms=lambda: sms_escalated(ref=case.reference, mission=case.mission.name_id,
                                  url=_case_sms_url(case, "console:sos-case")),
    )


def staff_citizen_message(case: Case, text: str) -> None:
    from embassy.notify.services import Priority

    users = [u for u in (case.assigned_to, case.acknowledged_by) if u is not None][:1] or \
        duty_officers(case.mission_id)
    _to_staff(users, case, kind="sos.message",
              subject=lambda: _("Message on SOS %(ref)s") % {"ref": case.reference},
              body=lambda: text[:500], priority=Priority.HIGH, channels=("push",))


def staff_cancelled(case: Case) -> None:
    """The citizen took back an SOS the officers were already told about: the same people hear it is off."""
    from embassy.notify.services import Priority

    users = [u for u in (case.assigned_to, case.acknowledged_by) if u is not None][:1] or \
        duty_officers(case.mission_id)
    _to_staff(users, case, kind="sos.cancelled",
              subject=lambda: _("SOS %(ref)s cancelled by the citizen") % {"ref": case.reference},
              body=lambda: _("The citizen says the SOS was pressed by mistake. The case is closed and stays in "
                             "the records; reopen it if in doubt."),
              priority=Priority.HIGH, channels=("push", "email"), dedupe=f"sos:{case.pk}:cancelled")


def citizen_update(case: Case, *, kind: str, text: str = "") -> None:
    """Tell the citizen what happened on their case (push to their phone)."""
    from embassy.notify.services import Priority, notify_user

    user = case.user
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
                    data={"case": case.pk}, sms=sms, fallback=("sms",))


LANE = "sos.alert"


def kick() -> None:
    """After an alert commits: make sure the fan-out task runs soon (coalesced across requests)."""
    from embassy.common.lanes import lane_kick
    from embassy.sos.tasks import alert_new_cases

    lane_kick(LANE, alert_new_cases)


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
    from embassy.notify.services import MessageSpec, Priority

    specs = []
    first, last = cases[0], cases[-1]
    for user in users:
        wants_sms = any(channel == "sms" for channel, _address in addresses.get(user.pk, []))
        with translation.override(user.language or "id"):
            if len(cases) >= DIGEST_FROM:
                subject = _("%(n)s new SOS for %(mission)s") % {"n": len(cases), "mission": first.mission.name()}
                body = _("%(refs)s. Open the console: the queue lists them oldest first.") % {
                    "refs": ", ".join(c.reference for c in cases[:10]) + (" …" if len(cases) > 10 else "")}
                sms = sms_digest(count=len(cases), mission=first.mission.name_id,
                                 url=sms_link(reverse("console:sos-queue"))) if wants_sms else ""
                items: list[tuple[Any, Any, str, str, str, int | None, str]] = [(subject, body, settings.SITE_URL.rstrip("/") + reverse("console:sos-queue"),
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
        for subject, body, url, dedupe, kind, case_id, sms in items:
            for channel, address in addresses.get(user.pk, []):
                specs.append(MessageSpec(channel=channel, address=address, subject=str(subject), body=str(body),
                                         url=url, priority=Priority.SOS, kind=kind, user_id=user.pk,
                                         dedupe_key=f"{dedupe}:{user.pk}", data={"case": case_id},
                                         sms=sms if channel == "sms" else ""))
    return specs


def cases_alert_new(*, limit: int = 500, older_than: dt.timedelta | None = None) -> int:
    """Queue the duty officers' notifications for every case not yet alerted. Everything is read first;
    the write is one bulk insert plus one update per batch, so the write lock is held for milliseconds
    even during an SOS storm. `older_than` is for the periodic safety net (cases whose kick was lost)."""
    from django.db import transaction
    from django.utils import timezone

    from embassy.notify.selectors import addresses_for_users
    from embassy.notify.services import notify_bulk

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
        with transaction.atomic():
            notify_bulk(messages=specs)
            Case.objects.filter(pk__in=[c.pk for c in batch], alerted_at__isnull=True).update(
                alerted_at=timezone.now())
            _remember_positions(batch)
        done += len(batch)
        if len(batch) < limit:
            return done


def _remember_positions(cases: list[Case]) -> None:
    """An SOS position is the citizen's last known position (they sent it on purpose): a crisis zone drawn
    around them finds them even without a registered stay there. One UPDATE per batch of cases."""
    from embassy.citizens.services import citizen_positions_store

    citizen_positions_store(points=[(c.citizen_id, c.lat, c.lon) for c in cases
                                    if c.lat is not None and c.lon is not None])


def is_hq_member(user: User) -> bool:
    return Membership.objects.filter(user=user, role__in=HQ_ROLES).exists()
