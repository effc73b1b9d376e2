"""The officer console for crises: the list, declaring a crisis over a zone drawn on the map, and the crisis
room (live counts, map, the silent to call, the log). Thin views: the rules live in crises.services,
crises.rollcall and the scoped reads in crises.selectors."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.models import User
from embassy.accounts.zones import console_zone
from embassy.common.console import Action, console_action
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, DomainError, PermissionDenied
from embassy.crises import answers, links, rollcall, selectors, services
from embassy.crises.forms import ZONE_CIRCLE, ZONE_COUNTRIES, ZONE_POLYGON, DeclareForm, ZoneForm
from embassy.crises.models import Crisis
from embassy.crises.powers import may_manage
from embassy.crises.present import event_detail, event_label, zone_parts
from embassy.crises.sms_preview import rollcall_sms_preview
from embassy.missions.selectors import scope_for

SILENT_PAGE = 25
STATUS_TABS = [("", gettext_lazy("All")), (Crisis.Status.PROPOSED, gettext_lazy("To confirm")),
               (Crisis.Status.ACTIVE, gettext_lazy("Active")), (Crisis.Status.CLOSED, gettext_lazy("Closed")),
               (Crisis.Status.DISMISSED, gettext_lazy("Dismissed"))]
SOURCES = {"usgs": "USGS", "gdacs": "GDACS"}
ANSWERED_VIA = {"link": gettext_lazy("link in the message"), "app": gettext_lazy("in the app"),
                "sms": gettext_lazy("by SMS reply"), "whatsapp": gettext_lazy("by WhatsApp reply"),
                "contact": gettext_lazy("by an emergency contact"), "staff": gettext_lazy("by phone, to an officer")}
CHANNELS = {"push": gettext_lazy("app notification"), "email": gettext_lazy("email"), "sms": "SMS",
            "whatsapp": "WhatsApp"}


def _can_manage(user: User, crisis: Crisis | None = None) -> bool:
    """Whether to offer the managing actions (the services decide again when they are used)."""
    return may_manage(user, crisis)


def zone_geo(crisis: Crisis) -> dict[str, Any]:
    """The zone for the map's script (RFC 7946 order in the polygon)."""
    return {"lat": crisis.lat, "lon": crisis.lon, "radius_km": crisis.radius_km, "polygon": crisis.polygon,
            "countries": list(crisis.countries or [])}


def _event_rows(crisis: Crisis) -> list[dict[str, Any]]:
    rows = []
    for e in crisis.events.select_related("actor").order_by("-at", "-id")[:200]:
        rows.append({"event": e, "label": event_label(e), "detail": event_detail(e)})
    return rows


# --- The list -------------------------------------------------------------------------------------------------
@staff_required
@require_GET
def crisis_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Crisis.Status.values else ""
    qs = selectors.crisis_list_for(user=request.user, status=status).prefetch_related("missions")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = selectors.rollcall_counts_many(crisis_ids=[c.pk for c in page])
    rows = [{"crisis": c, "counts": counts.get(c.pk, {}), "source": SOURCES.get(c.source, c.source)} for c in page]
    return render(request, "crises/console/list.html", {
        "rows": rows, "page": page, "status": status, "tabs": STATUS_TABS,
        "can_manage": _can_manage(request.user), "tz": console_zone(request),
    })


# --- Declaring ------------------------------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def crisis_new(request: AuthedRequest) -> HttpResponse:
    form = DeclareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                crisis = services.crisis_declare(actor=request.user, title=form.cleaned_data["title"],
                                                 kind=form.cleaned_data["kind"], **form.zone_kwargs())
            except BadInput as exc:
                form.add_error(form.field_for(exc.field), exc.message)
            except PermissionDenied as exc:
                form.add_error(None, exc.message)
                status = 403
            else:
                messages.success(request, _("Crisis declared: %(title)s") % {"title": crisis.title})
                return redirect("console:crisis", crisis_id=crisis.pk)
        status = status if status != 200 else 422
    return render(request, "crises/console/new.html", {
        "form": form, "can_manage": _can_manage(request.user),
    }, status=status)


# --- The crisis room ------------------------------------------------------------------------------------------
def _live_context(crisis: Crisis, tz: str) -> dict[str, Any]:
    """What the room shows and polls; `tz`: the zone its times are read in (the officer's mission's)."""
    counts = selectors.rollcall_counts(crisis=crisis)
    channels = selectors.rollcall_channels(crisis=crisis)
    return {
        "crisis": crisis, "tz": tz, "counts": counts, "state": selectors.rollcall_state(crisis=crisis,
                                                                                       channels=channels),
        "by_mission": selectors.rollcall_by_mission(crisis=crisis), "events": _event_rows(crisis),
        "answered": counts["safe"] + counts["help"],
        "channels": [{**c, "label": CHANNELS.get(c["channel"], c["channel"])} for c in channels],
        "handed_over": sum(c["handed_over"] for c in channels),
    }


def _people_context(request: AuthedRequest, crisis: Crisis) -> dict[str, Any]:
    """The silent list (one page) and who needs help: only for roles that read personal data."""
    if not scope_for(request.user).personal_data:
        return {"personal": False, "tz": console_zone(request)}
    missions = list(crisis.missions.order_by("code"))
    raw_mission = request.GET.get("mission") or request.POST.get("mission") or ""
    mission_id = int(raw_mission) if raw_mission.isdigit() and int(raw_mission) in {m.pk for m in missions} \
        else None
    raw_page = request.GET.get("page") or request.POST.get("page") or "1"
    number = min(max(1, int(raw_page)), 100_000) if raw_page.isdigit() else 1
    silent = selectors.silent_list_for(user=request.user, crisis=crisis, mission_id=mission_id, limit=SILENT_PAGE,
                                       offset=(number - 1) * SILENT_PAGE)
    pages = max(1, -(-silent["total"] // SILENT_PAGE))
    if number > pages and silent["total"]:  # the page emptied (people answered): show the last one
        number = pages
        silent = selectors.silent_list_for(user=request.user, crisis=crisis, mission_id=mission_id,
                                           limit=SILENT_PAGE, offset=(number - 1) * SILENT_PAGE)
    helping = selectors.help_list_for(user=request.user, crisis=crisis)
    return {
        "personal": True, "silent_total": silent["total"], "page_number": number, "tz": console_zone(request),
        "silent": [{"row": r, "channel": CHANNELS.get(r.channel, r.channel)} for r in silent["rows"]],
        "helping": [{"row": r, "via": ANSWERED_VIA.get(r.answered_via, r.answered_via)} for r in helping["rows"]],
        "helping_total": helping["total"],
        "pages": pages, "mission_id": mission_id, "missions": missions,
        "can_answer": _can_manage(request.user, crisis) and crisis.status == Crisis.Status.ACTIVE,
    }


def _crisis(request: AuthedRequest, crisis_id: int) -> Crisis:
    return selectors.crisis_get_for(user=request.user, crisis_id=crisis_id)


@staff_required
@require_GET
def crisis_room(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = _crisis(request, crisis_id)
    context = _live_context(crisis, console_zone(request))
    context.update(_people_context(request, crisis))
    context.update({
        "zone_parts": zone_parts(crisis), "zone": zone_geo(crisis), "source": SOURCES.get(crisis.source, ""),
        "missions_all": list(crisis.missions.order_by("code")), "can_manage": _can_manage(request.user, crisis),
        "feed_items": list(crisis.feed_items.order_by("occurred_at", "id")),
        "zone_form": ZoneForm(initial=_zone_initial(crisis)),
        "open": crisis.status in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE),
    })
    if context["can_manage"] and crisis.status == Crisis.Status.ACTIVE and crisis.rollcall_started_at is None:
        context["sms_preview"] = rollcall_sms_preview(crisis=crisis)  # the confirmation's SMS segments and cost
    return render(request, "crises/console/room.html", context)


def _zone_initial(crisis: Crisis) -> dict[str, Any]:
    mode = ZONE_POLYGON if crisis.polygon else (ZONE_CIRCLE if crisis.radius_km else ZONE_COUNTRIES)
    return {"zone": mode, "lat": crisis.lat if crisis.radius_km else None,
            "lon": crisis.lon if crisis.radius_km else None, "radius_km": crisis.radius_km,
            "polygon": json.dumps(crisis.polygon) if crisis.polygon else "", "countries": crisis.countries}


@staff_required
@require_GET
def crisis_live(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    """Polled every 2 s by the room: 204 while nothing it shows has changed."""
    crisis = _crisis(request, crisis_id)
    if request.GET.get("state") == selectors.rollcall_state(crisis=crisis):
        return HttpResponse(status=204)
    return render(request, "crises/console/live.html", _live_context(crisis, console_zone(request)))


@staff_required
@require_GET
def crisis_map(request: AuthedRequest, crisis_id: int) -> JsonResponse:
    """Hexagons of the people inside, coloured by answer on the room's map (no names)."""
    crisis = _crisis(request, crisis_id)
    raw = request.GET.get("res", "")
    return JsonResponse(selectors.rollcall_map(crisis=crisis, res=int(raw) if raw.isdigit() else 6))


@staff_required
@require_GET
def crisis_people(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    """The silent list and who needs help (a page of it, for htmx; audited by the selectors)."""
    crisis = _crisis(request, crisis_id)
    context = {"crisis": crisis, **_people_context(request, crisis)}
    return render(request, "crises/console/_people.html", context)


@staff_required
@require_POST
def crisis_answer(request: AuthedRequest, crisis_id: int, affected_id: int) -> HttpResponse:
    """An officer records "safe" or "needs help" heard by phone."""
    crisis = _crisis(request, crisis_id)
    row = selectors.affected_get_for(user=request.user, crisis=crisis, affected_id=affected_id)
    error = ""
    try:
        result = answers.rollcall_answer_staff(actor=request.user, affected=row, answer=request.POST.get("answer", ""),
                                               note=request.POST.get("note", "")[:500])
    except DomainError as exc:
        error = exc.message
    except links.LinkRefused:
        error = _("The roll-call of this crisis has ended.")
    else:
        if result.answer == "safe":
            done = _("%(name)s is marked safe.")
        else:
            done = _("%(name)s needs help: an SOS case is open.")
        if not request.headers.get("HX-Request"):
            messages.success(request, done % {"name": row.citizen.full_name})
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect(reverse("console:crisis", args=[crisis.pk]) + "#people")
    context = {"crisis": crisis, **_people_context(request, crisis), "error": error}
    return render(request, "crises/console/_people.html", context, status=200)


def _dismiss(crisis: Crisis, user: User, post: QueryDict) -> Crisis:
    return services.crisis_dismiss(actor=user, crisis=crisis, reason=post.get("reason", ""))


ACTIONS: dict[str, Action[Crisis]] = {
    "confirm": Action(lambda crisis, user, post: services.crisis_confirm(actor=user, crisis=crisis),
                      gettext_lazy("Crisis confirmed.")),
    "dismiss": Action(_dismiss, gettext_lazy("Crisis dismissed.")),
    "close": Action(_dismiss, gettext_lazy("Crisis closed.")),
    "rollcall": Action(lambda crisis, user, post: rollcall.rollcall_start(actor=user, crisis=crisis),
                       gettext_lazy("The roll-call has started: the messages are being sent.")),
    "note": Action(lambda crisis, user, post: services.crisis_note_add(actor=user, crisis=crisis,
                                                                       text=post.get("text", "")),
                   gettext_lazy("Note added.")),
}


def _act(request: AuthedRequest, crisis: Crisis, action: str) -> HttpResponse:
    """A button of the crisis room (or the list's, with next=list): the outcome is a message on the page."""

    def respond(name: str, error: str) -> HttpResponse:
        if request.POST.get("next", "") == "list":
            return redirect("console:crises")
        return redirect(reverse("console:crisis", args=[crisis.pk]) + ("#notes" if name == "note" else ""))

    return console_action(request, ACTIONS, action, target=lambda: crisis, respond=respond)


@staff_required
@require_POST
def crisis_confirm(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    return _act(request, _crisis(request, crisis_id), "confirm")


@staff_required
@require_POST
def crisis_dismiss(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    """Dismisses a proposed crisis, closes an active one (the service decides which)."""
    crisis = _crisis(request, crisis_id)
    return _act(request, crisis, "close" if crisis.status == Crisis.Status.ACTIVE else "dismiss")


@staff_required
@require_POST
def crisis_rollcall(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    return _act(request, _crisis(request, crisis_id), "rollcall")


@staff_required
@require_POST
def crisis_note(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    return _act(request, _crisis(request, crisis_id), "note")


@staff_required
@require_POST
def crisis_zone(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    """Change the zone; the affected set follows. Errors come back as messages on the room."""
    crisis = _crisis(request, crisis_id)
    form = ZoneForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        try:
            services.crisis_zone_update(actor=request.user, crisis=crisis, **form.zone_kwargs())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Zone changed: the list of people affected follows it."))
    return redirect(reverse("console:crisis", args=[crisis.pk]))
