"""The panic button from apps on the fast path (config.fastpath): `POST /api/v1/sos/alerts` with a bearer
token. Same pieces as the documented route (embassy.sos.api.alert_raise): the AlertIn schema,
token_authenticate, sos_raise and the same response and error bodies."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.accounts.services import token_authenticate
from embassy.common.api import error_body
from embassy.common.errors import DomainError
from embassy.common.fastpath import bearer_key, domain_error_response, json_response, validated_body
from embassy.sos.api import raised_body
from embassy.sos.schemas import AlertIn
from embassy.sos.services import sos_raise

PATH = "/api/v1/sos/alerts"


def as_bearer_user(request: HttpRequest, serve: Callable[[HttpRequest, User], HttpResponse]) -> HttpResponse | None:
    """`serve(request, user)` for the user of the request's bearer token, in that user's language; 401 for an
    unknown token; None (the normal path) without a bearer token, e.g. a browser's session call."""
    key = bearer_key(request)
    if key is None:
        return None
    token = token_authenticate(key)
    if token is None:
        return json_response(401, error_body("Authentication required", code="unauthenticated"))
    user = token.user
    with translation.override(user.language or translation.get_language_from_request(request)):
        try:
            return serve(request, user)
        except DomainError as exc:
            return domain_error_response(exc)


def alert_raise(request: HttpRequest) -> HttpResponse | None:
    return as_bearer_user(request, _raise)


def _raise(request: HttpRequest, user: User) -> HttpResponse:
    if getattr(user, "kind", "") != "citizen":
        return json_response(403, error_body(_("Only citizens can use the panic button."), code="forbidden"))
    payload = validated_body(request, AlertIn)
    if isinstance(payload, HttpResponse):
        return payload
    result = sos_raise(user=user, key=payload.idempotency_key, lat=payload.lat, lon=payload.lon,
                       accuracy=payload.accuracy, pressed_at=payload.pressed_at, category=payload.category,
                       text=payload.text)
    return json_response(201 if result.created else 200, raised_body(result))
