"""Operations pages: the health check, the console's home (an overview across apps) and the mission's consular
dashboard (figures only)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from embassy.accounts.http import AuthedRequest
from embassy.citizens.selectors import stay_overview_for
from embassy.common.decorators import staff_required
from embassy.common.errors import PermissionDenied
from embassy.missions.selectors import missions_for, scope_for
from embassy.missions.views import current_mission
from embassy.ops import consular_dashboard as dashboard
from embassy.ops.warmup import WARM


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db = "ok"
    except Exception:
        db = "error"
    return JsonResponse(
        {"status": "ok" if db == "ok" else "degraded", "database": db, "warm": WARM.is_set()},
        status=200 if db == "ok" else 503,
    )


@staff_required
def console_home(request: AuthedRequest) -> HttpResponse:
    mission = current_mission(request)
    scope = scope_for(request.user)
    missions = missions_for(request.user)
    return render(
        request,
        "missions/console_home.html",
        {
            "mission": mission,
            "missions": missions.order_by("kind", "city") if scope.is_hq else missions,
            "scope": scope,
            **stay_overview_for(user=request.user, mission=mission),
        },
    )


@staff_required
@require_GET
def consular_dashboard(request: AuthedRequest) -> HttpResponse:
    """/konsol/dasbor-konsuler/[?misi=CODE]: one mission's figures of the day, refreshed by htmx every 30 s
    (the refresh asks for the #live part only). A user who manages several missions chooses one first."""
    code = request.GET.get("misi", "").strip()
    if request.headers.get("HX-Request") and code:
        mission = dashboard.dashboard_mission_get(user=request.user, code=code)
        return render(
            request,
            "ops/consular_dashboard.html#live",
            {"mission": mission, "d": dashboard.consular_dashboard(mission=mission)},
        )
    missions = list(dashboard.dashboard_missions(user=request.user))
    if not missions:
        raise PermissionDenied(
            _(
                "The consular dashboard is for consular officers, heads of mission and "
                "headquarters' administrators."
            )
        )
    if code:
        mission = next((m for m in missions if m.code == code), None) or dashboard.dashboard_mission_get(
            user=request.user, code=code
        )  # the latter raises NotFound: not among the user's missions
    elif len(missions) == 1:
        mission = missions[0]
    else:
        return render(request, "ops/consular_dashboard.html", {"missions": missions, "mission": None})
    return render(
        request,
        "ops/consular_dashboard.html",
        {"missions": missions, "mission": mission, "d": dashboard.consular_dashboard(mission=mission)},
    )
