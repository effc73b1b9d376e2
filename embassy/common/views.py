from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from embassy.common.api import is_outage
from embassy.common.outage import outage_response


def favicon(request: HttpRequest) -> HttpResponse:
    # resolved per request: with the manifest storage the hashed name exists only after collectstatic
    return redirect(static("img/favicon.svg"), permanent=True)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]  # Django calls this inside its `except`: the error being handled
    if is_outage(exc):
        assert exc is not None
        return outage_response(request, exc)
    return render(request, "500.html", status=500)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"message": str(exception or "")}, status=403)
