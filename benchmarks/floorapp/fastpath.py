"""The floor endpoint, served on the fast path like the alert it is compared with (so the comparison is fair)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from benchmarks.floorapp.models import FloorProbe
from config.fastpath import ApiFastPathMiddleware, Handler
from embassy.common.fastpath import json_response
from embassy.sos.fastpath import as_bearer_user

PATH = "/api/v1/sos/floor"


def _store(request: HttpRequest, user: Any) -> HttpResponse:
    with transaction.atomic():
        probe = FloorProbe.objects.create(user_id=user.pk, at=timezone.now())
    return json_response(201, {"id": probe.pk})


def floor(request: HttpRequest) -> HttpResponse | None:
    return as_bearer_user(request, _store)


class FloorFastPathMiddleware(ApiFastPathMiddleware):
    """The product's fast path plus the floor endpoint."""

    routes: ClassVar[dict[str, Handler]] = {**ApiFastPathMiddleware.routes, PATH: floor}
