"""Pages: a mission's performance in public (/kinerja/<code>/), the public league table (/kinerja/), the survey
behind a signed link (/survei/<code>/, no sign-in: the link is the key), and headquarters' console (league
table with the costs form). Thin: each reads through embassy.performance.present or calls one service."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, PermissionDenied
from embassy.consular.selectors import public_mission_get
from embassy.missions.models import Mission
from embassy.missions.selectors import scope_for
from embassy.performance import present
from embassy.performance.ikm import ELEMENTS, SCALE
from embassy.performance.links import LinkRefused
from embassy.performance.services import can_enter_costs, mission_cost_set
from embassy.performance.surveys import survey_answer, survey_open


@require_GET
def mission_page(request: HttpRequest, code: str) -> HttpResponse:
    mission = public_mission_get(code=code)
    page = present.mission_performance(mission=mission)
    return render(request, "performance/mission.html", {"page": page, "small": present.SMALL})


@require_GET
def league_page(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/league.html", {"lines": present.league_table(), "small": present.SMALL})


def _refused(request: HttpRequest, refused: LinkRefused) -> HttpResponse:
    return render(request, "performance/survey_refused.html", {"message": refused.message}, status=refused.status)


def _form(request: HttpRequest, code: str, invite: object, data: dict[str, str], *, error: str = "",
          field: str = "", status: int = 200) -> HttpResponse:
    scale = [(n, {1: _("1 · not good"), 2: _("2 · less than good"), 3: _("3 · good"),
                  4: _("4 · very good")}[n]) for n in SCALE]
    questions = [(key, str(label), data.get(key, "")) for key, label in ELEMENTS]
    return render(request, "performance/survey.html", {
        "code": code, "invite": invite, "questions": questions, "scale": scale, "data": data, "error": error,
        "error_field": field}, status=status)


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        invite = survey_open(code=code)
    except LinkRefused as refused:
        return _refused(request, refused)
    if request.method == "GET":
        return _form(request, code, invite, {})
    data = {k: request.POST.get(k, "") for k in (*[key for key, _l in ELEMENTS], "comment")}
    try:
        survey_answer(code=code, data=data)
    except LinkRefused as refused:
        return _refused(request, refused)
    except BadInput as exc:
        return _form(request, code, invite, data, error=exc.message, field=exc.field or "", status=400)
    return render(request, "performance/survey_thanks.html", {"mission": invite.mission})


# --- Console --------------------------------------------------------------------------------------------------
def _hq(request: AuthedRequest) -> None:
    if not scope_for(request.user).is_hq:
        raise PermissionDenied(_("The league table of missions is for headquarters."))


@staff_required
@require_GET
def console_league(request: AuthedRequest) -> HttpResponse:
    _hq(request)
    missions = Mission.objects.filter(active=True).exclude(kind=Mission.Kind.HQ).order_by("code")
    return render(request, "performance/console_league.html", {
        "lines": present.league_table(), "small": present.SMALL, "can_cost": can_enter_costs(request.user),
        "missions": missions, "year": timezone.now().year})


@staff_required
@require_POST
def console_cost(request: AuthedRequest) -> HttpResponse:
    _hq(request)
    p = request.POST
    mission = Mission.objects.filter(code=p.get("mission", "")).first()
    year = p.get("year", "").strip()
    try:
        if mission is None:
            raise BadInput(_("Choose a mission."), field="mission")
        if not year.isdigit() or len(year) != 4:
            raise BadInput(_("Enter a year between 2000 and this year."), field="year")
        mission_cost_set(actor=request.user, mission=mission, year=int(year), amount=p.get("amount", ""),
                         currency=p.get("currency", "IDR"), note=p.get("note", ""))
    except BadInput as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Cost saved: %(mission)s, %(year)s.") % {"mission": mission, "year": year})
    return redirect("console:performance-league")
