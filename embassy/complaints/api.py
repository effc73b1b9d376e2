"""The citizen's complaints for apps (file, list, read) and the public filing by a relative or an employer.
Errors are the API's JSON: 422 with the field and a message, 429 when the public form's limit is reached."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from embassy.accounts.auth import AUTH
from embassy.common.errors import PermissionDenied
from embassy.common.links import absolute_url
from embassy.common.middleware import client_ip
from embassy.complaints import schemas, selectors, services
from embassy.complaints.models import Channel, Complaint

router = Router(auth=AUTH)


def _citizen(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", "") != "citizen":
        raise PermissionDenied(_("Sign in as a citizen first."))
    return request.user


def _summary(c: Complaint) -> dict[str, Any]:
    return {"number": c.number, "mission": c.mission.code, "mission_name": c.mission.name(),
            "category": c.category, "category_label": str(c.get_category_display()), "status": c.status,
            "status_label": str(c.get_status_display()), "filed_at": c.filed_at, "updated_at": c.updated_at,
            "url": absolute_url("complaints:detail", c.number)}


@router.post("/", response={201: schemas.ComplaintOut, 200: schemas.ComplaintOut},
             summary="File my complaint (201; 200 when client_key was seen before)")
def complaint_file(request: HttpRequest, payload: schemas.ComplaintIn) -> Status:
    user = _citizen(request)
    seen = bool(payload.client_key) and Complaint.objects.filter(filer_user=user, client_key=payload.client_key).exists()
    complaint = services.complaint_file_own(user=user, channel=Channel.API, data=services.ComplaintIn(
        mission_code=payload.mission, category=payload.category, text=payload.text, place=payload.place,
        client_key=payload.client_key))
    return Status(200 if seen else 201, _summary(complaint))


@router.post("/for-other", response={201: schemas.FiledOut}, auth=None,
             summary="A relative or an employer files for someone abroad (no sign-in; rate-limited)")
def complaint_file_for_other(request: HttpRequest, payload: schemas.ForOtherIn) -> Status:
    complaint = services.complaint_file_for(filed_by=payload.filed_by, client_ip=client_ip(request),
                                            data=services.ComplaintIn(
        mission_code=payload.mission, category=payload.category, text=payload.text, place=payload.place,
        subject_name=payload.subject_name, subject_birth_date=payload.subject_birth_date, passport=payload.passport,
        nik=payload.nik, filer_name=payload.filer_name, filer_relation=payload.filer_relation,
        filer_phone=payload.filer_phone, filer_email=payload.filer_email, client_key=payload.client_key))
    return Status(201, {"number": complaint.number, "mission": complaint.mission.code, "status": complaint.status})


@router.get("/", response=list[schemas.ComplaintOut], summary="My complaints (filed by me or about me)")
def complaint_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_summary(c) for c in selectors.own_complaints(user=_citizen(request))[:100]]


@router.get("/{number}", response=schemas.ComplaintDetailOut, summary="One of my complaints with its steps")
def complaint_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    complaint = selectors.own_complaint(user=_citizen(request), number=number)
    return {**_summary(complaint), "subject_name": complaint.subject_name,
            "events": [{"kind": e.kind, "label": str(e.get_kind_display()), "at": e.at}
                       for e in selectors.public_events(complaint)]}
