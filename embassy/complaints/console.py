"""The officers' pages: the list of the missions' complaints (headquarters: all) with their colour in words,
filters by status, category and colour; the officer's intake from a call or a walk-in; one complaint with its
history and links, and the actions on it. Every read is audited (selectors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, DomainError
from embassy.complaints import selectors, services, sla
from embassy.complaints.forms import complaint_in
from embassy.complaints.models import Category, Channel, Complaint

PAGE = 50


def _int(value: str, field: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise BadInput(_("Choose one."), field=field)
    return int(value)


@staff_required
@require_GET
def complaint_list(request: AuthedRequest) -> HttpResponse:
    g = request.GET
    status = g.get("status", "active")
    status = status if status in selectors.STATUS_FILTERS else "active"
    category = g.get("category", "") if g.get("category", "") in Category.values else ""
    rag = g.get("rag", "") if g.get("rag", "") in selectors.RAGS else ""
    missions = list(selectors.console_missions(user=request.user).order_by("code").values_list("code", flat=True)) \
        if len(selectors.console_missions(user=request.user)[:2]) > 1 else []
    mission = g.get("mission", "") if g.get("mission", "") in missions else ""
    now = timezone.now()
    qs = selectors.complaint_list_for(user=request.user, status=status, category=category, rag=rag,
                                      mission_code=mission, now=now)
    page = Paginator(qs, PAGE).get_page(g.get("page"))
    return render(request, "complaints/console_list.html", {
        "page": page, "rows": [(c, sla.rag(c, now)) for c in page.object_list],
        "status": status, "category": category, "rag": rag, "mission": mission, "missions": missions,
        "statuses": [("active", _("Open and in progress")), *Complaint.Status.choices, ("all", _("All"))],
        "categories": Category.choices,
        "rags": [("red", _("red")), ("amber", _("amber")), ("green", _("green"))],
        "counts": selectors.rag_counts(user=request.user, mission_code=mission, now=now),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: AuthedRequest) -> HttpResponse:
    error = None
    missions = selectors.console_missions(user=request.user).order_by("code")
    if request.method == "POST":
        try:
            complaint = services.complaint_file_by_officer(actor=request.user, data=complaint_in(request.POST),
                                                           channel=request.POST.get("channel", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Complaint %(number)s filed.") % {"number": complaint.number})
            return redirect("console:complaints-detail", complaint.number)
    return render(request, "complaints/console_new.html", {
        "missions": missions, "categories": Category.choices, "error": error,
        "channels": [(Channel.CALL, Channel.CALL.label), (Channel.WALK_IN, Channel.WALK_IN.label)],
        "values": request.POST if request.method == "POST" else {},
    }, status=200 if error is None else error.status)


@staff_required
@require_GET
def complaint_detail(request: AuthedRequest, number: str) -> HttpResponse:
    complaint = selectors.complaint_get_for(user=request.user, number=number)
    return render(request, "complaints/console_detail.html", {
        "complaint": complaint, "rag": sla.rag(complaint, timezone.now()),
        "events": selectors.events_of(complaint), "links": selectors.links_of(complaint),
        "officers": selectors.assignable(mission_id=complaint.mission_id), "tz": complaint.mission.timezone,
    })


def _do(action: str, request: AuthedRequest, complaint: Complaint) -> str:
    p, user = request.POST, request.user
    note = p.get("note", "")
    target = p.get("target", "").partition(":")
    steps: dict[str, Callable[[], Any]] = {
        "assign": lambda: services.complaint_assign(actor=user, complaint=complaint,
                                                    assignee_id=_int(p.get("assignee", ""), "assignee")),
        "note": lambda: services.complaint_note(actor=user, complaint=complaint, note=note),
        "link": lambda: services.complaint_link(actor=user, complaint=complaint, kind=target[0],
                                                object_id=_int(target[-1], "object_id")),
        "identify": lambda: services.complaint_identify(actor=user, complaint=complaint,
                                                        citizen_id=_int(p.get("citizen_id", ""), "citizen_id")),
        "progress": lambda: services.complaint_progress(actor=user, complaint=complaint),
        "wait": lambda: services.complaint_wait(actor=user, complaint=complaint, note=note),
        "resume": lambda: services.complaint_resume(actor=user, complaint=complaint),
        "resolve": lambda: services.complaint_resolve(actor=user, complaint=complaint, note=note),
        "close": lambda: services.complaint_close(actor=user, complaint=complaint, note=note),
        "reopen": lambda: services.complaint_reopen(actor=user, complaint=complaint, note=note),
    }
    if action not in steps:
        raise Http404
    steps[action]()
    return str(_("Saved."))


@staff_required
@require_POST
def complaint_action(request: AuthedRequest, number: str, action: str) -> HttpResponse:
    complaint = selectors.complaint_get_for(user=request.user, number=number)
    try:
        messages.success(request, _do(action, request, complaint))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:complaints-detail", complaint.number)
