"""The duty officer's console: the live queue, the worldwide map for headquarters, and the case page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.staff import Purpose, may_take_duty, staff_queryset
from embassy.common.console import Action, console_action
from embassy.common.decorators import staff_required
from embassy.common.errors import DomainError
from embassy.missions.models import Mission
from embassy.missions.selectors import missions_for, scope_for
from embassy.missions.views import current_mission
from embassy.sos import notices, present, selectors, services
from embassy.sos.models import Case, Category, DutyOfficer, Outcome, Priority


def _queue_mission(request: HttpRequest) -> Mission | None:
    """The console's current mission; headquarters units see every mission's cases."""
    mission = current_mission(request)
    return None if mission is None or mission.is_hq else mission


def _queue_context(request: AuthedRequest) -> dict[str, Any]:
    mission = _queue_mission(request)
    status = request.GET.get("status", "open")
    status = status if status in selectors.FILTERS else "open"
    cases = list(selectors.case_list_for(user=request.user, mission_id=mission.pk if mission else None,
                                         status=status)[:300])
    rows = [(c, selectors.sla(c)) for c in cases]
    return {
        "mission": mission, "rows": rows, "status": status,
        "cursor": selectors.case_cursor_for(user=request.user, mission_id=mission.pk if mission else None),
        "top_id": max((c.pk for c in cases if c.status == Case.Status.NEW), default=0),
        "new_count": sum(1 for c in cases if c.status == Case.Status.NEW),
        "points": [present.case_summary(c) for c in cases if c.lat is not None],
        "sla_seconds": (settings.SOS_ACKNOWLEDGE_TARGET_SECONDS, settings.SOS_ESCALATE_AFTER_SECONDS),
    }


@staff_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    context = _queue_context(request)
    mission = context["mission"]
    context["on_duty"] = bool(mission and DutyOfficer.objects.filter(mission=mission,
                                                                      user_id=request.user.pk or 0).exists())
    context["can_take_duty"] = bool(mission and may_take_duty(user=request.user, mission_id=mission.pk))
    return render(request, "sos/console_queue.html", context)


@staff_required
@require_GET
def queue_live(request: AuthedRequest) -> HttpResponse:
    """Polled every second: 204 while nothing changed, else the fresh queue (audited as a list read)."""
    mission = _queue_mission(request)
    cursor = selectors.case_cursor_for(user=request.user, mission_id=mission.pk if mission else None)
    if cursor == request.GET.get("cursor") and not request.GET.get("force"):
        return HttpResponse(status=204)
    return render(request, "sos/console_queue.html#queue", _queue_context(request))


@staff_required
@require_GET
def queue_points(request: AuthedRequest) -> JsonResponse:
    """Open cases as GeoJSON for the map (same scope and audit as the list)."""
    context = _queue_context(request)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                 "properties": {"id": p["id"], "reference": p["reference"], "status": p["status"], "sla": p["sla"],
                                "accuracy_m": p["accuracy_m"], "mission": p["mission_code"]}}
                for p in context["points"]]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _case_context(request: AuthedRequest, case_id: int, *, audit: bool = True) -> dict[str, Any]:
    case = selectors.case_get_for(user=request.user, case_id=case_id, audit=audit)
    citizen = case.citizen
    staff = staff_queryset(purpose=Purpose.CASEWORK, missions=[case.mission_id]).order_by("first_name", "username")
    events = list(selectors.timeline(case))
    for event in events:  # a press queued offline: when the phone says it was pressed
        event.pressed_at = _when(event.data.get("pressed_at") if isinstance(event.data, dict) else None)  # type: ignore[attr-defined]  # set for the template; not a field
    trail = list(case.trail.values_list("lat", "lon", "accuracy_m"))
    place = present.nearest_place_label(case.lat, case.lon)
    return {
        "case": case, "sla": selectors.sla(case), "citizen": citizen, "events": events, "tz": case.mission.timezone,
        "place": place,
        "geo": {"lat": case.lat, "lon": case.lon, "accuracy": case.accuracy_m, "place": place,
                "trail": [[la, lo] for la, lo, _acc in trail]},
        "last_event": events[-1].pk if events else 0,
        "stays": list(citizen.stays.select_related("country", "mission").order_by("-start_date")[:5]),
        "contacts": list(citizen.emergency_contacts.all()),
        "dependants": list(citizen.dependants.all()) if hasattr(citizen, "dependants") else [],
        "past": list(selectors.past_cases(case)[:10]),
        "attachments": list(case.attachments.all()),
        "staff": staff, "categories": Category.choices[1:], "priorities": Priority.choices,
        "outcomes": [c for c in Outcome.choices if c[0] != Outcome.CANCELLED],  # only the citizen cancels
        "missions": Mission.objects.filter(active=True).exclude(pk=case.mission_id).order_by("kind", "city"),
        "reply_route": notices.inbound_route(case),  # (channel, number) when the citizen wrote by SMS/WhatsApp
    }


@staff_required
@require_GET
def case_page(request: AuthedRequest, case_id: int) -> HttpResponse:
    context = _case_context(request, case_id)
    services.case_mark_read(case=context["case"], actor=request.user)
    return render(request, "sos/console_case.html", context)


@staff_required
@require_GET
def case_live(request: AuthedRequest, case_id: int) -> HttpResponse:
    """Polled by the case page: 204 while the timeline has nothing new."""
    case = selectors.case_get_for(user=request.user, case_id=case_id, audit=False)
    last = case.events.order_by("-id").values_list("id", flat=True).first() or 0
    if str(last) == request.GET.get("after") and str(int(case.updated_at.timestamp() * 1000)) == \
            request.GET.get("v"):
        return HttpResponse(status=204)
    context = _case_context(request, case_id)
    services.case_mark_read(case=context["case"], actor=request.user)  # the officer has the page open
    return render(request, "sos/console_case.html#live", context)


ACTIONS: dict[str, Action[Case]] = {name: Action(run) for name, run in {
    "acknowledge": lambda case, user, post: services.case_acknowledge(case=case, actor=user),
    "message": lambda case, user, post: services.case_message_post(case=case, actor=user, text=post.get("text", "")),
    "note": lambda case, user, post: services.case_note_add(case=case, actor=user, text=post.get("text", "")),
    "call": lambda case, user, post: services.case_call_log(case=case, actor=user, note=post.get("note", "")),
    "assign": lambda case, user, post: services.case_assign(case=case, actor=user,
                                                            assignee_id=_int(post.get("assignee_id"))),
    "update": lambda case, user, post: services.case_update(
        case=case, actor=user, category=post.get("category") if "category" in post else None,
        priority=_int(post.get("priority")) if post.get("priority") else None),
    "handover": lambda case, user, post: services.case_handover(case=case, actor=user,
                                                                mission_code=post.get("mission_code", ""),
                                                                reason=post.get("reason", "")),
    "resolve": lambda case, user, post: services.case_resolve(case=case, actor=user, outcome=post.get("outcome", ""),
                                                              note=post.get("note", "")),
    "reopen": lambda case, user, post: services.case_reopen(case=case, actor=user, reason=post.get("reason", "")),
}.items()}


def _when(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@staff_required
@require_POST
def case_action(request: AuthedRequest, case_id: int, action: str) -> HttpResponse:
    """An officer's button on the case page; the error, if any, shows in the refreshed timeline (htmx)."""

    def respond(name: str, error: str) -> HttpResponse:
        if name == "handover" and not error:
            return _after_handover(request, case_id)
        if not request.headers.get("HX-Request"):
            return redirect("console:sos-case", case_id=case_id)
        context = _case_context(request, case_id, audit=False)
        context["error"] = error
        return render(request, "sos/console_case.html#live", context, status=200)

    return console_action(request, ACTIONS, action, respond=respond, flash_errors=False,
                          target=lambda: selectors.case_get_for(user=request.user, case_id=case_id, audit=False))


def _after_handover(request: HttpRequest, case_id: int) -> HttpResponse:
    """After a handover the officer may no longer see the case: back to the queue."""
    messages.success(request, _("The case was handed over."))
    target = reverse("console:sos-queue")
    if scope_for(request.user).covers_personal(Case.objects.get(pk=case_id).mission_id):
        target = reverse("console:sos-case", args=[case_id])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@staff_required
@require_GET
def case_attachment(request: AuthedRequest, case_id: int, attachment_id: int) -> Any:
    return present.attachment_response(selectors.case_get_for(user=request.user, case_id=case_id), attachment_id)


@staff_required
@require_POST
def duty(request: AuthedRequest) -> HttpResponse:
    mission = missions_for(request.user).filter(code=request.POST.get("mission", "")).first()
    if mission is None:
        raise Http404
    try:
        services.duty_set(actor=request.user, mission=mission, on_duty=request.POST.get("on") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:sos-queue")
