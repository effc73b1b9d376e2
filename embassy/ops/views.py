"""Operations pages: the health check, and the console's home (an overview across apps)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from embassy.accounts.http import AuthedRequest
from embassy.citizens.selectors import stay_overview_for
from embassy.common.decorators import staff_required
from embassy.missions.selectors import missions_for, scope_for
from embassy.missions.views import current_mission
from embassy.ops.warmup import WARM


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db = "ok"
    except Exception:
        db = "error"
    return JsonResponse({"status": "ok" if db == "ok" else "degraded", "database": db, "warm": WARM.is_set()},
                        status=200 if db == "ok" else 503)


@staff_required
def console_home(request: AuthedRequest) -> HttpResponse:
    mission = current_mission(request)
    scope = scope_for(request.user)
    missions = missions_for(request.user)
    return render(request, "missions/console_home.html", {
        "mission": mission,
        "missions": missions.order_by("kind", "city") if scope.is_hq else missions,
        "scope": scope,
        **stay_overview_for(user=request.user, mission=mission),
    })
