"""The panic button from apps, served before the page machinery.

`POST /api/v1/sos/alerts` with a bearer token (and `POST /api/v1/rollcall/answer`, a roll-call answer through a
signed link, which a broadcast brings in by the thousand) is the request that must stay fast when thousands of
people press at once. This middleware sits right after Django's SecurityMiddleware and the request guard (so HTTPS
redirects, host validation against ALLOWED_HOSTS and the body limits still apply) and answers that request itself, skipping sessions, CSRF (bearer
requests are not CSRF-prone), messages, CSP and URL resolution — about half of a small request's cost.
It uses the same pieces as the documented API route (embassy.sos.api.alert_raise): the AlertIn schema,
token_authenticate, sos_raise and the same response and error bodies. Browser calls (session cookie)
and every other request take the normal path.

The benchmark's floor endpoint (DEBUG only) is served the same way so that the comparison is fair.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import ValidationError

from embassy.accounts.models import User
from embassy.common.api import error_body
from embassy.common.errors import DomainError
from embassy.common.inputs import BadBody, find_big_int, json_load, out_of_range_message

log = logging.getLogger(__name__)
ALERTS = "/api/v1/sos/alerts"
FLOOR = "/api/v1/sos/floor"
ROLLCALL_ANSWER = "/api/v1/rollcall/answer"
MAX_BODY = 64 * 1024


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(response.content))  # CommonMiddleware, which sets it, is skipped
    response["X-Content-Type-Options"] = "nosniff"
    return response


class SosFastPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path == ROLLCALL_ANSWER and request.method == "POST" and not request.META.get("HTTP_COOKIE"):
            return self.rollcall_answer(request)
        if (request.method != "POST" or path not in (ALERTS, FLOOR)
                or not request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")):
            return self.get_response(request)
        if path == FLOOR and not (settings.DEBUG or settings.SOS_FLOOR_ENDPOINT):
            return self.get_response(request)
        return self.handle(request, floor=path == FLOOR)

    def handle(self, request: HttpRequest, *, floor: bool) -> HttpResponse:
        from embassy.accounts.services import token_authenticate

        token = token_authenticate(request.META["HTTP_AUTHORIZATION"][7:].strip())
        if token is None:
            return _json(401, error_body("Authentication required", code="unauthenticated"))
        user = token.user
        with translation.override(user.language or translation.get_language_from_request(request)):
            try:
                if floor:
                    from embassy.sos.services import floor_probe_store

                    return _json(201, {"id": floor_probe_store(user=user)})
                return self._raise(request, user)
            except DomainError as exc:
                return _json(exc.status, error_body(exc.message, exc.field, exc.code))

    def rollcall_answer(self, request: HttpRequest) -> HttpResponse:
        """A crisis roll-call answer from an app or a script: the signed link is the credential (no cookies,
        so no CSRF concern). Same schema, service and bodies as embassy.crises.api.rollcall_link_answer."""
        from embassy.crises.answers import rollcall_answer_link
        from embassy.crises.links import LinkRefused
        from embassy.crises.schemas import LinkAnswerIn

        with translation.override(translation.get_language_from_request(request)):
            payload = self._payload(request, LinkAnswerIn)
            if isinstance(payload, HttpResponse):
                return payload
            try:
                result = rollcall_answer_link(crisis_id=payload.crisis, token=payload.token, answer=payload.answer,
                                              text=payload.text)
            except LinkRefused as refused:
                return _json(403, error_body(refused.message, "token", "permission_denied"))
            except DomainError as exc:
                return _json(exc.status, error_body(exc.message, exc.field, exc.code))
            return _json(200, {"answer": result.answer, "recorded": result.recorded, "case_id": result.case_id})

    def _payload(self, request: HttpRequest, schema: Any) -> Any:
        """The validated JSON body, or the error response: the API's limits and answers (413 too large, 400
        unreadable or too deeply nested, 422 a field out of range or invalid)."""
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:  # the guard middleware checked it is a number
            return _json(413, error_body(_("The request is too large."), field="body", code="bad_input"))
        try:
            raw = json_load(request.body or b"{}")
        except BadBody as exc:
            return _json(400, error_body(str(exc), field="body", code="bad_input"))
        where = find_big_int(raw)
        if where is not None:
            errors = [{"field": ".".join(str(p) for p in where) or "body", "message": out_of_range_message()}]
        else:
            try:
                return schema.model_validate(raw if isinstance(raw, dict) else {})
            except ValidationError as exc:
                errors = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
                          for e in exc.errors()]
        return _json(422, error_body(f"{errors[0]['field']}: {errors[0]['message']}", code="bad_input",
                                     errors=errors))

    def _raise(self, request: HttpRequest, user: User) -> HttpResponse:
        from embassy.sos.api import raised_body
        from embassy.sos.schemas import AlertIn
        from embassy.sos.services import sos_raise

        if getattr(user, "kind", "") != "citizen":
            return _json(403, error_body(_("Only citizens can use the panic button."), code="permission_denied"))
        payload = self._payload(request, AlertIn)
        if isinstance(payload, HttpResponse):
            return payload
        result = sos_raise(user=user, key=payload.idempotency_key, lat=payload.lat, lon=payload.lon,
                           accuracy=payload.accuracy, pressed_at=payload.pressed_at, category=payload.category,
                           text=payload.text)
        return _json(201 if result.created else 200, raised_body(result))
