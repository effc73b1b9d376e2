"""The protection duty officer's distress triage queue in the console: the live list, one post, and the three
decisions (open a case, not a case, reply). Thin: selectors and services in embassy.listening.triage."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.common.decorators import staff_required
from embassy.common.errors import DomainError
from embassy.listening import triage as tr
from embassy.listening.models import Triage

POLL_SECONDS = 2  # a new post shows within 5 s of being queued (issue 15): two polls and a render


def _row(row: Triage) -> dict[str, Any]:
    heard = row.heard
    return {"triage": row, "heard": heard, "text": tr.highlight(heard.text, heard.distress_cues or []),
            "category": tr.category_label(row.category or heard.distress_category),
            "source": tr.source_label(heard.mission_source), "platform": tr.platform_label(heard.platform)}


def _queue_context(request: AuthedRequest) -> dict[str, Any]:
    status = request.GET.get("status", Triage.Status.NEW)
    status = status if status in Triage.Status.values else Triage.Status.NEW
    rows = tr.triage_list_for(user=request.user, status=status)
    return {"rows": [_row(r) for r in rows], "status": status, "statuses": Triage.Status.choices,
            "cursor": tr.triage_cursor_for(user=request.user), "poll": POLL_SECONDS,
            "many_missions": len({r.mission_id for r in rows}) > 1 or tr.triage_scope(request.user).all}


@staff_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    return render(request, "listening/triage.html", _queue_context(request))


@staff_required
@require_GET
def queue_live(request: AuthedRequest) -> HttpResponse:
    """Polled every POLL_SECONDS: 204 while nothing changed, else the fresh list (audited as a list read)."""
    if tr.triage_cursor_for(user=request.user) == request.GET.get("cursor"):
        return HttpResponse(status=204)
    return render(request, "listening/triage.html#queue", _queue_context(request))


def _post_context(request: AuthedRequest, triage: Triage, error: str = "") -> dict[str, Any]:
    account = tr.reply_account(triage)
    return {**_row(triage), "account": account,
            "error": error, "max_reply": tr.MAX_REPLY}


@staff_required
@require_GET
def post(request: AuthedRequest, triage_id: int) -> HttpResponse:
    triage = tr.triage_get_for(user=request.user, triage_id=triage_id)
    return render(request, "listening/triage_post.html", _post_context(request, triage))


@staff_required
@require_POST
def open_case(request: AuthedRequest, triage_id: int) -> HttpResponse:
    """One click: the case (new or the one already opened) opens in the SOS console."""
    triage = tr.triage_get_for(user=request.user, triage_id=triage_id, audit=False)
    case = tr.triage_open_case(actor=request.user, triage=triage)
    return redirect("console:sos-case", case_id=case.pk)


@staff_required
@require_POST
def dismiss(request: AuthedRequest, triage_id: int) -> HttpResponse:
    triage = tr.triage_get_for(user=request.user, triage_id=triage_id, audit=False)
    try:
        tr.triage_dismiss(actor=request.user, triage=triage, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:listening-triage-post", triage_id=triage_id)
    messages.success(request, _("Marked as not a case."))
    return redirect("console:listening-triage")


@staff_required
@require_POST
def reply(request: AuthedRequest, triage_id: int) -> HttpResponse:
    """The reply goes to publishing's approval flow; a refusal (no account there, empty text) shows on the post's
    page with the text kept."""
    triage = tr.triage_get_for(user=request.user, triage_id=triage_id, audit=False)
    try:
        tr.triage_reply(actor=request.user, triage=triage, text=request.POST.get("text", ""))
    except DomainError as exc:
        context = _post_context(request, triage, exc.message)
        context["reply_text"] = request.POST.get("text", "")
        return render(request, "listening/triage_post.html", context, status=exc.status)
    messages.success(request, _("The reply was sent for approval."))
    return redirect("console:listening-triage-post", triage_id=triage_id)
