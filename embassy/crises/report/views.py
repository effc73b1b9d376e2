"""The crisis's final report (HTML, printable, and PDF), its CAP alerts and raising the advisory level.

Every staff member who sees the crisis reads the report (it holds counts, not people). Publishing an alert and
raising the level are POSTs that redirect back to the crisis room with a message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import console_zone
from embassy.advisories.levels import Level
from embassy.common.decorators import staff_required
from embassy.common.errors import DomainError
from embassy.crises import cap
from embassy.crises.report.data import answers_chart, crisis_report_data, crisis_report_pdf
from embassy.crises.selectors import crisis_get_for


def _back(crisis_id: int) -> HttpResponse:
    return redirect(reverse("console:crisis", args=[crisis_id]))


@staff_required
@require_GET
def crisis_report(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = crisis_get_for(user=request.user, crisis_id=crisis_id)
    report = crisis_report_data(crisis)
    return render(request, "crises/console/report.html", {
        "crisis": crisis, "report": report, "chart": answers_chart(report["over_time"]),
        "can_publish": cap.may_publish_cap(request.user, crisis), "can_raise": cap.may_raise_level(request.user),
        "levels": [(value, label) for value, label in Level.choices if value > Level.NORMAL],
        "tz": console_zone(request),
    })


@staff_required
@require_GET
def crisis_report_pdf_view(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = crisis_get_for(user=request.user, crisis_id=crisis_id)
    with timezone.override(console_zone(request)):  # the PDF's times in the officer's mission's zone
        pdf = crisis_report_pdf(crisis, language=getattr(request, "LANGUAGE_CODE", None))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="crisis-{crisis.pk}-report.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@staff_required
@require_POST
def crisis_cap(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = crisis_get_for(user=request.user, crisis_id=crisis_id)
    try:
        event = cap.crisis_cap_publish(actor=request.user, crisis=crisis)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        url = reverse("console:crisis-cap-xml", args=[crisis.pk, event.pk])
        messages.success(request, format_html('{} <a href="{}">{}</a>', _("CAP alert published: %(id)s.") % {
            "id": event.data["identifier"]}, url, _("Open the XML")))
    return _back(crisis.pk)


def _cap_response(xml: str, *, public: bool) -> HttpResponse:
    response = HttpResponse(xml.encode(), content_type=cap.CAP_TYPE)
    if public:
        patch_cache_control(response, public=True, max_age=3600)  # a published alert never changes
    else:
        patch_cache_control(response, private=True)
    return response


@staff_required
@require_GET
def crisis_cap_xml(request: AuthedRequest, crisis_id: int, event_id: int) -> HttpResponse:
    crisis = crisis_get_for(user=request.user, crisis_id=crisis_id)
    event = cap.crisis_cap_for(crisis=crisis, event_id=event_id)
    return _cap_response(event.data["xml"], public=False)


@require_GET
def crisis_cap_public(request: HttpRequest, identifier: str) -> HttpResponse:
    event = cap.crisis_cap_public(identifier=identifier)
    return _cap_response(event.data["xml"], public=True)


@staff_required
@require_POST
def crisis_raise_level(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    crisis = crisis_get_for(user=request.user, crisis_id=crisis_id)
    try:
        version = cap.crisis_raise_level(actor=request.user, crisis=crisis, level=request.POST.get("level", ""),
                                            country=request.POST.get("country", "") or None)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        url = reverse("console:advisory-version", args=[version.pk])
        messages.success(request, format_html('{} <a href="{}">{}</a>', _(
            "Advisory for %(country)s: level %(level)d sent for review. Another editor publishes it.") % {
            "country": version.country_id, "level": version.level}, url, _("Open the version")))
    return _back(crisis.pk)
