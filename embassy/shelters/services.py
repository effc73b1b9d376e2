"""Writes: shelters, check-in and check-out of residents, the steps of their repatriation.

Every service needs a verified staff actor who holds a mission role that reads personal data (consular or
protection officer, head of consular affairs, head of mission) at the shelter's mission; headquarters reads
but does not write here. Every write is audited, and told to the linked complaint's history when the
complaints app offers a way to (see `_complaint_note`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Stay
from embassy.common.errors import BadInput, PermissionDenied
from embassy.complaints.models import Complaint
from embassy.missions.selectors import scope_for
from embassy.shelters import history
from embassy.shelters.days import mission_today
from embassy.shelters.models import (
    HANDOVER_AGENCY_DEFAULT,
    STEP_ORDER,
    RepatriationStep,
    Residence,
    Shelter,
    Step,
)
from embassy.sos.models import Case

MAX_BEDS = 10_000
CLOCK_SKEW = dt.timedelta(minutes=5)  # a time "now" from a device a little ahead is not "in the future"


def _require_writer(actor: User, mission_id: int) -> None:
    if not getattr(actor, "is_verified", lambda: False)():  # set by django-otp or the token auth
        raise PermissionDenied(_("Sign in with your second factor first."))
    if mission_id not in scope_for(actor).personal_ids:
        raise PermissionDenied(_("Only the mission's consular and protection staff manage its shelters."))


def _not_future(at: dt.datetime, now: dt.datetime, field: str) -> None:
    if timezone.is_naive(at):
        raise BadInput(_("Give the time with its time zone."), field=field)
    if at > now + CLOCK_SKEW:
        raise BadInput(_("This time is in the future."), field=field)


# --- Shelters ---------------------------------------------------------------------------------------------


def _shelter_fields(name: str, beds: int, kind: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadInput(_("Give the shelter a name (at most 200 characters)."), field="name")
    if not 1 <= beds <= MAX_BEDS:
        raise BadInput(_("The number of beds must be between 1 and %(max)s.") % {"max": MAX_BEDS}, field="beds")
    if kind not in Shelter.Kind.values:
        raise BadInput(_("Choose for whom the shelter is."), field="kind")
    return name


@transaction.atomic
def shelter_create(*, actor: User, mission_id: int, name: str, beds: int, kind: str = Shelter.Kind.MIXED,
                   address: str = "") -> Shelter:
    _require_writer(actor, mission_id)
    name = _shelter_fields(name, beds, kind)
    if Shelter.objects.filter(mission_id=mission_id, name__iexact=name).exists():
        raise BadInput(_("The mission already has a shelter with this name."), field="name")
    shelter = Shelter.objects.create(mission_id=mission_id, name=name, beds=beds, kind=kind,
                                     address=(address or "").strip()[:300])
    audit_record(actor=actor, action="shelter.create", object_type="shelter", object_id=shelter.pk,
                 mission_code=shelter.mission.code, detail={"beds": beds})
    return shelter


@transaction.atomic
def shelter_update(*, actor: User, shelter: Shelter, beds: int, name: str | None = None,
                   kind: str | None = None) -> Shelter:
    """Change the number of beds (and name or kind). Fewer beds than residents present is allowed: the
    shelter then shows as over capacity."""
    _require_writer(actor, shelter.mission_id)
    shelter.name = _shelter_fields(name if name is not None else shelter.name, beds, kind or shelter.kind)
    shelter.beds, shelter.kind = beds, kind or shelter.kind
    shelter.save(update_fields=["name", "beds", "kind"])
    audit_record(actor=actor, action="shelter.update", object_type="shelter", object_id=shelter.pk,
                 mission_code=shelter.mission.code, detail={"beds": beds})
    return shelter


# --- Check-in ---------------------------------------------------------------------------------------------


def _person(*, shelter: Shelter, citizen_id: int | None, complaint_id: int | None, complaint_number: str,
            sos_case_id: int | None) -> tuple[Citizen | None, Complaint | None, Case | None]:
    """The registry's person and the linked cases, all of the shelter's mission and of the same person. The
    person comes from the registry by id, or from a linked case — never from a name. A complaint is given by its
    id or by the number the person quotes."""
    mission_id = shelter.mission_id
    citizen: Citizen | None = None
    if citizen_id is not None:
        citizen = Citizen.objects.filter(pk=citizen_id).first()
        if citizen is None or not Stay.objects.filter(citizen=citizen, mission_id=mission_id).exists():
            raise BadInput(_("No such person in the mission's registry."), field="citizen_id")
    complaint: Complaint | None = None
    number = (complaint_number or "").strip()
    if complaint_id is not None or number:
        found = Complaint.objects.filter(mission_id=mission_id)
        found = found.filter(pk=complaint_id) if complaint_id is not None else found.filter(number__iexact=number)
        complaint = found.first()
        if complaint is None:
            raise BadInput(_("No such complaint at this mission."),
                           field="complaint_id" if complaint_id is not None else "complaint_number")
    case: Case | None = None
    if sos_case_id is not None:
        case = Case.objects.filter(pk=sos_case_id, mission_id=mission_id).select_related("citizen").first()
        if case is None:
            raise BadInput(_("No such SOS case at this mission."), field="sos_case_id")
    for linked, field in ((complaint, "complaint_id"), (case, "sos_case_id")):
        linked_citizen = getattr(linked, "citizen_id", None)
        if linked_citizen is None:
            continue
        if citizen is None:
            citizen = Citizen.objects.get(pk=linked_citizen)
        elif citizen.pk != linked_citizen:
            raise BadInput(_("This case is about another person."), field=field)
    return citizen, complaint, case


def occupied_at(shelter_id: int, at: dt.datetime, *, exclude_id: int | None = None) -> int:
    qs = Residence.objects.filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=at),
                                  shelter_id=shelter_id, checked_in_at__lte=at)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.count()


@transaction.atomic
def residence_check_in(
    *,
    actor: User,
    shelter: Shelter,
    citizen_id: int | None = None,
    person_name: str = "",
    complaint_id: int | None = None,
    complaint_number: str = "",
    sos_case_id: int | None = None,
    at: dt.datetime | None = None,
    overflow: bool = False,
    repatriation: bool = False,
    handover_agency: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Residence:
    """Check a person in. The person is a registered citizen of the mission (`citizen_id`), or the person of a
    linked complaint or SOS case, or someone not registered, named by `person_name`. Refused (BadInput with the
    field) when: the person is unknown to the mission's registry, a linked case belongs to another mission or
    person, the person is already in a shelter, the time is in the future, or every bed is taken and the
    officer did not confirm the overflow."""
    _require_writer(actor, shelter.mission_id)
    now = now or timezone.now()
    at = at or now
    _not_future(at, now, "checked_in_at")
    # One check-in at a time per shelter, so that two officers cannot both take the last bed.
    shelter = Shelter.objects.select_for_update(of=("self",)).select_related("mission").get(pk=shelter.pk)
    if not shelter.active:
        raise BadInput(_("This shelter is closed."), field="shelter")
    citizen, complaint, case = _person(shelter=shelter, citizen_id=citizen_id, complaint_id=complaint_id,
                                       complaint_number=complaint_number, sos_case_id=sos_case_id)
    name = (person_name or "").strip() or (citizen.full_name if citizen else "")
    if not name:
        raise BadInput(_("Choose the person from the registry or give their name."), field="person_name")
    if len(name) > 200:
        raise BadInput(_("The name is too long (at most 200 characters)."), field="person_name")
    if citizen is not None:
        current = Residence.objects.filter(citizen=citizen, checked_out_at__isnull=True).select_related("shelter")
        if (other := current.first()) is not None:
            raise BadInput(_("This person is already checked in at %(shelter)s.") % {"shelter": other.shelter.name},
                           field="citizen_id")
    taken = occupied_at(shelter.pk, at)
    if taken >= shelter.beds and not overflow:
        raise BadInput(_("All %(beds)s beds are taken. Confirm the overflow to check in anyway.")
                       % {"beds": shelter.beds}, field="overflow")
    agency = (handover_agency or "").strip()[:100] or HANDOVER_AGENCY_DEFAULT
    residence = Residence.objects.create(
        shelter=shelter, citizen=citizen, person_name=name, checked_in_at=at, complaint=complaint, sos_case=case,
        checked_in_by=actor, overflow=taken >= shelter.beds, note=(note or "").strip()[:2000],
        handover_agency=agency,
    )
    audit_record(actor=actor, action="shelter.check_in", object_type="residence", object_id=residence.pk,
                 citizen_id=residence.citizen_id, mission_code=shelter.mission.code,
                 detail={"shelter": shelter.pk, "overflow": residence.overflow})
    history.tell(residence, actor=actor, note=_("Checked in at %(shelter)s.") % {"shelter": shelter.name})
    if repatriation:
        repatriation_start(actor=actor, residence=residence, agency=agency, now=now)
    return residence


# --- Check-out --------------------------------------------------------------------------------------------


@transaction.atomic
def residence_check_out(*, actor: User, residence: Residence, at: dt.datetime | None = None, reason: str = "",
                        note: str = "", now: dt.datetime | None = None) -> Residence:
    _require_writer(actor, residence.shelter.mission_id)
    now = now or timezone.now()
    at = at or now
    residence = Residence.objects.select_for_update(of=("self",)).select_related("shelter__mission").get(pk=residence.pk)
    if residence.checked_out_at is not None:
        raise BadInput(_("This resident has already been checked out."), field="residence")
    _not_future(at, now, "checked_out_at")
    if at < residence.checked_in_at:
        raise BadInput(_("The check-out cannot be before the check-in."), field="checked_out_at")
    if reason not in Residence.CheckoutReason.values:
        raise BadInput(_("Choose why the resident leaves."), field="reason")
    residence.checked_out_at, residence.checked_out_by, residence.checkout_reason = at, actor, reason
    if note.strip():
        residence.note = "\n".join(filter(None, [residence.note, note.strip()[:2000]]))
    residence.save(update_fields=["checked_out_at", "checked_out_by", "checkout_reason", "note"])
    audit_record(actor=actor, action="shelter.check_out", object_type="residence", object_id=residence.pk,
                 citizen_id=residence.citizen_id, mission_code=residence.shelter.mission.code,
                 detail={"reason": reason})
    history.tell(residence, actor=actor, note=_("Checked out of %(shelter)s: %(reason)s.")
                 % {"shelter": residence.shelter.name, "reason": residence.get_checkout_reason_display()})
    return residence


# --- Repatriation -----------------------------------------------------------------------------------------


@transaction.atomic
def repatriation_start(*, actor: User, residence: Residence, agency: str = "",
                       now: dt.datetime | None = None) -> Residence:
    """Put the resident in the pipeline (idempotent); `agency` is the home-side agency that receives them."""
    _require_writer(actor, residence.shelter.mission_id)
    now = now or timezone.now()
    if residence.repatriation:
        return residence
    residence.repatriation = True
    residence.repatriation_since = now
    residence.repatriation_waiting_since = mission_today(residence.shelter.mission, now)
    residence.handover_agency = (agency or "").strip()[:100] or residence.handover_agency or HANDOVER_AGENCY_DEFAULT
    residence.save(update_fields=["repatriation", "repatriation_since", "repatriation_waiting_since",
                                  "handover_agency"])
    audit_record(actor=actor, action="shelter.repatriation_start", object_type="residence", object_id=residence.pk,
                 citizen_id=residence.citizen_id, mission_code=residence.shelter.mission.code)
    history.tell(residence, actor=actor, note=_("Repatriation started."))
    return residence


def next_step(residence: Residence) -> str | None:
    """The step to do next, or None when the person has been handed over."""
    if not residence.repatriation_step:
        return STEP_ORDER[0]
    index = STEP_ORDER.index(residence.repatriation_step) + 1
    return STEP_ORDER[index] if index < len(STEP_ORDER) else None


@transaction.atomic
def repatriation_step_record(*, actor: User, residence: Residence, step: str, done_on: dt.date,
                             note: str = "", agency: str = "", now: dt.datetime | None = None) -> RepatriationStep:
    """Record that `step` was done on `done_on` (the mission's local date). Steps go in order, each on or after
    the previous one's date and not in the future. The arrival step names the agency the person was handed
    over to (the residence's agency unless `agency` is given)."""
    _require_writer(actor, residence.shelter.mission_id)
    now = now or timezone.now()
    residence = Residence.objects.select_for_update(of=("self",)).select_related("shelter__mission").get(pk=residence.pk)
    if step not in STEP_ORDER:
        raise BadInput(_("No such step."), field="step")
    expected = next_step(residence)
    if expected is None:
        raise BadInput(_("This person has already been handed over."), field="step")
    if step != expected:
        raise BadInput(_("The next step is: %(step)s.") % {"step": Step(expected).label}, field="step")
    mission = residence.shelter.mission
    if done_on > mission_today(mission, now):
        raise BadInput(_("This date is in the future."), field="done_on")
    previous = residence.steps.order_by("-done_on").first()
    if previous is not None and done_on < previous.done_on:
        raise BadInput(_("This date is before the previous step's."), field="done_on")
    if not residence.repatriation:
        residence = repatriation_start(actor=actor, residence=residence, now=now)
    if step == Step.ARRIVAL and agency.strip():
        residence.handover_agency = agency.strip()[:100]
    done = RepatriationStep.objects.create(residence=residence, step=step, done_on=done_on, done_by=actor,
                                           note=(note or "").strip()[:300])
    residence.repatriation_step = step
    residence.repatriation_waiting_since = done_on
    residence.save(update_fields=["repatriation_step", "repatriation_waiting_since", "handover_agency"])
    audit_record(actor=actor, action="shelter.repatriation_step", object_type="residence", object_id=residence.pk,
                 citizen_id=residence.citizen_id, mission_code=mission.code,
                 detail={"step": step, "done_on": done_on.isoformat()})
    text = str(Step(step).label)
    if step == Step.ARRIVAL:
        text = _("Arrived and handed over to %(agency)s") % {"agency": residence.handover_agency}
    history.tell(residence, actor=actor,
                 note=_("Repatriation: %(step)s (%(date)s).") % {"step": text, "date": done_on.isoformat()})
    return done
