"""The officer console's frame (the mission an officer acts for, the switcher) and the public missions
directory. The console's home page is in embassy.ops.views."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from embassy.common.decorators import staff_required
from embassy.missions.models import Mission
from embassy.missions.selectors import mission_list, missions_for, scope_for

SESSION_KEY = "console_mission"


def current_mission(request: HttpRequest) -> Mission | None:
    """The unit the officer is acting for; always one the officer belongs to (or any, for headquarters)."""
    allowed = missions_for(request.user)
    code = request.session.get(SESSION_KEY)
    mission = allowed.filter(code=code).first() if code else None
    if mission is None:
        scope = scope_for(request.user)
        preferred = allowed.filter(kind=Mission.Kind.HQ).first() if scope.is_hq else None
        mission = preferred or allowed.filter(id__in=scope.mission_ids).order_by("id").first() or allowed.first()
        if mission is not None:
            request.session[SESSION_KEY] = mission.code
    return mission


@staff_required
@require_POST
def switch_mission(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("mission", "")
    if missions_for(request.user).filter(code=code).exists():
        request.session[SESSION_KEY] = code
    target = str(request.POST.get("next", ""))
    return redirect(target if target.startswith("/konsol/") else "console:home")


def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = mission_list().exclude(kind=Mission.Kind.HQ)
    if q:
        qs = qs.filter(Q(city__icontains=q) | Q(name_id__icontains=q) | Q(name_en__icontains=q)
                       | Q(country__name_id__icontains=q) | Q(country__name_en__icontains=q))
    hq = mission_list().filter(kind=Mission.Kind.HQ).first()
    template = "missions/directory.html#results" if request.headers.get("HX-Request") else "missions/directory.html"
    return render(request, template, {"missions": qs.order_by("country__name_en", "city"), "q": q, "hq": hq})
