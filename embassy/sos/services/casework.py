"""What officers do with a case. Callers obtain the case through `selectors.case_get_for` (scoped and
audited); every function here re-checks that the actor acts for the case's mission."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, is_staff_for, may_take_duty
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.missions.models import Mission
from embassy.missions.selectors import scope_for
from embassy.sos import notices
from embassy.sos.models import Case, Category, DutyOfficer, Event, Outcome, Priority
from embassy.sos.services.common import clean_text, event_add


def _require(actor: User, case: Case) -> None:
    if not scope_for(actor).covers_personal(case.mission_id):
        audit_record(actor=actor, action="sos.act.denied", object_type="sos_case", object_id=case.pk,
                     citizen_id=case.citizen_id, mission_code=case.mission.code)
        raise PermissionDenied(_("This case belongs to another mission."))


def _lock(case: Case) -> Case:
    """Re-read the case inside the transaction (the write lock serialises writers on SQLite; PostgreSQL
    takes the row lock)."""
    return Case.objects.select_for_update(of=("self",)).select_related("mission", "user", "citizen").get(pk=case.pk)


def _open(case: Case) -> None:
    if not case.is_open:
        raise Conflict(_("This case is resolved. Reopen it first."))


def _audit(actor: User, case: Case, action: str, **detail: Any) -> None:
    audit_record(actor=actor, action=action, object_type="sos_case", object_id=case.pk,
                 citizen_id=case.citizen_id, mission_code=case.mission.code, detail=detail or None)


def _ack(case: Case, actor: User, now: Any) -> str:
    case.status = Case.Status.ACKNOWLEDGED
    case.acknowledged_at = now
    case.acknowledged_by = actor
    if case.assigned_to_id is None:
        case.assigned_to = actor
    case.updated_at = now
    case.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "assigned_to", "updated_at"])
    text = _("%(name)s of %(mission)s has seen your SOS.") % {
        "name": actor.get_full_name() or actor.get_username(), "mission": case.mission.name()}
    event_add(case, Event.Kind.ACKNOWLEDGED, actor=actor, public=True, at=now, text=text)
    return text


@transaction.atomic
def case_acknowledge(*, case: Case, actor: User) -> Case:
    """Idempotent: acknowledging an acknowledged case changes nothing."""
    case = _lock(case)
    _require(actor, case)
    _open(case)
    if case.status == Case.Status.NEW:
        text = _ack(case, actor, timezone.now())
        _audit(actor, case, "sos.acknowledge")
        notices.citizen_update(case, kind="acknowledged", text=text)
    return case


@transaction.atomic
def case_message_post(*, case: Case, actor: User, text: str) -> Event:
    """A message the citizen sees in the app (and gets as a push). Answering acknowledges a new case."""
    case = _lock(case)
    _require(actor, case)
    _open(case)
    text = clean_text(text)
    if not text:
        raise BadInput(_("Write a message."), field="text")
    now = timezone.now()
    if case.status == Case.Status.NEW:
        _ack(case, actor, now)
    event = event_add(case, Event.Kind.MESSAGE, actor=actor, public=True, text=text, at=now)
    _audit(actor, case, "sos.message")
    notices.citizen_update(case, kind="message", text=text)
    return event


@transaction.atomic
def case_note_add(*, case: Case, actor: User, text: str) -> Event:
    case = _lock(case)
    _require(actor, case)
    text = clean_text(text)
    if not text:
        raise BadInput(_("Write a note."), field="text")
    _audit(actor, case, "sos.note")
    return event_add(case, Event.Kind.NOTE, actor=actor, text=text)


@transaction.atomic
def case_call_log(*, case: Case, actor: User, note: str = "") -> Event:
    case = _lock(case)
    _require(actor, case)
    _audit(actor, case, "sos.call")
    return event_add(case, Event.Kind.CALLED, actor=actor, text=clean_text(note))


@transaction.atomic
def case_assign(*, case: Case, actor: User, assignee_id: int) -> Case:
    """Assign to an officer who may read the mission's personal data (or a headquarters analyst)."""
    case = _lock(case)
    _require(actor, case)
    _open(case)
    assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True, kind="staff").first()
    if assignee is None:
        raise NotFound(_("No such officer."), field="assignee_id")
    if not is_staff_for(user=assignee, purpose=Purpose.CASEWORK, mission_id=case.mission_id):
        raise BadInput(_("This officer does not work for the case's mission."), field="assignee_id")
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to"])
    event_add(case, Event.Kind.ASSIGNED, actor=actor, data={"to": assignee.pk},
              text=assignee.get_full_name() or assignee.get_username())
    _audit(actor, case, "sos.assign", to=assignee.pk)
    if assignee.pk != actor.pk:
        notices.staff_new_case(case, users=[assignee])
    return case


@transaction.atomic
def case_update(*, case: Case, actor: User, category: str | None = None, priority: int | None = None) -> Case:
    case = _lock(case)
    _require(actor, case)
    changed: dict[str, Any] = {}
    if category is not None:
        if category not in Category.values:
            raise BadInput(_("Unknown category."), field="category")
        if category != case.category:
            case.category = changed["category"] = category
    if priority is not None:
        if priority not in Priority.values:
            raise BadInput(_("Priority must be 1 (critical) to 4 (low)."), field="priority")
        if priority != case.priority:
            case.priority = changed["priority"] = priority
    if changed:
        case.save(update_fields=["category", "priority"])
        labels = []
        if "category" in changed:
            labels.append(str(Category(case.category).label))
        if "priority" in changed:
            labels.append(str(Priority(case.priority).label))
        event_add(case, Event.Kind.UPDATED, actor=actor, data=changed, text=" · ".join(labels))
        _audit(actor, case, "sos.update", **changed)
    return case


@transaction.atomic
def case_handover(*, case: Case, actor: User, mission_code: str, reason: str = "") -> Case:
    """Give the case to another mission (e.g. the citizen crossed a border). The new mission must
    acknowledge it again; the old one loses access."""
    case = _lock(case)
    _require(actor, case)
    _open(case)
    target = Mission.objects.filter(code=mission_code, active=True).first()
    if target is None:
        raise NotFound(_("No such mission."), field="mission_code")
    if target.pk == case.mission_id:
        raise BadInput(_("The case is already with this mission."), field="mission_code")
    previous = case.mission
    now = timezone.now()
    case.mission = target
    case.status = Case.Status.NEW
    case.waiting_since = now
    case.escalation_level = 0
    case.escalated_at = None
    case.assigned_to = None
    case.updated_at = now
    case.save(update_fields=["mission", "status", "waiting_since", "escalation_level", "escalated_at",
                             "assigned_to", "updated_at"])
    event_add(case, Event.Kind.HANDED_OVER, actor=actor, public=True, at=now,
              text=_("Handed over from %(old)s to %(new)s.") % {"old": previous.name(), "new": target.name()},
              data={"from": previous.code, "to": target.code, "reason": clean_text(reason, 500)})
    audit_record(actor=actor, action="sos.handover", object_type="sos_case", object_id=case.pk,
                 citizen_id=case.citizen_id, mission_code=previous.code, detail={"to": target.code})
    notices.staff_new_case(case)
    notices.citizen_update(case, kind="handed_over", text=clean_text(reason, 500))
    return case


@transaction.atomic
def case_resolve(*, case: Case, actor: User, outcome: str, note: str = "") -> Case:
    case = _lock(case)
    _require(actor, case)
    _open(case)
    if outcome not in Outcome.values or outcome == Outcome.CANCELLED:  # only the citizen cancels
        raise BadInput(_("Choose an outcome."), field="outcome")
    now = timezone.now()
    if case.status == Case.Status.NEW:
        _ack(case, actor, now)
    case.status = Case.Status.RESOLVED
    case.outcome = outcome
    case.resolved_at = now
    case.updated_at = now
    case.save(update_fields=["status", "outcome", "resolved_at", "updated_at"])
    note = clean_text(note)
    event_add(case, Event.Kind.RESOLVED, actor=actor, public=True, at=now, data={"outcome": outcome},
              text=note or str(Outcome(outcome).label))
    _audit(actor, case, "sos.resolve", outcome=outcome)
    notices.citizen_update(case, kind="resolved", text=note or str(Outcome(outcome).label))
    return case


@transaction.atomic
def case_reopen(*, case: Case, actor: User, reason: str = "") -> Case:
    case = _lock(case)
    _require(actor, case)
    if case.is_open:
        return case
    if Case.objects.filter(citizen_id=case.citizen_id, status__in=Case.OPEN).exists():
        raise Conflict(_("The citizen already has another open case."))
    now = timezone.now()
    case.status = Case.Status.ACKNOWLEDGED
    case.resolved_at = None
    case.outcome = ""
    case.unread_at = None
    case.updated_at = now
    case.save(update_fields=["status", "resolved_at", "outcome", "unread_at", "updated_at"])
    event_add(case, Event.Kind.REOPENED, actor=actor, text=clean_text(reason, 500), at=now)
    _audit(actor, case, "sos.reopen")
    return case


@transaction.atomic
def duty_set(*, actor: User, mission: Mission, on_duty: bool) -> bool:
    """Sign on or off as the mission's duty officer. Only protection staff of that mission may."""
    if not may_take_duty(user=actor, mission_id=mission.pk):
        raise PermissionDenied(_("Only the mission's protection staff can take duty."))
    if on_duty:
        DutyOfficer.objects.get_or_create(mission=mission, user=actor, defaults={"since": timezone.now()})
    else:
        DutyOfficer.objects.filter(mission=mission, user=actor).delete()
    audit_record(actor=actor, action="sos.duty.on" if on_duty else "sos.duty.off", object_type="mission",
                 object_id=mission.pk, mission_code=mission.code)
    return on_duty
