"""The panic button for apps (/sos/alerts, /sos/my-cases…) and the duty officer's casework (/sos/cases…)."""


from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.common.errors import BadInput, PermissionDenied
from embassy.missions.selectors import mission_get
from embassy.sos import present, selectors, services
from embassy.sos.schemas import (
    AlertIn,
    AssignIn,
    AttachmentOut,
    CallIn,
    CaseDetailOut,
    CaseOut,
    CaseUpdateIn,
    CursorOut,
    DetailsIn,
    DutyIn,
    EventOut,
    HandoverIn,
    LocationIn,
    OwnCaseOut,
    RaisedOut,
    ResolveIn,
    TextIn,
)
from embassy.sos.services.attachments import max_bytes

router = Router(auth=AUTH)


def _citizen(request: HttpRequest) -> Any:
    user = request.user
    if getattr(user, "kind", "") != "citizen":
        raise PermissionDenied(_("Only citizens can use the panic button."))
    return user


def raised_body(result: services.Raised) -> dict[str, Any]:
    case = result.case
    return {"id": case.pk, "reference": case.reference, "status": case.status, "created": result.created,
            "joined": result.joined, "replay": result.replay, "location": case.location,
            "mission": present.mission_contact(present.mission_cached(case.mission_id)),
            "url": present.citizen_url(case)}


@router.post("/alerts", response={201: RaisedOut, 200: RaisedOut}, summary="Raise an SOS (the panic button)",
             description="Stores the alert first, then notifies the responsible mission's duty officers. 201 "
                         "when a new case was opened; 200 when the key was seen before (nothing new stored) "
                         "or the alert joined the citizen's open case.")
def alert_raise(request: HttpRequest, payload: AlertIn) -> Status:
    user = _citizen(request)
    result = services.sos_raise(user=user, key=payload.idempotency_key, lat=payload.lat, lon=payload.lon,
                                accuracy=payload.accuracy, pressed_at=payload.pressed_at,
                                category=payload.category, text=payload.text)
    return Status(201 if result.created else 200, raised_body(result))


# --- The citizen's own cases --------------------------------------------------------------------------------
@router.get("/my-cases", response=list[OwnCaseOut], summary="My SOS cases")
def my_cases(request: HttpRequest) -> list[dict[str, Any]]:
    user = _citizen(request)
    return [present.own_case_dict(c, []) for c in selectors.own_cases(user=user)[:50]]


def _own(request: HttpRequest, case_id: int) -> Any:
    return selectors.own_case(user=_citizen(request), case_id=case_id)


@router.get("/my-cases/{case_id}", response=OwnCaseOut, summary="One of my cases, with the mission's answers")
def my_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = _own(request, case_id)
    return present.own_case_dict(case, list(selectors.timeline(case, public_only=True)))


@router.patch("/my-cases/{case_id}", response=OwnCaseOut, summary="Add what happened (category, text)")
def my_case_details(request: AuthedRequest, case_id: int, payload: DetailsIn) -> dict[str, Any]:
    case = services.case_details_update(case=_own(request, case_id), user=request.user, **payload.dict())
    return present.own_case_dict(case, list(selectors.timeline(case, public_only=True)))


@router.post("/my-cases/{case_id}/cancel", response=OwnCaseOut, summary="Cancel my SOS (pressed by mistake)",
             description="Closes the case as cancelled by the citizen. Nothing is deleted: the mission sees it "
                         "was cancelled and may reopen it. Idempotent.")
def my_case_cancel(request: AuthedRequest, case_id: int) -> dict[str, Any]:
    case = services.case_cancel_by_citizen(case=_own(request, case_id), user=request.user)
    return present.own_case_dict(case, list(selectors.timeline(case, public_only=True)))


@router.post("/my-cases/{case_id}/locations", response={204: None}, summary="Send my current position")
def my_case_location(request: AuthedRequest, case_id: int, payload: LocationIn) -> Status:
    services.case_location_add(case=_own(request, case_id), user=request.user, **payload.dict())
    return Status(204, None)


@router.post("/my-cases/{case_id}/messages", response={201: EventOut}, summary="Write to the mission")
def my_case_message(request: AuthedRequest, case_id: int, payload: TextIn) -> Status:
    event = services.case_message_from_citizen(case=_own(request, case_id), user=request.user, text=payload.text)
    return Status(201, present.event_dict(event))


_UPLOAD_DOC = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "JPEG/PNG/WebP/HEIC photo (≤10 MB) or MP4/MOV/WebM video (≤50 MB)"}}}}}}}


@router.post("/my-cases/{case_id}/attachments", response={201: AttachmentOut}, summary="Add a photo or video",
             openapi_extra=_UPLOAD_DOC)
def my_case_attachment(request: AuthedRequest, case_id: int) -> Status:
    case = _own(request, case_id)
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > max_bytes("video") + 64 * 1024:
        raise BadInput(_("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes("video") // 2**20},
                       field="file")
    attachment = services.attachment_add(case=case, user=request.user, upload=request.FILES.get("file"))
    return Status(201, attachment)


# --- Staff ----------------------------------------------------------------------------------------------------
def _mission_id(code: str) -> int | None:
    return mission_get(code=code).pk if code else None


@router.get("/cases", response=list[CaseOut], summary="Staff: SOS cases of my missions (audited)")
def cases(request: AuthedRequest, status: str = "open", mission: str = "", q: str = "", limit: int = 200) -> list:
    if status not in selectors.FILTERS:
        raise BadInput(_("status must be one of: %(values)s") % {"values": ", ".join(selectors.FILTERS)},
                       field="status")
    qs = selectors.case_list_for(user=request.user, mission_id=_mission_id(mission), status=status, q=q)
    return [present.case_summary(c) for c in qs[: max(1, min(limit, 1000))]]


@router.get("/cases/cursor", response=CursorOut, summary="Staff: changes whenever a case I can see changes")
def cases_cursor(request: AuthedRequest, mission: str = "") -> dict[str, str]:
    return {"cursor": selectors.case_cursor_for(user=request.user, mission_id=_mission_id(mission))}


def _detail(request: AuthedRequest, case_id: int, audit: bool = True) -> dict[str, Any]:
    case = selectors.case_get_for(user=request.user, case_id=case_id, audit=audit)
    data = present.case_summary(case)
    data.update(text=case.text, outcome=case.outcome, resolved_at=case.resolved_at, stay_id=case.stay_id,
                events=[present.event_dict(e) for e in selectors.timeline(case)],
                trail=list(case.trail.values("at", "lat", "lon", "accuracy_m")),
                attachments=list(case.attachments.all()))
    return data


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="Staff: one case with its timeline (audited)")
def case_detail(request: AuthedRequest, case_id: int) -> dict[str, Any]:
    return _detail(request, case_id)


def _get(request: AuthedRequest, case_id: int) -> Any:
    return selectors.case_get_for(user=request.user, case_id=case_id)


@router.post("/cases/{case_id}/acknowledge", response=CaseDetailOut, summary="Staff: acknowledge")
def case_acknowledge(request: AuthedRequest, case_id: int) -> dict[str, Any]:
    services.case_acknowledge(case=_get(request, case_id), actor=request.user)
    return _detail(request, case_id, audit=False)


@router.post("/cases/{case_id}/messages", response={201: EventOut}, summary="Staff: message the citizen")
def case_message(request: AuthedRequest, case_id: int, payload: TextIn) -> Status:
    event = services.case_message_post(case=_get(request, case_id), actor=request.user, text=payload.text)
    return Status(201, present.event_dict(event))


@router.post("/cases/{case_id}/notes", response={201: EventOut}, summary="Staff: internal note")
def case_note(request: AuthedRequest, case_id: int, payload: TextIn) -> Status:
    event = services.case_note_add(case=_get(request, case_id), actor=request.user, text=payload.text)
    return Status(201, present.event_dict(event))


@router.post("/cases/{case_id}/calls", response={201: EventOut}, summary="Staff: log a phone call")
def case_call(request: AuthedRequest, case_id: int, payload: CallIn) -> Status:
    event = services.case_call_log(case=_get(request, case_id), actor=request.user, note=payload.note)
    return Status(201, present.event_dict(event))


@router.post("/cases/{case_id}/assign", response=CaseDetailOut, summary="Staff: assign to an officer")
def case_assign(request: AuthedRequest, case_id: int, payload: AssignIn) -> dict[str, Any]:
    services.case_assign(case=_get(request, case_id), actor=request.user, assignee_id=payload.assignee_id)
    return _detail(request, case_id, audit=False)


@router.patch("/cases/{case_id}", response=CaseDetailOut, summary="Staff: set category and priority")
def case_update(request: AuthedRequest, case_id: int, payload: CaseUpdateIn) -> dict[str, Any]:
    services.case_update(case=_get(request, case_id), actor=request.user, **payload.dict())
    return _detail(request, case_id, audit=False)


@router.post("/cases/{case_id}/handover", response=CaseOut, summary="Staff: hand over to another mission")
def case_handover(request: AuthedRequest, case_id: int, payload: HandoverIn) -> dict[str, Any]:
    case = services.case_handover(case=_get(request, case_id), actor=request.user, **payload.dict())
    return present.case_summary(case)


@router.post("/cases/{case_id}/resolve", response=CaseDetailOut, summary="Staff: resolve with an outcome")
def case_resolve(request: AuthedRequest, case_id: int, payload: ResolveIn) -> dict[str, Any]:
    services.case_resolve(case=_get(request, case_id), actor=request.user, **payload.dict())
    return _detail(request, case_id, audit=False)


@router.post("/cases/{case_id}/reopen", response=CaseDetailOut, summary="Staff: reopen a resolved case")
def case_reopen(request: AuthedRequest, case_id: int) -> dict[str, Any]:
    services.case_reopen(case=_get(request, case_id), actor=request.user)
    return _detail(request, case_id, audit=False)


@router.get("/cases/{case_id}/attachments/{attachment_id}", summary="Staff: download an attachment (audited)",
            response={200: None})
def case_attachment(request: AuthedRequest, case_id: int, attachment_id: int) -> FileResponse:
    return present.attachment_response(_get(request, case_id), attachment_id)


@router.post("/duty", response=DutyIn, summary="Staff: sign on or off as the mission's duty officer")
def duty(request: AuthedRequest, payload: DutyIn) -> dict[str, Any]:
    mission = mission_get(code=payload.mission_code)
    services.duty_set(actor=request.user, mission=mission, on_duty=payload.on_duty)
    return {"mission_code": mission.code, "on_duty": payload.on_duty}
