"""Operations pages: the health check, and the console's home (an overview across apps)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

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
def console_home(request: HttpRequest) -> HttpResponse:
    from embassy.citizens.models import Stay

    mission = current_mission(request)
    scope = scope_for(request.user)
    stays = Stay.objects.filter(status=Stay.Status.ACTIVE)
    if mission is not None and not mission.is_hq:
        stays = stays.filter(mission=mission)
    by_purpose = list(stays.values("purpose").annotate(n=Count("id")).order_by("-n"))
    by_country = list(stays.values("country__name_id", "country__name_en", "country_id").annotate(n=Count("id")).order_by("-n")[:10])
    return render(request, "missions/console_home.html", {
        "mission": mission,
        "missions": missions_for(request.user).order_by("kind", "city") if scope.is_hq else missions_for(request.user),
        "active_stays": stays.count(),
        "citizens": stays.values("citizen_id").distinct().count(),
        "by_purpose": by_purpose,
        "by_country": by_country,
        "purpose_labels": dict(Stay.Purpose.choices),
        "scope": scope,
    })
