"""Shared API plumbing: authentication (bearer token or session) and JSON errors."""


import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from embassy.common.errors import DomainError

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer se_...`. Staff tokens are only issued after the second factor, so a staff
    user authenticated by token counts as verified."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from embassy.accounts.services import token_authenticate

        found = token_authenticate(token)
        if found is None:
            return None
        user = found.user
        user.is_verified = lambda: True  # type: ignore[attr-defined]
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]
        return user


# Bearer token (apps, scripts) or the web session cookie (with CSRF).
AUTH = [TokenAuth(), SessionAuth()]


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
        return api.create_response(request, error_body(str(exc), code="error"), status=exc.status_code)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unhandled API error on %s", request.path)
        return api.create_response(request, error_body("Internal error; it has been logged", code="internal"), status=500)
