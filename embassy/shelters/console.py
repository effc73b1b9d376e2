"""The officer's pages under /konsol/shelter/: the shelters, one shelter's residents and bed use, check-in
(choose the person from the mission's registry, or name someone not registered), one resident with check-out
and the repatriation steps, the repatriation board, the occupancy report (page and CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, DomainError, PermissionDenied
from embassy.common.spreadsheet import csv_lines
from embassy.common.when import zone, zone_abbreviation
from embassy.shelters import report, selectors, services
from embassy.shelters.days import mission_today
from embassy.shelters.models import STEP_ORDER, Residence, Shelter, Step


def _int(value: str | None, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise BadInput(_("Give a number."), field=field)
    return int(value)


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _local_time(value: str, shelter: Shelter, field: str) -> dt.datetime | None:
    """A `datetime-local` input, in the mission's time."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise BadInput(_("Give the date and time."), field=field)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(shelter.mission.timezone))
    return parsed


def _zone_name(shelter: Shelter) -> str:
    return f"{shelter.mission.timezone} ({zone_abbreviation(dt.datetime.now(zone(shelter.mission.timezone)))})"


@staff_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    shelters = [(s, max(0, s.beds - s.present)) for s in selectors.shelters_for(user=request.user)]  # type: ignore[attr-defined]
    return render(request, "shelters/index.html", {
        "shelters": shelters,
        "missions": selectors.writable_missions(user=request.user),
        "kinds": Shelter.Kind.choices,
    })


@staff_required
@require_POST
def shelter_add(request: AuthedRequest) -> HttpResponse:
    p = request.POST
    try:
        mission_id = _int(p.get("mission"), "mission")
        if mission_id is None:
            raise BadInput(_("Choose the mission."), field="mission")
        shelter = services.shelter_create(actor=request.user, mission_id=mission_id, name=p.get("name", ""),
                                          beds=_int(p.get("beds"), "beds") or 0, kind=p.get("kind", ""),
                                          address=p.get("address", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:shelters")
    messages.success(request, _("Shelter added."))
    return redirect("console:shelter", shelter_id=shelter.pk)


@staff_required
@require_GET
def shelter_page(request: AuthedRequest, shelter_id: int) -> HttpResponse:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    rows = selectors.residents_of(user=request.user, shelter=shelter)
    past = selectors.residents_of(user=request.user, shelter=shelter, present=False, limit=20)
    present = len(rows)
    return render(request, "shelters/shelter.html", {
        "shelter": shelter,
        "rows": rows,
        "past": past,
        "present": present,
        "free": max(0, shelter.beds - present),
        "over": max(0, present - shelter.beds),
        "percent": min(100, round(100 * present / shelter.beds)) if shelter.beds else 100,
        "can_write": selectors.may_write(user=request.user, mission_id=shelter.mission_id),
        "zone": _zone_name(shelter),
        "kinds": Shelter.Kind.choices,
    })


@staff_required
@require_POST
def shelter_edit(request: AuthedRequest, shelter_id: int) -> HttpResponse:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    try:
        services.shelter_update(actor=request.user, shelter=shelter, beds=_int(request.POST.get("beds"), "beds") or 0,
                                kind=request.POST.get("kind") or None)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("console:shelter", shelter_id=shelter.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def check_in(request: AuthedRequest, shelter_id: int) -> HttpResponse:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    if not selectors.may_write(user=request.user, mission_id=shelter.mission_id):
        raise PermissionDenied(_("Only the mission's consular and protection staff manage its shelters."))
    error: DomainError | None = None
    values: dict[str, Any] = {}
    if request.method == "POST":
        p = request.POST
        values = {k: p.get(k, "") for k in ("citizen_id", "person_name", "complaint_number", "sos_case_id", "at",
                                            "note", "handover_agency")}
        values["overflow"] = p.get("overflow") == "1"
        values["repatriation"] = p.get("repatriation") == "1"
        try:
            residence = services.residence_check_in(
                actor=request.user, shelter=shelter, citizen_id=_int(p.get("citizen_id"), "citizen_id"),
                person_name=p.get("person_name", ""), complaint_number=p.get("complaint_number", ""),
                sos_case_id=_int(p.get("sos_case_id"), "sos_case_id"),
                at=_local_time(p.get("at", ""), shelter, "checked_in_at"), overflow=values["overflow"],
                repatriation=values["repatriation"], handover_agency=p.get("handover_agency", ""),
                note=p.get("note", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("%(name)s checked in.") % {"name": residence.person_name})
            return redirect("console:shelter-residence", residence_id=residence.pk)
    q = request.GET.get("q", "").strip()[:100]
    found = selectors.registry_search(user=request.user, shelter=shelter, q=q) if q else []
    wanted = _int_or_none(values.get("citizen_id") or request.GET.get("citizen", ""))
    chosen = selectors.registry_person(user=request.user, shelter=shelter, citizen_id=wanted) if wanted else None
    return render(request, "shelters/check_in.html", {
        "shelter": shelter, "q": q, "found": found, "chosen": chosen, "error": error, "values": values,
        "present": selectors.present_count(shelter), "zone": _zone_name(shelter),
        "default_agency": services.HANDOVER_AGENCY_DEFAULT,
    }, status=422 if error else 200)


@staff_required
@require_GET
def residence_page(request: AuthedRequest, residence_id: int) -> HttpResponse:
    row = selectors.residence_get_for(user=request.user, residence_id=residence_id)
    r = row.residence
    done = {s.step: s for s in r.steps.all()}
    steps = [(value, label, done.get(value)) for value, label in Step.choices]
    return render(request, "shelters/residence.html", {
        "row": row, "r": r, "shelter": r.shelter, "steps": steps,
        "next_label": Step(row.next_step).label if row.next_step else "",
        "reasons": Residence.CheckoutReason.choices,
        "can_write": selectors.may_write(user=request.user, mission_id=r.shelter.mission_id),
        "today": mission_today(r.shelter.mission), "zone": _zone_name(r.shelter),
        "handed_over": r.repatriation_step == STEP_ORDER[-1],
    })


def _residence(request: AuthedRequest, residence_id: int) -> Residence:
    return selectors.residence_get_for(user=request.user, residence_id=residence_id).residence


@staff_required
@require_POST
def check_out(request: AuthedRequest, residence_id: int) -> HttpResponse:
    residence = _residence(request, residence_id)
    try:
        services.residence_check_out(actor=request.user, residence=residence,
                                     at=_local_time(request.POST.get("at", ""), residence.shelter, "checked_out_at"),
                                     reason=request.POST.get("reason", ""), note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Checked out."))
    return redirect("console:shelter-residence", residence_id=residence.pk)


@staff_required
@require_POST
def step_record(request: AuthedRequest, residence_id: int) -> HttpResponse:
    residence = _residence(request, residence_id)
    p = request.POST
    try:
        try:
            done_on = dt.date.fromisoformat(p.get("done_on", "").strip())
        except ValueError:
            raise BadInput(_("Give the date as YYYY-MM-DD."), field="done_on") from None
        services.repatriation_step_record(actor=request.user, residence=residence, step=p.get("step", ""),
                                          done_on=done_on, note=p.get("note", ""), agency=p.get("agency", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Step recorded."))
    return redirect("console:shelter-residence", residence_id=residence.pk)


@staff_required
@require_POST
def repatriation_start(request: AuthedRequest, residence_id: int) -> HttpResponse:
    residence = _residence(request, residence_id)
    try:
        services.repatriation_start(actor=request.user, residence=residence, agency=request.POST.get("agency", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:shelter-residence", residence_id=residence.pk)


@staff_required
@require_GET
def board(request: AuthedRequest, shelter_id: int | None = None) -> HttpResponse:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id) if shelter_id else None
    rows = selectors.repatriation_board(user=request.user, shelter=shelter)
    counts = dict.fromkeys(STEP_ORDER, 0)
    for row in rows:
        counts[row.next_step] += 1
    return render(request, "shelters/board.html", {
        "shelter": shelter, "rows": rows,
        "counts": [(label, counts[value]) for value, label in Step.choices],
    })


def _report(request: AuthedRequest, shelter_id: int) -> report.Report:
    shelter = selectors.shelter_get_for(user=request.user, shelter_id=shelter_id)
    start, end = report.parse_range(request.GET.get("start", ""), request.GET.get("end", ""),
                                    today=mission_today(shelter.mission))
    return report.occupancy(shelter=shelter, start=start, end=end)


@staff_required
@require_GET
def occupancy_page(request: AuthedRequest, shelter_id: int) -> HttpResponse:
    try:
        rep = _report(request, shelter_id)
    except BadInput as exc:
        messages.error(request, exc.message)
        return redirect("console:shelter-occupancy", shelter_id=shelter_id)
    return render(request, "shelters/occupancy.html", {
        "report": rep, "shelter": rep.shelter, "zone": _zone_name(rep.shelter),
        "rate": round(100 * rep.occupancy_rate),
    })


@staff_required
@require_GET
def occupancy_csv(request: AuthedRequest, shelter_id: int) -> StreamingHttpResponse:
    rep = _report(request, shelter_id)
    response = StreamingHttpResponse(csv_lines(report.CSV_HEADER, report.csv_rows(rep), bom=True),
                                     content_type="text/csv; charset=utf-8")
    name = f"hunian-{rep.shelter.mission.code}-{rep.shelter.pk}-{rep.start.isoformat()}-{rep.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
