"""What every fast-path handler shares (see config.fastpath and the fast-path ADR in docs/adr/): the JSON
answer with the headers the skipped middleware would have set, and the body checks with the documented API's
limits and error bodies (413 too large, 400 unreadable or too deeply nested, 422 a field out of range or
invalid)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError

from embassy.common.api import error_body
from embassy.common.errors import DomainError
from embassy.common.inputs import BadBody, find_big_int, json_load, out_of_range_message

MAX_BODY = 64 * 1024
Schema = TypeVar("Schema", bound=BaseModel)


def json_response(status: int, body: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(response.content))  # CommonMiddleware, which sets it, is skipped
    response["X-Content-Type-Options"] = "nosniff"
    return response


def domain_error_response(exc: DomainError) -> HttpResponse:
    """A service's refusal, with the body and status the API's exception handler gives it."""
    return json_response(exc.status, error_body(exc.message, exc.field, exc.code))


def bearer_key(request: HttpRequest) -> str | None:
    """The key of an `Authorization: Bearer …` header, or None when the request carries none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def validated_body(request: HttpRequest, schema: type[Schema]) -> Schema | HttpResponse:
    """The validated JSON body, or the error response the documented route would give."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:  # the guard middleware checked it is a number
        return json_response(413, error_body(_("The request is too large."), field="body", code="bad_input"))
    try:
        raw = json_load(request.body or b"{}")
    except BadBody as exc:
        return json_response(400, error_body(str(exc), field="body", code="bad_input"))
    where = find_big_int(raw)
    if where is not None:
        errors = [{"field": ".".join(str(p) for p in where) or "body", "message": out_of_range_message()}]
    else:
        try:
            return schema.model_validate(raw if isinstance(raw, dict) else {})
        except ValidationError as exc:
            errors = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
                      for e in exc.errors()]
    return json_response(422, error_body(f"{errors[0]['field']}: {errors[0]['message']}", code="bad_input",
                                         errors=errors))
