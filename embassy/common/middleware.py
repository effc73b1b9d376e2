from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from embassy.common.context import RequestInfo, current_request


def client_ip(request: HttpRequest) -> str:
    """The client address. Behind the reverse proxy, uvicorn's --proxy-headers sets REMOTE_ADDR."""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        info = RequestInfo(
            ip=client_ip(request),
            user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:300],
            path=request.path[:300],
        )
        token = current_request.set(info)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response


class DomainErrorMiddleware:
    """Turns a DomainError escaping a web view into a readable page with the right status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from embassy.common.errors import DomainError

        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"message": exception.message, "status": exception.status},
                          status=exception.status)
        return None
