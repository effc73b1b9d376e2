"""Reads of shelters and their residents — the one scoping layer of this app.

Who reads: the mission's consular and protection officers, heads of consular affairs and heads of mission
(their missions' shelters); headquarters' protection analysts and administrators (all). That is exactly
`Scope.covers_personal`. A shelter or residence of another mission is a 404, as if it did not exist; every
staff read of residents' personal data is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.citizens.selectors import citizen_list_for
from embassy.common.errors import NotFound, PermissionDenied
from embassy.missions.models import Mission
from embassy.missions.selectors import Scope, scope_for
from embassy.shelters.days import local_date, mission_today, stay_days
from embassy.shelters.models import STEP_ORDER, Residence, Shelter, Step


def _scope(user: User) -> Scope:
    scope = scope_for(user)
    if not scope.personal_data:
        if scope.is_staff:
            audit_record(actor=user, action="shelter.list.denied", object_type="shelter")
        raise PermissionDenied(_("Shelters are for the mission's consular and protection staff."))
    return scope


def _in_scope(scope: Scope, qs: QuerySet[Shelter]) -> QuerySet[Shelter]:
    return qs if scope.personal_all else qs.filter(mission_id__in=scope.personal_ids)


def shelters_for(*, user: User) -> QuerySet[Shelter]:
    """The shelters of the user's missions (headquarters: all), with the number of residents present."""
    scope = _scope(user)
    return (
        _in_scope(scope, Shelter.objects.filter(active=True))
        .select_related("mission")
        .annotate(present=Count("residences", filter=Q(residences__checked_out_at__isnull=True)))
        .order_by("mission__code", "name")
    )


def shelter_get_for(*, user: User, shelter_id: int) -> Shelter:
    scope = _scope(user)
    shelter = _in_scope(scope, Shelter.objects.select_related("mission")).filter(pk=shelter_id).first()
    if shelter is None:
        raise NotFound(_("No such shelter."), field="shelter_id")
    return shelter


def may_write(*, user: User, mission_id: int) -> bool:
    """Headquarters reads; the mission's own staff check people in and out."""
    return mission_id in scope_for(user).personal_ids


def writable_missions(*, user: User) -> QuerySet[Mission]:
    return Mission.objects.filter(pk__in=scope_for(user).personal_ids, active=True).exclude(kind=Mission.Kind.HQ)


# --- Residents --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentRow:
    residence: Residence
    days: int  # length of stay so far, or of the whole stay
    next_step: str | None  # the pipeline's next step (None: handed over, or not in the pipeline)

    @property
    def next_step_label(self) -> str:
        return str(Step(self.next_step).label) if self.next_step else ""


def _audit_list(user: User, shelter: Shelter, action: str, count: int) -> None:
    audit_record(actor=user, action=action, object_type="shelter", object_id=shelter.pk,
                 mission_code=shelter.mission.code, detail={"rows": count})


def _row(residence: Residence, today: dt.date) -> ResidentRow:
    tz = residence.shelter.mission.timezone
    days = stay_days(local_date(residence.checked_in_at, tz),
                     local_date(residence.checked_out_at, tz) if residence.checked_out_at else None, today)
    following: str | None = None
    if residence.repatriation:
        index = STEP_ORDER.index(residence.repatriation_step) + 1 if residence.repatriation_step else 0
        following = STEP_ORDER[index] if index < len(STEP_ORDER) else None
    return ResidentRow(residence, days, following)


def residents_of(*, user: User, shelter: Shelter, present: bool = True, limit: int = 500,
                 now: dt.datetime | None = None) -> list[ResidentRow]:
    """The residents present (or, present=False, the last `limit` who left), with their length of stay. The
    caller has the shelter from `shelter_get_for`; the read is audited."""
    shelter_get_for(user=user, shelter_id=shelter.pk)  # scope again: a caller's mistake must not leak
    qs = (Residence.objects.filter(shelter=shelter, checked_out_at__isnull=present)
          .select_related("shelter__mission", "citizen", "complaint", "sos_case"))
    qs = qs.order_by("checked_in_at", "id") if present else qs.order_by("-checked_out_at", "-id")
    today = mission_today(shelter.mission, now)
    rows = [_row(r, today) for r in qs[:limit]]
    _audit_list(user, shelter, "shelter.residents" if present else "shelter.residents.past", len(rows))
    return rows


def residence_get_for(*, user: User, residence_id: int, now: dt.datetime | None = None) -> ResidentRow:
    """One residence with its steps; another mission's is a 404. Audited."""
    scope = _scope(user)
    qs = Residence.objects.select_related("shelter__mission", "citizen", "complaint", "sos_case", "checked_in_by",
                                          "checked_out_by").prefetch_related("steps__done_by")
    if not scope.personal_all:
        qs = qs.filter(shelter__mission_id__in=scope.personal_ids)
    residence = qs.filter(pk=residence_id).first()
    if residence is None:
        raise NotFound(_("No such resident."), field="residence_id")
    audit_record(actor=user, action="shelter.residence.view", object_type="residence", object_id=residence.pk,
                 citizen_id=residence.citizen_id, mission_code=residence.shelter.mission.code)
    return _row(residence, mission_today(residence.shelter.mission, now))


def residences_for_citizen(*, user: User, citizen_id: int) -> QuerySet[Residence]:
    """A citizen's shelter stays that the user may see (their missions' shelters; headquarters: all), newest
    first — for the person's timeline. The read is audited; no scope gives no rows rather than an error."""
    scope = scope_for(user)
    qs = Residence.objects.filter(citizen_id=citizen_id).select_related("shelter__mission").prefetch_related("steps")
    if not scope.personal_all:
        qs = qs.filter(shelter__mission_id__in=scope.personal_ids)
    if scope.is_staff:
        audit_record(actor=user, action="shelter.residences.citizen", object_type="citizen", object_id=citizen_id,
                     citizen_id=citizen_id)
    return qs.order_by("-checked_in_at", "-id")


def registry_search(*, user: User, shelter: Shelter, q: str, limit: int = 20) -> list[Citizen]:
    """People of the shelter's mission's registry for the check-in form: by name, or exactly by NIK or passport
    number (the citizens selector scopes and audits). Nothing for fewer than 3 characters."""
    q = (q or "").strip()
    if len(q) < 3:
        return []
    return list(citizen_list_for(user=user, mission_id=shelter.mission_id, q=q)[:limit])


def registry_person(*, user: User, shelter: Shelter, citizen_id: int) -> Citizen | None:
    """One person of the mission's registry, chosen on the check-in form (scoped and audited)."""
    return citizen_list_for(user=user, mission_id=shelter.mission_id).filter(pk=citizen_id).first()


# --- The repatriation board -------------------------------------------------------------------------------


# Days at one step after which the board shows a person in red (a reading aid, not a rule).
LONG_WAIT_DAYS = 14


@dataclass(frozen=True)
class BoardRow:
    residence: Residence
    next_step: str
    next_step_label: str
    stuck_days: int  # days since the last step (or since the pipeline started)

    @property
    def long_wait(self) -> bool:
        return self.stuck_days >= LONG_WAIT_DAYS


def repatriation_board(*, user: User, shelter: Shelter | None = None, limit: int = 500,
                       now: dt.datetime | None = None) -> list[BoardRow]:
    """Who waits at which step and for how long, the longest stuck first: everyone in the pipeline not yet
    handed over (including those who left the shelter on departure), in the user's missions' shelters or one
    shelter's. One indexed query; audited."""
    scope = _scope(user)
    qs = (Residence.objects.filter(repatriation=True).exclude(repatriation_step=Step.ARRIVAL)
          .select_related("shelter__mission", "citizen"))
    if shelter is not None:
        shelter_get_for(user=user, shelter_id=shelter.pk)
        qs = qs.filter(shelter=shelter)
    elif not scope.personal_all:
        qs = qs.filter(shelter__mission_id__in=scope.personal_ids)
    rows = []
    for r in qs.order_by("repatriation_waiting_since", "checked_in_at", "id")[:limit]:
        index = STEP_ORDER.index(r.repatriation_step) + 1 if r.repatriation_step else 0
        step = STEP_ORDER[index]
        since = r.repatriation_waiting_since or local_date(r.checked_in_at, r.shelter.mission.timezone)
        today = mission_today(r.shelter.mission, now)
        rows.append(BoardRow(r, step, str(Step(step).label), max(0, (today - since).days)))
    audit_record(actor=user, action="shelter.board", object_type="shelter", object_id=shelter.pk if shelter else "",
                 mission_code=shelter.mission.code if shelter else "", detail={"rows": len(rows)})
    return rows


def present_count(shelter: Shelter, now: dt.datetime | None = None) -> int:
    return Residence.objects.filter(shelter=shelter, checked_out_at__isnull=True,
                                    checked_in_at__lte=now or timezone.now()).count()
