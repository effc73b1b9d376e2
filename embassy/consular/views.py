"""Public pages of the service catalogue (each mission's services, one service; readable offline: the service
worker keeps /perwakilan/ and /layanan/ pages) and the console page where a mission sets its terms, opening
hours and counters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, PermissionDenied
from embassy.consular import selectors, services
from embassy.missions.models import Mission
from embassy.missions.selectors import mission_search


def catalogue_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    return render(request, "consular/index.html", {
        "missions": mission_search(q=q), "q": q, "standard": selectors.standard_services()})


def mission_services(request: HttpRequest, code: str) -> HttpResponse:
    mission = selectors.public_mission_get(code=code)
    return render(request, "consular/mission.html", {
        "mission": mission, "offers": selectors.offers_for(mission=mission),
        "hours": selectors.opening_hours_of(mission=mission)})


def service_page(request: HttpRequest, code: str, service: str) -> HttpResponse:
    mission = selectors.public_mission_get(code=code)
    return render(request, "consular/service.html", {
        "mission": mission, "offer": selectors.offer_get(mission=mission, code=service),
        "hours": selectors.opening_hours_of(mission=mission)})


def _managed(request: AuthedRequest) -> list[Mission]:
    missions = list(selectors.missions_managed_by(user=request.user))
    if not missions:
        raise PermissionDenied(_("The service catalogue is set by consular officers, heads of mission and "
                                 "headquarters' administrators."))
    return missions


@staff_required
def terms_index(request: AuthedRequest) -> HttpResponse:
    missions = _managed(request)
    if len(missions) == 1:
        return redirect("console:consular-terms", code=missions[0].code)
    return render(request, "consular/console_index.html", {"missions": missions})


@staff_required
def terms_page(request: AuthedRequest, code: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    return render(request, "consular/console_terms.html", {
        "mission": mission, **selectors.terms_of(mission=mission), "offers": selectors.offers_for(mission=mission)})


def _decimal(value: str, field: str) -> Decimal | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise BadInput(_("Type a number."), field=field) from None


def _int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadInput(_("Type a whole number."), field=field)
    return int(value)


@staff_required
@require_POST
def terms_save(request: AuthedRequest, code: str, service_id: int) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    service = selectors.standard_service_get(service_id=service_id)
    p = request.POST
    appointment = {"yes": True, "no": False}.get(p.get("needs_appointment", ""))
    try:
        services.mission_terms_set(
            actor=request.user, mission=mission, service=service, offered=p.get("offered") == "on",
            fee=_decimal(p.get("fee", ""), "fee"), currency=p.get("currency", "").strip().upper(),
            target_days=_int(p.get("target_days", ""), "target_days"), needs_appointment=appointment,
            note_id=p.get("note_id", "").strip(), note_en=p.get("note_en", "").strip())
    except BadInput as exc:
        flash.error(request, f"{service.name_id}: {exc.message}")
    else:
        flash.success(request, _("Saved: %(service)s.") % {"service": service.name_id})
    return redirect("console:consular-terms", code=mission.code)


def _time(value: str) -> dt.time | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise BadInput(_("Times are written like 08:30."), field="hours") from None


@staff_required
@require_POST
def hours_save(request: AuthedRequest, code: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    try:
        hours = []
        for weekday in range(7):
            for span in (1, 2):
                opens, closes = (_time(request.POST.get(f"d{weekday}_{k}{span}", "")) for k in ("o", "c"))
                if (opens is None) != (closes is None):
                    raise BadInput(_("Give both the opening and the closing time."), field="hours")
                if opens is not None and closes is not None:
                    hours.append((weekday, opens, closes))
        services.opening_hours_set(actor=request.user, mission=mission, hours=hours)
    except BadInput as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Opening hours saved."))
    return redirect("console:consular-terms", code=mission.code)


@staff_required
@require_POST
def counter_add(request: AuthedRequest, code: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    chosen = [int(v) for v in request.POST.getlist("services") if v.isdigit()]
    try:
        services.counter_create(actor=request.user, mission=mission, name=request.POST.get("name", ""),
                                services=selectors.services_of(mission=mission, ids=chosen))
    except BadInput as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Counter added."))
    return redirect("console:consular-terms", code=mission.code)
