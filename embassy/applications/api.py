"""The citizen's applications for apps: the form of a service at a mission, create (multipart, with the
documents), list and read with the timeline. Errors are the API's JSON: the field (a question's name or a
document's key) and a message."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.applications import selectors, services
from embassy.applications.models import Application
from embassy.applications.models import Status as AppStatus
from embassy.applications.questions import questions_for
from embassy.applications.schemas import ApplicationDetailOut, ApplicationOut, FormOut
from embassy.applications.services.uploads import allowed_types, documents_of
from embassy.common.errors import BadInput, PermissionDenied
from embassy.common.links import absolute_url
from embassy.common.when import local_label
from embassy.consular.selectors import offer_get, public_mission_get

router = Router(auth=AUTH)
RESERVED = ("mission", "service", "answers", "client_key")


def _citizen(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", "") != "citizen":
        raise PermissionDenied(_("Only citizens apply for consular services here."))
    return request.user


def _english() -> bool:
    return (translation.get_language() or "id").startswith("en")


def _summary(a: Application) -> dict[str, Any]:
    return {
        "reference": a.reference,
        "mission": a.mission.code,
        "mission_name": a.mission.name(),
        "timezone": a.mission.timezone,
        "service": a.service.code,
        "service_name": a.service.name(),
        "status": a.status,
        "status_label": str(AppStatus(a.status).label),
        "status_note": a.status_note,
        "submitted_at": a.submitted_at,
        "updated_at": a.updated_at,
        "due_on": a.due_on,
        "fee": a.fee,
        "currency": a.currency,
        "url": absolute_url("applications:detail", a.reference),
    }


def _detail(a: Application) -> dict[str, Any]:
    labels = {d.key: (d.label_en if _english() else d.label_id) for d in documents_of(a.service)}
    return {
        **_summary(a),
        "answers": a.answers,
        "documents": [
            {
                "key": d.key,
                "label": labels.get(d.key, d.label),
                "content_type": d.content_type,
                "size": d.size,
            }
            for d in a.documents.all()
        ],
        "timeline": [
            {
                "status": e.status,
                "status_label": str(AppStatus(e.status).label),
                "at": e.at,
                "local_time": local_label(e.at, a.mission.timezone),
                "by_citizen": e.by_citizen,
                "note": e.note,
            }
            for e in a.events.all()
        ],
    }


@router.get(
    "/forms/{mission}/{service}",
    response=FormOut,
    summary="What a service's application asks for",
    description="The questions (names are the form fields of POST /applications) and the documents "
    "(keys are the file fields), with the accepted types and the largest size.",
)
def form(request: HttpRequest, mission: str, service: str) -> dict[str, Any]:
    offer = offer_get(mission=public_mission_get(code=mission), code=service)
    return {
        "mission": mission,
        "service": offer.code,
        "service_name": offer.name,
        "fee": offer.fee,
        "currency": offer.currency,
        "target_days": offer.target_days,
        "questions": [
            {
                "name": q.name,
                "label": str(q.label),
                "kind": q.kind,
                "required": q.required,
                "choices": [[v, str(label)] for v, label in q.choices],
                "when": q.when,
            }
            for q in questions_for(offer.code)
        ],
        "documents": [
            {
                "key": d.key,
                "label": d.label_en if _english() else d.label_id,
                "required": d.required,
                "types": allowed_types(),
                "max_mb": settings.CONSULAR_DOCUMENT_MAX_MB,
            }
            for d in documents_of(offer.service)
        ],
    }


@router.get("/", response=list[ApplicationOut], summary="My applications (newest first)")
def my_applications(request: HttpRequest) -> list[dict[str, Any]]:
    return [_summary(a) for a in selectors.own_applications(user=_citizen(request))[:100]]


@router.get(
    "/{reference}", response=ApplicationDetailOut, summary="One of my applications, with its timeline"
)
def my_application(request: HttpRequest, reference: str) -> dict[str, Any]:
    return _detail(selectors.own_application(user=_citizen(request), reference=reference))


def _answers(request: HttpRequest) -> dict[str, Any]:
    raw = request.POST.get("answers", "")
    if raw:
        try:
            answers = json.loads(raw)
        except ValueError:
            raise BadInput(_("answers must be a JSON object."), field="answers") from None
        if not isinstance(answers, dict):
            raise BadInput(_("answers must be a JSON object."), field="answers")
        return answers
    return {k: v for k, v in request.POST.items() if k not in RESERVED}


@router.post(
    "/",
    response={201: ApplicationDetailOut, 200: ApplicationDetailOut},
    summary="Apply (multipart/form-data)",
    description="Fields: mission (code), service (code), client_key (optional: a retry with the same "
    "key returns the first application, 200), the answers (one field per question, or "
    "`answers` as a JSON object), and one file per document, named by its key. All or "
    "nothing: a refused answer or document (wrong type, too large) stores nothing (422).",
)
def apply(request: AuthedRequest) -> Status:
    user = _citizen(request)
    files = {k.removeprefix("doc-"): f for k, f in request.FILES.items()}
    result = services.application_submit(
        user=user,
        mission_code=request.POST.get("mission", ""),
        service_code=request.POST.get("service", ""),
        answers=_answers(request),
        files=files,
        client_key=request.POST.get("client_key", ""),
    )
    application = selectors.own_application(user=user, reference=result.application.reference)
    return Status(201 if result.created else 200, _detail(application))
