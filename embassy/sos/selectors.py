"""Reads of SOS cases — the one scoping layer for cases. Staff reads are audited here; citizens see only
their own cases and only the public part of the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import Max, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import NotFound, PermissionDenied
from embassy.common.inputs import INT64_MAX
from embassy.missions.selectors import Scope, scope_for
from embassy.sos.models import Case, Event

OPEN = "open"
FILTERS = ("open", "new", "resolved", "all")


def _scope(user: User, *, audit: bool = True) -> Scope:
    scope = scope_for(user)
    if not scope.personal_data:
        if audit and scope.is_staff:  # a refused staff read is audited (a citizen or visitor is no staff read)
            audit_record(actor=user, action="sos.list.denied", object_type="sos_case")
        raise PermissionDenied(_("You may not read SOS cases."))
    return scope


def _scoped(scope: Scope, mission_id: int | None, *, user: User | None = None, audit: bool = True) -> QuerySet[Case]:
    qs = Case.objects.all()
    if mission_id is not None:
        if not scope.covers_personal(mission_id):
            if audit:
                audit_record(actor=user, action="sos.list.denied", object_type="sos_case",
                             detail={"mission_id": mission_id})
            raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
        return qs.filter(mission_id=mission_id)
    if scope.personal_all:
        return qs
    return qs.filter(mission_id__in=scope.personal_ids)


def case_list_for(*, user: User, mission_id: int | None = None, status: str = OPEN, q: str = "",
                  audit: bool = True) -> QuerySet[Case]:
    """Cases the user may handle, newest waiting first. `status`: open | new | resolved | all."""
    scope = _scope(user, audit=audit)
    qs = _scoped(scope, mission_id, user=user, audit=audit).select_related("citizen", "mission", "assigned_to", "country")
    if status == "open":
        # Open cases, and closed ones with something from the citizen no officer has opened yet (a cancellation)
        qs = qs.filter(Q(status__in=Case.OPEN) | Q(unread_at__isnull=False))
    elif status == "new":
        qs = qs.filter(status=Case.Status.NEW)
    elif status == "resolved":
        qs = qs.filter(status=Case.Status.RESOLVED)
    q = (q or "").strip()
    if q:
        ref = q.upper().removeprefix("SOS-").lstrip("0")
        by_ref = ref.isdigit() and int(ref) <= INT64_MAX
        qs = qs.filter(Q(citizen__full_name__icontains=q) | (Q(pk=int(ref)) if by_ref else Q(pk=None)))
    if audit:
        audit_record(actor=user, action="sos.list", object_type="sos_case",
                     detail={"mission_id": mission_id, "status": status, "q": bool(q)})
    # New cases first (oldest waiting on top), then what the citizen sent since an officer last looked, then
    # the rest by priority and age.
    if status == "resolved":
        return qs.order_by("-resolved_at", "-id")
    rank = DbCase(When(status=Case.Status.NEW, then=Value(0)), When(unread_at__isnull=False, then=Value(1)),
                  When(status=Case.Status.ACKNOWLEDGED, then=Value(2)), default=Value(3))
    return qs.order_by(rank, "priority", "waiting_since", "id")


def case_cursor_for(*, user: User, mission_id: int | None = None) -> str:
    """A value that changes whenever any case in the user's view changes (the console's live poll).
    Carries no personal data, so it is not audited."""
    scope = _scope(user, audit=False)
    row = _scoped(scope, mission_id, audit=False).aggregate(last=Max("updated_at"), top=Max("id"))
    last: dt.datetime | None = row["last"]
    return f"{row['top'] or 0}-{int(last.timestamp() * 1000) if last else 0}"


def case_get_for(*, user: User, case_id: int, audit: bool = True) -> Case:
    """One case with its citizen, if the user's scope covers the case's mission. Both the read and a
    refusal are audited. Someone who is not staff (a citizen, a visitor) gets NotFound whether or not the case
    exists: the answer must not tell that another person's case is there."""
    if not scope_for(user).is_staff:
        raise NotFound(_("No such case."), field="case_id")
    case = Case.objects.select_related("citizen", "mission", "user", "stay", "country", "assigned_to",
                                       "acknowledged_by").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."), field="case_id")
    scope = scope_for(user)
    if not scope.covers_personal(case.mission_id):
        audit_record(actor=user, action="sos.view.denied", object_type="sos_case", object_id=case_id,
                     citizen_id=case.citizen_id, mission_code=case.mission.code)
        raise PermissionDenied(_("This case belongs to another mission."))
    if audit:
        audit_record(actor=user, action="sos.view", object_type="sos_case", object_id=case_id,
                     citizen_id=case.citizen_id, mission_code=case.mission.code)
    return case


def timeline(case: Case, *, public_only: bool = False, after_id: int = 0) -> QuerySet[Event]:
    qs = case.events.select_related("actor").filter(id__gt=after_id)
    return qs.filter(public=True) if public_only else qs


def past_cases(case: Case) -> QuerySet[Case]:
    return Case.objects.filter(citizen_id=case.citizen_id).exclude(pk=case.pk).select_related("mission")


def own_cases(*, user: User) -> QuerySet[Case]:
    return Case.objects.filter(user=user).select_related("mission").order_by("-raised_at", "-id")


def own_case(*, user: User, case_id: int) -> Case:
    case = Case.objects.select_related("mission", "citizen", "stay").filter(pk=case_id, user=user).first()
    if case is None:
        raise NotFound(_("No such case."), field="case_id")
    return case


def own_open_case(*, user: User) -> Case | None:
    return Case.objects.select_related("mission").filter(user=user, status__in=Case.OPEN).order_by("-id").first()


@dataclass(frozen=True)
class Sla:
    colour: str  # green | amber | red | grey
    label: str


def escalate_after() -> dt.timedelta:
    return dt.timedelta(seconds=float(settings.SOS_ESCALATE_AFTER_SECONDS))


def sla(case: Case, now: dt.datetime | None = None) -> Sla:
    """Service level by age. Waiting for acknowledgement: green under SOS_ACKNOWLEDGE_TARGET_SECONDS, amber
    until the escalation time, then red. Acknowledged and open: green for a day, amber up to three, then red."""
    now = now or timezone.now()
    if case.status == Case.Status.RESOLVED:
        return Sla("grey", str(_("Resolved")))
    if case.status == Case.Status.NEW:
        age = now - case.waiting_since
        colour = "green" if age < dt.timedelta(seconds=settings.SOS_ACKNOWLEDGE_TARGET_SECONDS) \
            else "amber" if age < escalate_after() else "red"
        return Sla(colour, str(_("Waiting for acknowledgement")))
    age = now - case.raised_at
    colour = "green" if age < dt.timedelta(days=1) else "amber" if age < dt.timedelta(days=3) else "red"
    return Sla(colour, str(_("In progress")))
