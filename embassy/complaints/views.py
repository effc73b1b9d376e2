"""Public and citizen pages: a relative's or an employer's complaint (no sign-in), the signed-in citizen's own
complaint, "my complaints" with status and number, and one complaint's steps."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import citizen_required
from embassy.common.errors import DomainError
from embassy.common.middleware import client_ip
from embassy.complaints import selectors, services, sla
from embassy.complaints.forms import complaint_in
from embassy.complaints.models import Category, FiledBy

PUBLIC_KINDS = (FiledBy.RELATIVE, FiledBy.EMPLOYER)


def _form_context(request: HttpRequest, **extra: object) -> dict[str, object]:
    return {"missions": selectors.public_missions(), "categories": Category.choices,
            "values": request.POST if request.method == "POST" else {}, "client_key": secrets.token_hex(8),
            **extra}


@require_http_methods(["GET", "POST"])
def file_for_other(request: HttpRequest) -> HttpResponse:
    """The public form: a relative or an employer files for someone abroad."""
    error = None
    if request.method == "POST":
        kind = request.POST.get("filed_by", "")
        try:
            complaint = services.complaint_file_for(data=complaint_in(request.POST), filed_by=kind,
                                                    client_ip=client_ip(request))
        except DomainError as exc:
            error = exc
        else:
            return render(request, "complaints/filed.html", {"complaint": complaint})
    status = 200 if error is None else error.status
    return render(request, "complaints/file_for_other.html",
                  _form_context(request, error=error, kinds=[(k, k.label) for k in PUBLIC_KINDS]), status=status)


@citizen_required
@require_http_methods(["GET", "POST"])
def file_own(request: AuthedRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            complaint = services.complaint_file_own(user=request.user, data=complaint_in(request.POST))
        except DomainError as exc:
            error = exc
        else:
            return redirect("complaints:detail", complaint.number)
    citizen = getattr(request.user, "citizen", None)
    stay = citizen.stays.filter(status="active").select_related("mission").order_by("-start_date").first() \
        if citizen is not None else None
    return render(request, "complaints/file_own.html",
                  _form_context(request, error=error, default_mission=stay.mission.code if stay else ""),
                  status=200 if error is None else error.status)


@citizen_required
def my_complaints(request: AuthedRequest) -> HttpResponse:
    return render(request, "complaints/list.html", {"complaints": selectors.own_complaints(user=request.user)})


@citizen_required
def detail(request: AuthedRequest, number: str) -> HttpResponse:
    complaint = selectors.own_complaint(user=request.user, number=number)
    return render(request, "complaints/detail.html", {
        "complaint": complaint, "events": selectors.public_events(complaint),
        "rag": sla.rag(complaint, timezone.now())})
