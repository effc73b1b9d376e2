"""Reads of complaints, scoped in one place: an officer reads the complaints of the missions where they may read
personal data (scope_for: headquarters' analysts and administrators all); another mission's complaint is a 404,
and the refusal is audited like the read. A citizen reads their own: those they filed and those about them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, staff_queryset
from embassy.applications.models import Application
from embassy.citizens.models import Stay
from embassy.common.errors import NotFound, PermissionDenied
from embassy.complaints.models import Category, Complaint, ComplaintEvent, Level
from embassy.missions.models import Mission
from embassy.missions.selectors import scope_for
from embassy.sos.models import Case

RAGS = ("red", "amber", "green")
STATUS_FILTERS = ("active", *Complaint.Status.values, "all")


def complaints_scoped(*, user: User) -> QuerySet[Complaint]:
    """Every complaint `user` may read (none for citizens and staff without a verified second factor)."""
    scope = scope_for(user)
    qs = Complaint.objects.select_related("mission", "citizen", "assigned_to")
    if scope.personal_all:
        return qs
    return qs.filter(mission_id__in=scope.personal_ids)


def complaints_for_citizen(*, user: User, citizen_id: int) -> QuerySet[Complaint]:
    """One citizen's complaints among those `user` may read, newest first. The caller audits the read."""
    return complaints_scoped(user=user).filter(citizen_id=citizen_id).order_by("-filed_at", "-id")


def rag_q(rag: str, now: dt.datetime) -> Q:
    """The rows of one colour among active complaints (sla.rag says the same for one complaint)."""
    active = Q(status__in=Complaint.ACTIVE)
    red = Q(level__gt=Level.OFFICER) | Q(due_at__lte=now)
    if rag == "red":
        return active & red
    if rag == "amber":
        return active & ~red & Q(amber_at__lte=now, waiting_since__isnull=True)
    return active & ~red & ~Q(amber_at__lte=now, waiting_since__isnull=True)


def console_missions(*, user: User) -> QuerySet[Mission]:
    """The missions whose complaints `user` reads (headquarters: all)."""
    scope = scope_for(user)
    if not scope.personal_data:
        raise PermissionDenied(_("Complaints are read by the mission's consular and protection staff and by "
                                 "headquarters."))
    missions = Mission.objects.filter(active=True).exclude(kind=Mission.Kind.HQ)
    return missions if scope.personal_all else missions.filter(pk__in=scope.personal_ids)


def complaint_list_for(*, user: User, status: str = "active", category: str = "", rag: str = "",
                       mission_code: str = "", now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """The console list, reddest and oldest deadline first. The read is audited once per call."""
    now = now or timezone.now()
    missions = console_missions(user=user)
    qs = complaints_scoped(user=user)
    if mission_code:
        mission = missions.filter(code=mission_code).first()
        if mission is None:
            raise NotFound(_("No such mission among yours."), field="mission")
        qs = qs.filter(mission=mission)
    if status == "active":
        qs = qs.filter(status__in=Complaint.ACTIVE)
    elif status in Complaint.Status.values:
        qs = qs.filter(status=status)
    if category in Category.values:
        qs = qs.filter(category=category)
    if rag in RAGS:
        qs = qs.filter(rag_q(rag, now))
    audit_record(actor=user, action="complaint.list", object_type="complaint", mission_code=mission_code,
                 detail={"status": status, "category": category, "rag": rag})
    return qs.order_by("-level", "due_at", "-filed_at", "-id")


def rag_counts(*, user: User, mission_code: str = "", now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    qs = complaints_scoped(user=user)
    if mission_code:
        qs = qs.filter(mission__code=mission_code)
    return {rag: qs.filter(rag_q(rag, now)).count() for rag in RAGS}


def complaint_get_for(*, user: User, number: str) -> Complaint:
    """One complaint with its history, if `user` may read it; the read and a refusal are audited."""
    complaint = complaints_scoped(user=user).filter(number=number).first()
    if complaint is None:
        audit_record(actor=user, action="complaint.view.denied", object_type="complaint", object_id=number[:40])
        raise NotFound(_("No such complaint."), field="number")
    audit_record(actor=user, action="complaint.view", object_type="complaint", object_id=complaint.number,
                 citizen_id=complaint.citizen_id, mission_code=complaint.mission.code)
    return complaint


def events_of(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("actor").order_by("at", "id")


@dataclass(frozen=True)
class Links:
    sos_cases: list[Case]
    applications: list[Application]
    stays: list[Stay]
    # The same person's records not linked yet (the officer may link them).
    more_sos: list[Case]
    more_applications: list[Application]
    more_stays: list[Stay]


def links_of(complaint: Complaint) -> Links:
    sos = list(complaint.sos_cases.select_related("mission").order_by("-id"))
    apps = list(complaint.applications.select_related("mission", "service").order_by("-id"))
    stays = list(complaint.stays.select_related("mission", "country").order_by("-id"))
    if complaint.citizen_id is None:
        return Links(sos, apps, stays, [], [], [])
    cid = complaint.citizen_id
    return Links(
        sos, apps, stays,
        list(Case.objects.filter(citizen_id=cid).exclude(pk__in=[c.pk for c in sos]).order_by("-id")[:20]),
        list(Application.objects.filter(citizen_id=cid).exclude(pk__in=[a.pk for a in apps])
             .select_related("service").order_by("-id")[:20]),
        list(Stay.objects.filter(citizen_id=cid).exclude(pk__in=[s.pk for s in stays])
             .select_related("country", "mission").order_by("-id")[:20]),
    )


def assignable(*, mission_id: int) -> QuerySet[Any]:
    """The officers a complaint of the mission may be given to (its personal-data roles and headquarters')."""
    return staff_queryset(purpose=Purpose.CASEWORK, missions=[mission_id]).order_by("username")


# --- The citizen's own -----------------------------------------------------------------------------------------


def own_complaints(*, user: User) -> QuerySet[Complaint]:
    """What the signed-in citizen filed, and what others filed about them, newest first."""
    if getattr(user, "kind", "") != "citizen":
        raise PermissionDenied(_("Sign in as a citizen first."))
    mine = Q(filer_user=user)
    citizen = getattr(user, "citizen", None)
    if citizen is not None:
        mine |= Q(citizen=citizen)
    return Complaint.objects.filter(mine).select_related("mission").order_by("-filed_at", "-id")


def own_complaint(*, user: User, number: str) -> Complaint:
    found = own_complaints(user=user).filter(number=number).first()
    if found is None:
        raise NotFound(_("No such complaint."), field="number")
    return found


def public_events(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    """What the citizen sees of the history: the steps, not the officers' notes."""
    return complaint.events.exclude(kind__in=[ComplaintEvent.Kind.NOTE, ComplaintEvent.Kind.LINKED,
                                              ComplaintEvent.Kind.ASSIGNED]).order_by("at", "id")


def public_missions() -> QuerySet[Mission]:
    return Mission.objects.filter(active=True).exclude(kind=Mission.Kind.HQ).select_related("country").order_by(
        "country__name_en", "city")
