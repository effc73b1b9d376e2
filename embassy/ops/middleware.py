"""The first middleware: a request id for the request (and the tasks it enqueues), its time in the metrics, and
(with ACCESS_LOG) one access-log line with both. It runs before everything else, the fast path included, so that an SOS
answered there is counted and timed too."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from embassy.common import tracing
from embassy.ops import metrics

access_log = logging.getLogger("embassy.access")


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.access_log = settings.ACCESS_LOG

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = tracing.accept(request.META.get("HTTP_X_REQUEST_ID"))
        started = time.perf_counter()
        with tracing.bound(request_id):
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            metrics.observe(method=request.method or "", path=request.path_info, status=response.status_code,
                            seconds=seconds)
            if self.access_log:
                access_log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, seconds * 1000,
                                extra={"method": request.method, "path": request.path,
                                       "status": response.status_code, "ms": round(seconds * 1000, 1)})
        response["X-Request-ID"] = request_id
        return response
