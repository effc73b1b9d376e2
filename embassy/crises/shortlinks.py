"""/a/<code>: the roll-call question behind the short signed link an SMS carries (embassy.common.shortlinks).

The code names the person's row (and whether their emergency contact answers); the crisis is that row's.
Everything else is the long link's page, answers and refusals (crises.views.answer_link): the same replay
rule, expiry and "closed" answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from embassy.crises.links import LinkRefused, short_check
from embassy.crises.views import answer_link


@require_http_methods(["GET", "POST"])
def answer_short(request: HttpRequest, code: str) -> HttpResponse:
    try:
        _affected_id, _who, crisis_id = short_check(code)
    except LinkRefused as refused:
        return render(request, "crises/answer.html", {"refused": refused.message},
                      status=410 if refused.reason in ("expired", "closed") else 403)
    return answer_link(request, crisis_id=crisis_id, token=code)
