"""Shelters for staff apps and scripts (bearer token of a staff member, or the signed-in console): the shelters
of the user's missions, the residents and their length of stay, check-in and check-out, the repatriation steps
and board, the daily occupancy report. Same scoping as the console: another mission's shelter or resident is a
404; bad input is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema, Status

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.common.when import local_label
from embassy.shelters import report, selectors, services
from embassy.shelters.days import mission_today
from embassy.shelters.models import Step
from embassy.shelters.schemas import (
    BoardRowOut,
    CheckInIn,
    CheckOutIn,
    OccupancyOut,
    ResidenceDetailOut,
    ResidenceOut,
    ShelterDetailOut,
    ShelterOut,
    StepIn,
)

router = Router(auth=AUTH, tags=["shelters"])


def _shelter(s: Any, present: int) -> dict[str, Any]:
    return {"id": s.pk, "mission": s.mission.code, "name": s.name, "kind": s.kind, "beds": s.beds,
            "present": present, "free": max(0, s.beds - present), "timezone": s.mission.timezone}


def _residence(row: selectors.ResidentRow) -> dict[str, Any]:
    r = row.residence
    return {
        "id": r.pk, "shelter_id": r.shelter_id, "person_name": r.person_name, "citizen_id": r.citizen_id,
        "checked_in_at": r.checked_in_at, "checked_in_local": local_label(r.checked_in_at, r.shelter.mission.timezone),
        "checked_out_at": r.checked_out_at, "checkout_reason": r.checkout_reason, "days": row.days,
        "complaint_number": r.complaint.number if r.complaint else None, "sos_case_id": r.sos_case_id,
        "overflow": r.overflow, "repatriation": r.repatriation, "handover_agency": r.handover_agency,
        "last_step": r.repatriation_step, "next_step": row.next_step,
    }


def _detail(row: selectors.ResidentRow) -> dict[str, Any]:
    steps = [{"step": s.step, "label": str(Step(s.step).label), "done_on": s.done_on, "done_by": s.done_by.username,
              "note": s.note} for s in row.residence.steps.all()]
    return {**_residence(row), "steps": steps}


@router.get("/", response=list[ShelterOut], summary="The shelters of my missions")
def shelter_list(request: AuthedRequest) -> list[dict[str, Any]]:
    return [_shelter(s, s.present) for s in selectors.shelters_for(user=request.user)]  # type: ignore[attr-defined]


@router.get("/board", response=list[BoardRowOut], summary="The repatriation board",
            description="Everyone in the pipeline not yet handed over, the longest waiting first; "
            "days_waiting counts from the last step done (or the start of the repatriation).")
def board(request: AuthedRequest, shelter_id: int | None = None) -> list[dict[str, Any]]:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id) if shelter_id else None
    return [{"residence_id": row.residence.pk, "shelter_id": row.residence.shelter_id,
             "mission": row.residence.shelter.mission.code, "person_name": row.residence.person_name,
             "next_step": row.next_step, "next_step_label": row.next_step_label,
             "waiting_since": row.residence.repatriation_waiting_since, "days_waiting": row.stuck_days}
            for row in selectors.repatriation_board(user=request.user, shelter=shelter)]


@router.get("/residences/{residence_id}", response=ResidenceDetailOut, summary="One resident with the steps")
def residence_get(request: AuthedRequest, residence_id: int) -> dict[str, Any]:
    return _detail(selectors.residence_get_for(user=request.user, residence_id=residence_id))


@router.post("/residences/{residence_id}/check-out", response=ResidenceOut, summary="Check a resident out")
def residence_check_out(request: AuthedRequest, residence_id: int, payload: CheckOutIn) -> dict[str, Any]:
    row = selectors.residence_get_for(user=request.user, residence_id=residence_id)
    services.residence_check_out(actor=request.user, residence=row.residence, at=payload.checked_out_at,
                                 reason=payload.reason, note=payload.note)
    return _residence(selectors.residence_get_for(user=request.user, residence_id=residence_id))


@router.post("/residences/{residence_id}/steps", response={201: ResidenceDetailOut},
             summary="Record the next repatriation step")
def step_record(request: AuthedRequest, residence_id: int, payload: StepIn) -> Status:
    row = selectors.residence_get_for(user=request.user, residence_id=residence_id)
    services.repatriation_step_record(actor=request.user, residence=row.residence, step=payload.step,
                                      done_on=payload.done_on, note=payload.note, agency=payload.agency)
    return Status(201, _detail(selectors.residence_get_for(user=request.user, residence_id=residence_id)))


@router.get("/{shelter_id}", response=ShelterDetailOut, summary="A shelter with the residents present")
def shelter_get(request: AuthedRequest, shelter_id: int) -> dict[str, Any]:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    rows = selectors.residents_of(user=request.user, shelter=shelter)
    return {**_shelter(shelter, len(rows)), "residents": [_residence(r) for r in rows]}


class RangeIn(Schema):
    start: str = ""
    end: str = ""


@router.get("/{shelter_id}/occupancy", response=OccupancyOut, summary="The daily occupancy report",
            description="Occupied beds (at the midnight ending each day, in the mission's time), arrivals, "
            "departures and the average stay so far, per day from start to end (YYYY-MM-DD; default: the last "
            "30 days; an end after today is cut to today).")
def occupancy(request: AuthedRequest, shelter_id: int, q: Query[RangeIn]) -> dict[str, Any]:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    start, end = report.parse_range(q.start, q.end, today=mission_today(shelter.mission))
    rep = report.occupancy(shelter=shelter, start=start, end=end)
    return {
        "shelter_id": shelter.pk, "beds": shelter.beds, "start": rep.start, "end": rep.end,
        "timezone": shelter.mission.timezone, "bed_days": rep.bed_days,
        "occupancy_rate": round(rep.occupancy_rate, 4), "peak": rep.peak, "arrivals": rep.arrivals,
        "departures": rep.departures, "average_completed_stay_days": rep.average_completed_stay,
        "days": [{"date": d.day, "occupied": d.occupied, "arrivals": d.arrivals, "departures": d.departures,
                  "average_stay_days": d.average_stay} for d in rep.days],
    }


@router.post("/{shelter_id}/residences", response={201: ResidenceOut}, summary="Check a person in",
             description="The person is a registered citizen of the mission (citizen_id), the person of a "
             "linked complaint or SOS case, or someone not registered (person_name). Every bed taken: 422 on the "
             "field overflow unless overflow is true.")
def check_in(request: AuthedRequest, shelter_id: int, payload: CheckInIn) -> Status:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    residence = services.residence_check_in(
        actor=request.user, shelter=shelter, citizen_id=payload.citizen_id, person_name=payload.person_name,
        complaint_id=payload.complaint_id, complaint_number=payload.complaint_number,
        sos_case_id=payload.sos_case_id, at=payload.checked_in_at, overflow=payload.overflow,
        repatriation=payload.repatriation, handover_agency=payload.handover_agency, note=payload.note)
    return Status(201, _residence(selectors.residence_get_for(user=request.user, residence_id=residence.pk)))
