"""Operations pages: the health and readiness checks, the metrics, the console's home (an overview across apps) and the mission's consular
dashboard (figures only)."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
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
from embassy.ops import metrics
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


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _queue() -> None:
    if settings.TASKS_BACKEND == "rq":
        import django_rq  # installed with the rq backend (deploy/)

        django_rq.get_connection("default").ping()
    elif settings.TASKS_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(pk__isnull=True).exists()  # the table answers (no row read)


_storage_seen: dict[str, float] = {}  # when this process last saw the store take a write (monotonic seconds)


def _storage() -> None:
    """Write and delete a probe file; a success is trusted for READYZ_STORAGE_SECONDS, so that a health check
    every second does not write to a shared object store every second from every node."""
    if time.monotonic() - _storage_seen.get("ok", -1e9) < settings.READYZ_STORAGE_SECONDS:
        return
    name = default_storage.save(settings.READYZ_STORAGE_PROBE, ContentFile(b"ok"))
    default_storage.delete(name)
    _storage_seen["ok"] = time.monotonic()


# Without these a node cannot serve at all: the proxy must send its requests elsewhere.
ESSENTIAL = ("database", "warm")


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers and this process's indexes are loaded; the task queue and the
    attachment storage are checked too. A failing essential check answers 503 with Retry-After, so the proxy
    sends requests elsewhere. A failing queue or storage answers 200 "degraded": every node shares them, so
    taking the nodes out would stop the panic button too, which records alerts without either (the fan-out
    catches up when the queue is back, an upload says to try again); the body and /metrics say what is wrong."""
    checks = {"database": _check(_database), "queue": _check(_queue), "storage": _check(_storage),
              "warm": "ok" if WARM.is_set() else "loading"}
    ready = all(checks[name] == "ok" for name in ESSENTIAL)
    status = ("ready" if all(v == "ok" for v in checks.values()) else "degraded") if ready else "not ready"
    response = JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    return response


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        local = False
    return local and "HTTP_X_FORWARDED_FOR" not in request.META


@require_GET
def prometheus(request: HttpRequest) -> HttpResponse:
    """GET /metrics for Prometheus (METRICS_TOKEN; see docs/operations.md)."""
    if not _may_scrape(request):
        return HttpResponse("metrics need the bearer token (METRICS_TOKEN)\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


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
