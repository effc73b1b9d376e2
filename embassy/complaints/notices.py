"""Who hears about a complaint, and what they are told — through the notify outbox only, queued inside the
caller's transaction. The filer gets the number at once (e-mail, SMS of one GSM-7 segment, or the app); the
mission's officers hear of a new complaint; each escalation tells the next level, one message per person per
run (a backlog must not bury a head of mission's phone under hundreds of messages)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.common.links import absolute_url, url_path
from embassy.common.sms import sms_fit, sms_link, sms_render
from embassy.complaints.models import Complaint, FiledBy, Level
from embassy.missions.models import Membership, Mission, Role
from embassy.notify.selectors import addresses_for_users
from embassy.notify.services import MessageSpec, Priority, notify_address, notify_bulk, notify_user

STAFF_CHANNELS = ("push", "email", "sms")
DIGEST_LIST = 20  # numbers named in one escalation message; the rest are counted


def level_staff(*, level: int, mission_id: int) -> list[Any]:
    """The people a level names at a mission: protection officers (officer level), the head of consular affairs
    (else the head of mission), the head of mission, headquarters' protection analysts and administrators."""
    if level == Level.OFFICER:
        return staff_to_notify(purpose=Purpose.DUTY, missions=[mission_id])
    if level == Level.HEAD_OF_CONSULAR:
        heads = staff_to_notify(purpose=Purpose.CONSULAR_HEAD, missions=[mission_id])
        return heads or level_staff(level=Level.HEAD_OF_MISSION, mission_id=mission_id)
    if level == Level.HEAD_OF_MISSION:
        # accounts.staff names no purpose for the head of mission alone (reported): the same rule, read here.
        return list(get_user_model().objects.filter(
            is_active=True, memberships__mission_id=mission_id, memberships__role=Role.HEAD_OF_MISSION).distinct())
    return staff_to_notify(purpose=Purpose.HEADQUARTERS)


def sms_filed(*, mission: str, number: str, url: str = "") -> str:
    values = {"mission": mission, "number": number, "url": url}
    if url:
        text = sms_render(_("%(mission)s received your complaint %(number)s. Quote this number. %(url)s"), values,
                          shrink=("mission",))
    else:
        text = sms_render(_("%(mission)s received your complaint %(number)s. Quote this number when you call."),
                          values, shrink=("mission",))
    return text or sms_fit(_("Complaint %(number)s received.") % values)[0]


def _filed_text(complaint: Complaint) -> tuple[str, str]:
    subject = _("Complaint %(number)s received") % {"number": complaint.number}
    body = _("%(mission)s has received the complaint about %(name)s (%(category)s). Its number is %(number)s: "
             "quote it whenever you contact the mission.") % {
        "mission": complaint.mission.name(), "name": complaint.subject_name,
        "category": complaint.get_category_display(), "number": complaint.number}
    return subject, body


def filer_filed(complaint: Complaint) -> None:
    """The filer hears the number: the signed-in citizen in the app and by e-mail (SMS when neither reaches
    them); a relative, an employer or a caller at the e-mail and phone they gave."""
    user = complaint.filer_user if complaint.filed_by == FiledBy.SELF else (
        complaint.citizen.user if complaint.citizen is not None and complaint.filed_by == FiledBy.OFFICER
        and not (complaint.filer_phone or complaint.filer_email) else None)
    language = getattr(user, "language", "") or translation.get_language() or "id"
    with translation.override(language):
        subject, body = _filed_text(complaint)
        dedupe = f"complaint:{complaint.pk}:filed"
        if user is not None:
            url = absolute_url("complaints:detail", complaint.number)
            notify_user(user=user, subject=subject, body=body, url=url, channels=("push", "email"),
                        fallback=("sms",), kind="complaint.filed", dedupe_key=dedupe,
                        sms=sms_filed(mission=complaint.mission.name_id, number=complaint.number,
                                      url=sms_link(url_path("complaints:detail", complaint.number))),
                        mission_id=complaint.mission_id, data={"complaint": complaint.number})
            return
        if complaint.filer_email:
            notify_address(channel="email", address=complaint.filer_email, subject=subject, body=body,
                           kind="complaint.filed", dedupe_key=dedupe, mission_id=complaint.mission_id,
                           data={"complaint": complaint.number})
        if complaint.filer_phone:
            notify_address(channel="sms", address=complaint.filer_phone, subject=subject, body=body,
                           kind="complaint.filed", dedupe_key=dedupe, mission_id=complaint.mission_id,
                           sms=sms_filed(mission=complaint.mission.name_id, number=complaint.number),
                           data={"complaint": complaint.number})


def _to_staff(users: Iterable[Any], *, kind: str, subject: Any, body: Any, url: str, dedupe: str,
              mission_id: int, priority: int = Priority.HIGH, sms: Any = None) -> None:
    for user in users:
        with translation.override(user.language or "id"):
            notify_user(user=user, subject=str(subject()), body=str(body()), url=url, priority=priority,
                        channels=STAFF_CHANNELS if sms is not None else ("push", "email"), kind=kind,
                        dedupe_key=f"{dedupe}:{user.pk}", data={"kind": kind}, mission_id=mission_id,
                        sms=sms() if sms is not None else "")


def staff_filed(complaint: Complaint) -> None:
    """The mission's protection officers (or the assigned officer) hear of a new complaint."""
    users = [complaint.assigned_to] if complaint.assigned_to is not None else \
        level_staff(level=Level.OFFICER, mission_id=complaint.mission_id)
    _to_staff(users, kind="complaint.new", url=absolute_url("console:complaints-detail", complaint.number),
              subject=lambda: _("New complaint %(number)s: %(category)s") % {
                  "number": complaint.number, "category": complaint.get_category_display()},
              body=lambda: _("About %(name)s. Open the console to take it.") % {"name": complaint.subject_name},
              dedupe=f"complaint:{complaint.pk}:new", mission_id=complaint.mission_id)


def staff_assigned(complaint: Complaint, user: User) -> None:
    _to_staff([user], kind="complaint.assigned", url=absolute_url("console:complaints-detail", complaint.number),
              subject=lambda: _("Complaint %(number)s assigned to you") % {"number": complaint.number},
              body=lambda: _("About %(name)s (%(category)s).") % {
                  "name": complaint.subject_name, "category": complaint.get_category_display()},
              dedupe=f"complaint:{complaint.pk}:assigned:{complaint.updated_at.timestamp()}",
              mission_id=complaint.mission_id)


def sms_escalated(*, count: int, number: str, url: str) -> str:
    values = {"n": count, "number": number, "url": url}
    if count == 1:
        text = sms_render(_("Complaint %(number)s ran out of time and is escalated to you. %(url)s"), values)
    else:
        text = sms_render(_("%(n)s complaints ran out of time and are escalated to you. %(url)s"), values)
    return text or sms_fit(_("Complaints escalated to you. %(url)s") % values)[0]


def _level_recipients(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """User ids per (mission id, level) for many groups at once (escalation levels 1-3): the same rule as
    level_staff, read in two queries however many missions."""
    keys = list(keys)
    mission_ids = {m for m, level in keys if level in (Level.HEAD_OF_CONSULAR, Level.HEAD_OF_MISSION)}
    held: dict[tuple[int, str], list[int]] = {}
    for mission_id, role, user_id in Membership.objects.filter(
            mission_id__in=mission_ids, role__in=[Role.HEAD_OF_CONSULAR, Role.HEAD_OF_MISSION],
            user__is_active=True).order_by("user_id").values_list("mission_id", "role", "user_id"):
        held.setdefault((mission_id, role), []).append(user_id)
    hq = [u.pk for u in staff_to_notify(purpose=Purpose.HEADQUARTERS)] if any(
        level == Level.HEADQUARTERS for _m, level in keys) else []
    out: dict[tuple[int, int], list[int]] = {}
    for mission_id, level in keys:
        if level == Level.HEAD_OF_CONSULAR:
            out[(mission_id, level)] = held.get((mission_id, Role.HEAD_OF_CONSULAR)) or held.get(
                (mission_id, Role.HEAD_OF_MISSION), [])
        elif level == Level.HEAD_OF_MISSION:
            out[(mission_id, level)] = held.get((mission_id, Role.HEAD_OF_MISSION), [])
        else:
            out[(mission_id, level)] = hq
    return out


def escalated(*, groups: dict[tuple[int, int], list[str]], run: str) -> int:
    """Tell each level's people that these complaints reached them: for every (mission id, level) group, one
    message per person on every channel they have (a digest when several complaints climbed at once). All the
    messages of a run go in one outbox batch; returns how many were queued."""
    recipients = _level_recipients(groups)
    user_ids = sorted({u for users in recipients.values() for u in users})
    if not user_ids:
        return 0
    addresses = addresses_for_users(user_ids=user_ids, channels=STAFF_CHANNELS)
    languages = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "language"))
    missions = Mission.objects.in_bulk(list({m for m, _level in groups}))
    specs: list[MessageSpec] = []
    for (mission_id, level), numbers in groups.items():
        mission, single = missions[mission_id], len(numbers) == 1
        url = absolute_url("console:complaints-detail", numbers[0]) if single else absolute_url("console:complaints")
        path = url_path("console:complaints-detail", numbers[0]) if single else url_path("console:complaints")
        for user_id in recipients.get((mission_id, level), []):
            with translation.override(languages.get(user_id) or "id"):
                label = str(Level(level).label)
                if single:
                    subject = _("Complaint %(number)s escalated to %(level)s") % {"number": numbers[0],
                                                                                 "level": label}
                else:
                    subject = _("%(n)s complaints of %(mission)s escalated to %(level)s") % {
                        "n": len(numbers), "mission": mission.name(), "level": label}
                listed = ", ".join(numbers[:DIGEST_LIST]) + (
                    " " + _("and %(n)s more") % {"n": len(numbers) - DIGEST_LIST}
                    if len(numbers) > DIGEST_LIST else "")
                body = _("Their service-level time ran out: %(numbers)s. Open the console to act on them.") % {
                    "numbers": listed}
                sms = sms_escalated(count=len(numbers), number=numbers[0], url=sms_link(path))
            for channel, address in addresses.get(user_id, []):
                specs.append(MessageSpec(
                    channel=channel, address=address, subject=str(subject), body=str(body), url=url,
                    priority=Priority.HIGH, kind="complaint.escalated", user_id=user_id,
                    dedupe_key=f"complaint-esc:{run}:{mission_id}:{level}:{user_id}",
                    data={"level": level, "complaints": list(numbers[:DIGEST_LIST])},
                    sms=sms if channel == "sms" else "", mission_id=mission_id))
    return notify_bulk(messages=specs)


def filer_resolved(complaint: Complaint) -> None:
    """The filer hears the complaint is resolved (same addresses as at filing)."""
    user = complaint.filer_user if complaint.filed_by == FiledBy.SELF else None
    with translation.override(getattr(user, "language", "") or "id"):
        subject = _("Complaint %(number)s resolved") % {"number": complaint.number}
        body = _("%(mission)s has resolved complaint %(number)s. If the problem is not solved, contact the "
                 "mission and quote the number: it can be reopened.") % {
            "mission": complaint.mission.name(), "number": complaint.number}
        dedupe = f"complaint:{complaint.pk}:resolved:{complaint.updated_at.timestamp()}"
        if user is not None:
            notify_user(user=user, subject=subject, body=body, channels=("push", "email"), kind="complaint.resolved",
                        url=absolute_url("complaints:detail", complaint.number), dedupe_key=dedupe,
                        mission_id=complaint.mission_id)
        elif complaint.filer_email:
            notify_address(channel="email", address=complaint.filer_email, subject=subject, body=body,
                           kind="complaint.resolved", dedupe_key=dedupe, mission_id=complaint.mission_id)
