"""The roll-call for citizens: the question page behind the signed link (no sign-in) and the in-app answer.

The link in a message is /aman/<crisis>/<token>/ (the question) or .../selamat/ and .../bantuan/ (one-tap
answers). Opening an answer link shows the page with that answer's button, which the page's script submits
at once; a link previewer that only fetches the page records nothing (answers are POSTs)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import citizen_required
from embassy.common.errors import DomainError
from embassy.crises.answers import rollcall_answer_link, rollcall_answer_own
from embassy.crises.links import LinkRefused, link_check
from embassy.crises.models import Crisis

ANSWERS = {"selamat": "safe", "bantuan": "help"}


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "crises/answer.html", {"refused": LinkRefused(reason).message},
                  status=410 if reason in ("expired", "closed") else 403)


@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, crisis_id: int, token: str, choice: str = "") -> HttpResponse:
    try:
        _affected_id, who = link_check(token, crisis_id)
    except LinkRefused as refused:
        return _refused(request, refused.reason)
    crisis = Crisis.objects.filter(pk=crisis_id).only("title", "status").first()
    if crisis is None or crisis.status != Crisis.Status.ACTIVE:
        return _refused(request, "closed")
    context = {"crisis": crisis, "token": token, "choice": ANSWERS.get(choice, ""), "contact": who == "k"}
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        try:
            result = rollcall_answer_link(crisis_id=crisis_id, token=token, answer=answer,
                                          text=request.POST.get("text", "")[:500])
        except LinkRefused as refused:
            return _refused(request, refused.reason)
        except DomainError as error:
            context["error"] = str(error)
            return render(request, "crises/answer.html", context, status=400)
        context.update(done=result.answer, replay=not result.recorded, case_id=result.case_id)
    return render(request, "crises/answer.html", context)


@citizen_required
@require_POST
def answer_own(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    try:
        result = rollcall_answer_own(user=request.user, crisis_id=crisis_id, answer=request.POST.get("answer", ""))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("citizens:home")
    if result.answer == "help" and result.case_id:
        messages.warning(request, _("Your call for help has reached the mission. Keep your phone with you."))
        return redirect("sos:case", case_id=result.case_id)
    messages.success(request, _("Thank you. The mission knows you are safe."))
    return redirect("citizens:home")
