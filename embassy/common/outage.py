"""A dependency every request needs (the database) is away for a moment — a restart, a fail-over: answer 503 with
Retry-After at once, instead of a 500 or a hang, so that phones and the proxy try again. One place decides what is
an outage (embassy.common.api.is_outage); the API's error handler passes an outage on to Django's, whose
handler500 (config.urls) answers here for pages and API alike."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from embassy.common.api import error_body
from embassy.common.fastpath import json_response

log = logging.getLogger("embassy.outage")
RETRY_AFTER = "5"


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    wants_json = request.path.startswith(("/api/", "/hooks/")) or "json" in request.headers.get("Accept", "")
    if wants_json:
        response = json_response(503, error_body(_("The service is briefly unavailable; try again in a few seconds."),
                                                 code="unavailable"))
    else:
        response = render(request, "503.html", status=503)
    response["Retry-After"] = RETRY_AFTER
    return response
