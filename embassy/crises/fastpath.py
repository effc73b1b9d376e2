"""A crisis roll-call answer on the fast path (config.fastpath): `POST /api/v1/rollcall/answer` from an app or a
script, which a broadcast brings in by the thousand. The signed link is the credential (no cookies, so no CSRF
concern); a request with cookies takes the normal path. Same schema, service and bodies as the documented route
(embassy.crises.api.rollcall_link_answer)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from embassy.common.api import error_body
from embassy.common.errors import DomainError
from embassy.common.fastpath import domain_error_response, json_response, validated_body
from embassy.crises.answers import rollcall_answer_link
from embassy.crises.links import LinkRefused
from embassy.crises.schemas import LinkAnswerIn

PATH = "/api/v1/rollcall/answer"


def rollcall_answer(request: HttpRequest) -> HttpResponse | None:
    if request.META.get("HTTP_COOKIE"):
        return None
    with translation.override(translation.get_language_from_request(request)):
        payload = validated_body(request, LinkAnswerIn)
        if isinstance(payload, HttpResponse):
            return payload
        try:
            result = rollcall_answer_link(crisis_id=payload.crisis, token=payload.token, answer=payload.answer,
                                          text=payload.text)
        except LinkRefused as refused:
            return json_response(403, error_body(refused.message, "token", "forbidden"))
        except DomainError as exc:
            return domain_error_response(exc)
        return json_response(200, {"answer": result.answer, "recorded": result.recorded, "case_id": result.case_id})
