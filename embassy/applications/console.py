"""The officer's pages: the work queue of a mission (lateness in words and colour), one application (audited)
with its documents (download audited), the status buttons and the payment form, the daily cash report per
counter (page and CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.applications import selectors, services
from embassy.applications.models import Payment, Status
from embassy.applications.questions import answer_rows, is_splp
from embassy.applications.services.uploads import documents_of, open_document
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, DomainError, PermissionDenied
from embassy.common.spreadsheet import csv_lines

PAGE = 50
SPLP_DAYS = 30  # the expiry the SPLP form proposes; the officer changes it


def _mission(request: AuthedRequest, code: str) -> Any:
    return selectors.queue_mission_get(user=request.user, code=code)


@staff_required
@require_GET
def queue_index(request: AuthedRequest) -> HttpResponse:
    missions = list(selectors.queue_missions(user=request.user))
    if not missions:
        raise PermissionDenied(
            _(
                "Applications are handled by consular officers, heads of mission and "
                "headquarters' administrators."
            )
        )
    if len(missions) == 1:
        return redirect("console:applications-queue", code=missions[0].code)
    return render(request, "applications/console_index.html", {"missions": missions})


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


@staff_required
@require_GET
def queue_page(request: AuthedRequest, code: str) -> HttpResponse:
    mission = _mission(request, code)
    status = request.GET.get("status", "open")
    status = status if status in selectors.STATUS_FILTERS else "open"
    lateness = request.GET.get("lateness", "")
    service_id = _int_or_none(request.GET.get("service", ""))
    today = selectors.mission_today(mission)
    qs = selectors.queue_for(
        user=request.user,
        mission=mission,
        status=status,
        service_id=service_id,
        lateness=lateness,
        today=today,
    )
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/console_queue.html",
        {
            "mission": mission,
            "page": page,
            "rows": [(a, selectors.sla(a, today)) for a in page.object_list],
            "status": status,
            "lateness": lateness,
            "service_id": service_id,
            "today": today,
            "statuses": [("open", _("Open work")), *Status.choices, ("all", _("All"))],
            "services": selectors.services_in_queue(mission=mission),
            "counts": selectors.lateness_counts(mission_id=mission.pk, today=today),
        },
    )


@staff_required
@require_GET
def detail_page(request: AuthedRequest, code: str, reference: str) -> HttpResponse:
    mission = _mission(request, code)
    application = selectors.application_get_for(user=request.user, mission=mission, reference=reference)
    today = selectors.mission_today(mission)
    labels = {d.key: d.label_id for d in documents_of(application.service)}
    return render(
        request,
        "applications/console_detail.html",
        {
            "mission": mission,
            "application": application,
            "sla": selectors.sla(application, today),
            "answers": answer_rows(code=application.service.code, answers=application.answers),
            "documents": [(d, labels.get(d.key, d.label)) for d in application.documents.all()],
            "next": [(s, Status(s).label) for s in services.transitions_from(application.status)],
            "counters": selectors.counters_of(mission=mission),
            "methods": Payment.Method.choices,
            "tz": mission.timezone,
            "splp": is_splp(code=application.service.code, answers=application.answers),
            "splp_expires": today + dt.timedelta(days=SPLP_DAYS),
        },
    )


@staff_required
@require_POST
def advance(request: AuthedRequest, code: str, reference: str) -> HttpResponse:
    mission = _mission(request, code)
    application = selectors.application_get_for(user=request.user, mission=mission, reference=reference)
    to = request.POST.get("to", "")
    try:
        services.application_advance(
            actor=request.user, application=application, to=to, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Status changed: %(status)s.") % {"status": Status(to).label})
    return redirect("console:applications-detail", code=mission.code, reference=reference)


@staff_required
@require_POST
def payment_add(request: AuthedRequest, code: str, reference: str) -> HttpResponse:
    mission = _mission(request, code)
    application = selectors.application_get_for(user=request.user, mission=mission, reference=reference)
    p = request.POST
    try:
        counter_id = _int_or_none(p.get("counter", ""))
        if counter_id is None:
            raise BadInput(_("Choose one of the mission's counters."), field="counter")
        services.payment_record(
            actor=request.user,
            application=application,
            counter_id=counter_id,
            amount=p.get("amount", ""),
            currency=p.get("currency", ""),
            method=p.get("method", ""),
            receipt_number=p.get("receipt_number", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Payment recorded."))
    return redirect("console:applications-detail", code=mission.code, reference=reference)


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(_("Write the date as year-month-day, e.g. 2026-12-31."), field=field) from None


@staff_required
@require_POST
def splp_issue(request: AuthedRequest, code: str, reference: str) -> HttpResponse:
    mission = _mission(request, code)
    application = selectors.application_get_for(user=request.user, mission=mission, reference=reference)
    p = request.POST
    try:
        birth = p.get("birth_date", "").strip()
        services.application_splp_issue(
            actor=request.user,
            application=application,
            birth_date=_date(birth, "birth_date") if birth else None,
            birth_place=p.get("birth_place", ""),
            expires_on=_date(p.get("expires_on", ""), "expires_on"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("SPLP issued: print it and give it to the holder."))
    return redirect("console:applications-detail", code=mission.code, reference=reference)


@staff_required
@require_GET
def document_download(request: AuthedRequest, code: str, reference: str, document_id: int) -> FileResponse:
    mission = _mission(request, code)
    document = selectors.document_get_for(
        user=request.user, mission=mission, reference=reference, document_id=document_id
    )
    ext = document.path.rsplit(".", 1)[-1]
    response = FileResponse(open_document(document.path), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{reference}-{document.key}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _day(request: AuthedRequest, mission: Any) -> dt.date:
    raw = request.GET.get("day", "").strip()
    if not raw:
        return selectors.mission_today(mission)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadInput(_("Write the day as year-month-day, e.g. 2026-12-31."), field="day") from None


def _report(request: AuthedRequest, code: str) -> selectors.CashReport:
    mission = _mission(request, code)
    return selectors.cash_report(
        user=request.user,
        mission=mission,
        day=_day(request, mission),
        counter_id=_int_or_none(request.GET.get("counter", "")),
    )


@staff_required
@require_GET
def cash_page(request: AuthedRequest, code: str) -> HttpResponse:
    report = _report(request, code)
    return render(
        request,
        "applications/console_cash.html",
        {
            "report": report,
            "mission": report.mission,
            "counters": selectors.counters_of(mission=report.mission),
            "previous": report.day - dt.timedelta(days=1),
            "following": report.day + dt.timedelta(days=1),
        },
    )


@staff_required
@require_GET
def cash_csv(request: AuthedRequest, code: str) -> StreamingHttpResponse:
    report = _report(request, code)
    zone = report.zone
    rows: list[list[Any]] = [
        [
            p.received_at.astimezone(dt.UTC).isoformat(),
            p.counter.name,
            p.application.reference,
            p.receipt_number,
            p.get_method_display(),
            p.currency,
            f"{p.amount:.2f}",
            p.received_by.get_username(),
        ]
        for p in report.payments
    ]
    rows.append([])
    rows += [
        [
            _("Total"),
            line.counter,
            "",
            "",
            line.method_label,
            line.currency,
            f"{line.total:.2f}",
            str(line.count),
        ]
        for line in report.lines
    ]
    rows += [
        [_("Total"), "", "", "", "", currency, f"{total:.2f}", str(n)]
        for currency, n, total in report.by_currency
    ]
    header = [
        _("Received (UTC)"),
        _("Counter"),
        _("Application"),
        _("Receipt"),
        _("Method"),
        _("Currency"),
        _("Amount"),
        _("Received by"),
    ]
    response = StreamingHttpResponse(
        csv_lines(header, rows, bom=True), content_type="text/csv; charset=utf-8"
    )
    counter = f"-{report.counter.name}" if report.counter is not None else ""
    name = f"kas-{report.mission.code}{counter}-{report.day.isoformat()}.csv".replace(" ", "_")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Zone"] = zone
    return response
