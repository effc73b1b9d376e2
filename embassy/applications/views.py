"""The citizen's pages: apply (mission, service, the form with documents), their applications, one
application with its timeline in the mission's time (and, when it was returned, the correction form)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.applications import selectors, services
from embassy.applications.models import OPEN_WORK, Status
from embassy.applications.questions import answer_rows, questions_for
from embassy.applications.services.uploads import allowed_types, documents_of
from embassy.citizens.selectors import own_citizen, stays_of
from embassy.common.decorators import citizen_required
from embassy.common.errors import DomainError
from embassy.consular.selectors import offer_get, offers_for, public_mission_get
from embassy.missions.selectors import mission_search

STEPS = (Status.SUBMITTED, Status.DOCUMENTS_CHECKED, Status.IN_PROCESS, Status.READY, Status.COLLECTED)


@citizen_required
def my_applications(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "applications/list.html",
        {"applications": list(selectors.own_applications(user=request.user)[:100])},
    )


@citizen_required
def choose(request: AuthedRequest) -> HttpResponse:
    """Pick the mission (those of the citizen's stays first, or search), then the service."""
    code = request.GET.get("mission", "").strip()
    if code:
        mission = public_mission_get(code=code)
        return render(
            request,
            "applications/choose_service.html",
            {"mission": mission, "offers": offers_for(mission=mission)},
        )
    q = request.GET.get("q", "").strip()
    citizen = own_citizen(user=request.user)
    mine = {
        s.mission_id: s.mission
        for s in stays_of(citizen).select_related("mission")
        if s.mission is not None and not s.mission.is_hq
    }
    return render(
        request,
        "applications/choose_mission.html",
        {"mine": list(mine.values()), "q": q, "missions": list(mission_search(q=q)[:30]) if q else []},
    )


def _form_context(
    mission: Any, offer: Any, values: dict[str, str] | None = None, error: Any = None, client_key: str = ""
) -> dict[str, Any]:
    values = values or {}
    return {
        "mission": mission,
        "offer": offer,
        "fields": _fields(offer.code, values),
        "documents": documents_of(offer.service),
        "types": ", ".join(t.upper() for t in allowed_types()),
        "accept": ",".join(f".{t}" for t in allowed_types()),
        "error": error,
        "max_mb": settings.CONSULAR_DOCUMENT_MAX_MB,
        "require_files": True,
        "client_key": client_key or secrets.token_urlsafe(16),
    }


@citizen_required
def apply_form(request: AuthedRequest, code: str, service: str) -> HttpResponse:
    mission = public_mission_get(code=code)
    offer = offer_get(mission=mission, code=service)
    if request.method != "POST":
        return render(request, "applications/form.html", _form_context(mission, offer))
    values = {k: str(v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "client_key")}
    files = {k.removeprefix("doc-"): f for k, f in request.FILES.items()}
    try:
        result = services.application_submit(
            user=request.user,
            mission_code=mission.code,
            service_code=offer.code,
            answers=values,
            files=files,
            client_key=request.POST.get("client_key", ""),
        )
    except DomainError as exc:
        context = _form_context(mission, offer, values, exc, request.POST.get("client_key", ""))
        return render(request, "applications/form.html", context, status=exc.status)
    return redirect("applications:detail", reference=result.application.reference)


def _fields(code: str, values: dict[str, str]) -> list[tuple[Any, str]]:
    return [(q, values.get(q.name, "")) for q in questions_for(code)]


def _detail_context(
    application: Any, values: dict[str, str] | None = None, error: DomainError | None = None
) -> dict[str, Any]:
    reached = {e.status for e in application.events.all()}
    return {
        "application": application,
        "is_open": application.status in OPEN_WORK,
        "tz": application.mission.timezone,
        "answers": answer_rows(code=application.service.code, answers=application.answers),
        "steps": [(s, Status(s).label, s in reached or s == application.status) for s in STEPS],
        "fields": _fields(application.service.code, values or application.answers),
        "documents": documents_of(application.service),
        "accept": ",".join(f".{t}" for t in allowed_types()),
        "max_mb": settings.CONSULAR_DOCUMENT_MAX_MB,
        "error": error,
        "types": ", ".join(t.upper() for t in allowed_types()),
    }


@citizen_required
def detail(request: AuthedRequest, reference: str) -> HttpResponse:
    application = selectors.own_application(user=request.user, reference=reference)
    return render(request, "applications/detail.html", _detail_context(application))


@citizen_required
@require_POST
def resubmit(request: AuthedRequest, reference: str) -> HttpResponse:
    values = {k: str(v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    files = {k.removeprefix("doc-"): f for k, f in request.FILES.items()}
    try:
        services.application_resubmit(user=request.user, reference=reference, answers=values, files=files)
    except DomainError as exc:
        application = selectors.own_application(user=request.user, reference=reference)
        return render(
            request, "applications/detail.html", _detail_context(application, values, exc), status=exc.status
        )
    return redirect("applications:detail", reference=reference)
