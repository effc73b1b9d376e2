"""The person's timeline: the officer's page in the console (filters, "older", a call or note added with htmx)
and the citizen's own page. Thin: each view parses, makes one selector or service call, renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import citizen_required, staff_required
from embassy.common.errors import DomainError, PermissionDenied
from embassy.missions.views import current_mission
from embassy.timeline import selectors, services
from embassy.timeline.entries import KINDS, Cursor, parse_kinds
from embassy.timeline.forms import NoteForm

PAGE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _console_context(request: AuthedRequest, citizen_id: int, form: NoteForm | None = None) -> dict[str, Any]:
    kinds = parse_kinds(request.GET.getlist("kind"))
    timeline = selectors.timeline_for(user=request.user, citizen_id=citizen_id,
                                      before=Cursor.parse(request.GET.get("before")), limit=PAGE, kinds=kinds)
    chosen = sorted(kinds or ())
    older = [("kind", k) for k in chosen] + ([("before", str(timeline.next_cursor))] if timeline.next_cursor else [])
    return {"timeline": timeline, "citizen": timeline.citizen, "kinds": KINDS, "chosen": frozenset(chosen),
            "query": urlencode([("kind", k) for k in chosen]), "older_query": urlencode(older),
            "form": form or NoteForm(), "mission": current_mission(request)}


@staff_required
@require_GET
def console_timeline(request: AuthedRequest, citizen_id: int) -> HttpResponse:
    """The page, or (htmx, "older") only the next entries and the next button."""
    context = _console_context(request, citizen_id)
    if _is_htmx(request) and request.GET.get("before"):
        return render(request, "timeline/console.html#entries", context)
    return render(request, "timeline/console.html", context)


@staff_required
@require_POST
def console_note_add(request: AuthedRequest, citizen_id: int) -> HttpResponse:
    """Add a call or note for the unit the officer acts for; htmx swaps the form and the entries (a failed
    form comes back with its errors, status 422, what was typed kept)."""
    form = NoteForm(request.POST)
    mission = current_mission(request)
    if form.is_valid():
        try:
            if mission is None:
                raise PermissionDenied(_("Choose the mission you act for first."))
            services.note_add(actor=request.user, citizen_id=citizen_id, mission=mission,
                              kind=form.cleaned_data["kind"], text=form.cleaned_data["text"])
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not _is_htmx(request):
                return redirect("console:timeline-citizen", citizen_id=citizen_id)
            return render(request, "timeline/console.html#body", _console_context(request, citizen_id))
    template = "timeline/console.html#body" if _is_htmx(request) else "timeline/console.html"
    return render(request, template, _console_context(request, citizen_id, form), status=422)


@citizen_required
@require_GET
def my_timeline(request: AuthedRequest) -> HttpResponse:
    timeline = selectors.timeline_own(user=request.user, before=Cursor.parse(request.GET.get("before")),
                                      limit=PAGE)
    context = {"timeline": timeline}
    if _is_htmx(request) and request.GET.get("before"):
        return render(request, "timeline/mine.html#entries", context)
    return render(request, "timeline/mine.html", context)
