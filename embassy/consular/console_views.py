"""Console pages of appointments: releasing a batch of slots, capacity planning, and the fixer patterns for the
head of consular affairs. Scoped to the missions whose consular work the user manages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.audit import audit_record
from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, NotFound, PermissionDenied
from embassy.consular import selectors, services
from embassy.consular.capacity import capacity_plan
from embassy.consular.fixers import flag_review as review


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(_("This is not a date (YYYY-MM-DD)."), field=field) from None


def _number(value: str, field: str, low: int, high: int) -> int:
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise BadInput(_("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field)
    return int(value)


@staff_required
@require_POST
def release(request: AuthedRequest, code: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    p = request.POST
    try:
        zone = ZoneInfo(mission.timezone)
        try:
            at = dt.datetime.fromisoformat(p.get("released_at", "").strip())
        except ValueError:
            raise BadInput(_("This is not a date and time."), field="released_at") from None
        released_at = at.replace(tzinfo=zone) if at.tzinfo is None else at
        service_id = p.get("service", "").strip()
        service = selectors.service_for_mission(mission=mission, service_id=int(service_id)) if service_id.isdigit() \
            else None
        made = services.slots_release_batch(
            actor=request.user, mission=mission, service=service, first_day=_date(p.get("first_day", ""), "first_day"),
            days=_number(p.get("days", ""), "days", 1, 92), minutes=_number(p.get("minutes", ""), "minutes", 5, 480),
            per_counter=_number(p.get("per_counter", ""), "per_counter", 1, 500), released_at=released_at)
    except BadInput as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("%(n)d slots announced.") % {"n": made})
    return redirect("console:consular-terms", code=mission.code)


@staff_required
def capacity_page(request: AuthedRequest, code: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    today = timezone.now().astimezone(ZoneInfo(mission.timezone)).date()
    try:
        first = _date(request.GET["dari"], "dari") if request.GET.get("dari") else today - dt.timedelta(days=14)
    except BadInput as exc:
        flash.error(request, exc.message)
        first = today - dt.timedelta(days=14)
    rows, waiting = capacity_plan(mission=mission, first_day=first, days=56)
    return render(request, "consular/console_capacity.html", {
        "mission": mission, "rows": rows, "waiting": waiting, "today": today, "first": first})


@staff_required
def flags_page(request: AuthedRequest) -> HttpResponse:
    missions = list(selectors.missions_managed_by(user=request.user))
    if not missions:
        raise PermissionDenied(_("Fixer patterns are for the mission's consular staff."))
    flags = list(selectors.flags_for(missions=missions)[:200])
    # device ids and network addresses are personal data: who looked is recorded
    audit_record(actor=request.user, action="consular.flags_view", object_type="fixer_flag",
                 detail={"flags": len(flags), "missions": [m.code for m in missions][:20]})
    return render(request, "consular/console_flags.html", {"flags": flags})


@staff_required
@require_POST
def flag_review(request: AuthedRequest, flag_id: int) -> HttpResponse:
    missions = list(selectors.missions_managed_by(user=request.user))
    flag = selectors.flags_for(missions=missions).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(_("No such flag among your missions."))
    review(flag=flag, actor=request.user, note=request.POST.get("note", ""))
    flash.success(request, _("Marked as reviewed."))
    return redirect("console:consular-flags")
