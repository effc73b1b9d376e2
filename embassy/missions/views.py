"""The officer console's frame (the mission an officer acts for, the switcher) and the public missions
directory. The console's home page is in embassy.ops.views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from embassy.common.decorators import staff_required
from embassy.missions.models import Mission
from embassy.missions.selectors import mission_list, mission_search, missions_for, scope_for

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
    hq = mission_list().filter(kind=Mission.Kind.HQ).first()
    template = "missions/directory.html#results" if request.headers.get("HX-Request") else "missions/directory.html"
    return render(request, template, {"missions": mission_search(q=q), "q": q, "hq": hq})
