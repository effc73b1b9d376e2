from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db = "ok"
    except Exception:
        db = "error"
    from embassy.common.warmup import WARM

    return JsonResponse({"status": "ok" if db == "ok" else "degraded", "database": db, "warm": WARM.is_set()},
                        status=200 if db == "ok" else 503)


def favicon(request: HttpRequest) -> HttpResponse:
    # resolved per request: with the manifest storage the hashed name exists only after collectstatic
    return redirect(static("img/favicon.svg"), permanent=True)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"message": str(exception or "")}, status=403)
