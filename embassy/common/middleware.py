from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from embassy.common.context import RequestInfo, current_request
from embassy.common.errors import DomainError
from embassy.common.inputs import INT64_MAX, INT64_MIN

security_log = logging.getLogger("django.security.DisallowedHost")


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
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"message": exception.message, "status": exception.status},
                          status=exception.status)
        return None


def _refuse(request: HttpRequest, status: int, lazy: Promise, field: str = "body") -> HttpResponse:
    """The front door's answer: JSON for the API (the API's error body), a short page elsewhere, in the
    request's language (LocaleMiddleware has not run yet: without this the text would be in whatever language
    this thread served last)."""
    with translation.override(translation.get_language_from_request(request)):
        message = str(lazy)
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "bad_input", "errors": [{"field": field, "message": message}]},
            status=status)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def upload_limit(request: HttpRequest) -> int:
    """The largest body a request may declare: an upload (multipart) up to REQUEST_MAX_UPLOAD_BYTES, any other
    body up to DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if request.content_type == "multipart/form-data":
        return int(settings.REQUEST_MAX_UPLOAD_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) or int(settings.REQUEST_MAX_UPLOAD_BYTES)


class RequestGuardMiddleware:
    """The front door, before the SOS fast path and the page machinery: whatever a request carries, the
    answer is a clear 4xx, never a 500.

    - the Host header is checked against ALLOWED_HOSTS for every request (the fast path too);
    - a NUL character in the path or the query string is refused with 400;
    - a body declared larger than the limit is refused with 413 before it is read;
    - a form body (multipart or urlencoded POST) is parsed here, so that a malformed one (no boundary, too many
      fields) is refused with 400 before any view, sign-in backend or lockout handler reads request.POST;
    - a web view whose URL carries an integer beyond 64 bits answers 404 (no such record can exist)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost as exc:
            if not request.path_info.startswith("/api/"):
                raise  # Django's own 400 page, as on every other path
            security_log.error(str(exc), extra={"status_code": 400, "request": request})
            return _refuse(request, 400, _("This host name is not served here."), "host")
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            # a NUL in an address is never meant (and PostgreSQL cannot compare a text with one)
            return _refuse(request, 400, _("The address contains a character that is not allowed."), "query")
        refused = self._check_body(request)
        return refused or self.get_response(request)

    def _check_body(self, request: HttpRequest) -> HttpResponse | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(request, 400, _("The request's length is not a number."))
        if declared > upload_limit(request):
            return _refuse(request, 413, _("The request is too large."))
        if request.method != "POST" or request.content_type not in (
                "multipart/form-data", "application/x-www-form-urlencoded"):
            return None
        try:
            if declared <= int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
                request.body  # noqa: B018 - kept, so that a reader of the raw body still gets it after the form
            request.POST  # noqa: B018 - parsed now, so that every later reader gets a parsed form
            request.FILES  # noqa: B018
        except RequestDataTooBig:
            return _refuse(request, 413, _("The request is too large."))
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, UnreadablePostError):
            return _refuse(request, 400, _("The form data cannot be read. Send it again."))
        return None

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        for value in kwargs.values():
            if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
                raise Http404
