"""Shared API plumbing: JSON errors and input checks."""


import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from embassy.common.errors import DomainError
from embassy.common.inputs import JsonParser, bounded_ints

log = logging.getLogger(__name__)


def error_body(message: str, field: str | None = None, code: str = "invalid",
               errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "detail": message,
        "code": code,
        "errors": errors if errors is not None else ([{"field": field, "message": message}] if field else []),
    }


def _loc_to_field(loc: Any) -> str:
    parts = [str(p) for p in (loc or []) if p not in ("body", "query", "path", "form", "payload", "header", "cookie")]
    return ".".join(parts) or "body"


def install_input_checks(api: NinjaAPI) -> None:
    """Before any router is added: bodies parsed with a nesting limit, and every path, query and body integer
    bounded to 64 bits (embassy.common.inputs) — one mechanism for every endpoint."""
    api.parser = JsonParser()
    api.add_decorator(bounded_ints)


def is_outage(exc: BaseException | None) -> bool:
    """The database is away for a moment (a restart, a fail-over): answered 503 with Retry-After
    (embassy.common.outage), not 500."""
    return isinstance(exc, OperationalError | InterfaceError)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, error_body(exc.message, exc.field, exc.code), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _loc_to_field(e.get("loc")), "message": str(e.get("msg", "invalid"))} for e in exc.errors]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return api.create_response(
            request, error_body(f"{first['field']}: {first['message']}", code="bad_input", errors=errors), status=422
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, error_body("Authentication required", code="unauthenticated"), status=401)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("Not found", code="not_found"), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # ninja's own: the body could not be parsed (embassy.common.inputs says why)
            message = str(exc.__cause__) if isinstance(exc.__cause__, ValueError) else str(exc)
            return api.create_response(request, error_body(message, "body", "bad_input"), status=400)
        return api.create_response(request, error_body(str(exc), code="error"), status=exc.status_code)

    @api.exception_handler(RawPostDataException)
    def form_not_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # a large form upload (streamed to files, its raw body gone) sent where a JSON body is expected
        return api.create_response(request, error_body(_("The body is not valid JSON."), "body", "bad_input"),
                                   status=400)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if is_outage(exc):  # to Django's error handler (config.urls handler500: embassy.common.outage), as pages
            raise exc
        log.exception("unhandled API error on %s", request.path)
        return api.create_response(request, error_body("Internal error; it has been logged", code="internal"), status=500)
