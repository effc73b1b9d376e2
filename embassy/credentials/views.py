"""Pages of signed documents: the public verification page and key list, the holder's card (large QR, what it
shows, PDF), and the console where a mission's consular staff issue, list and revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.citizens.selectors import citizen_list_for
from embassy.common.decorators import citizen_required, staff_required
from embassy.common.errors import BadInput, DomainError, PermissionDenied
from embassy.credentials import selectors, services
from embassy.credentials.kinds import KINDS, WORKER_CARD
from embassy.credentials.pdf import credential_pdf, printed_fields
from embassy.credentials.qr import qr_content, qr_svg
from embassy.credentials.verify import credential_verify
from embassy.missions.models import Mission


# --- Public -----------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """POST (the page's form, filled by hand or from the address's #fragment by verify.js) or GET ?qr=."""
    text = request.POST.get("qr", "") if request.method == "POST" else request.GET.get("qr", "")
    verdict = credential_verify(text=text, user=request.user) if text.strip() else None
    return render(request, "credentials/verify.html", {"verdict": verdict, "qr": text})


def keys_page(request: HttpRequest) -> HttpResponse:
    return render(request, "credentials/keys.html", {"keys": selectors.published_keys()})


# --- Holder -----------------------------------------------------------------------------------------------------
@citizen_required
def my_cards(request: AuthedRequest) -> HttpResponse:
    cards = [(c, selectors.credential_status(c)) for c in selectors.own_credentials(user=request.user)]
    return render(request, "credentials/mine.html", {"cards": cards})


@citizen_required
def my_card(request: AuthedRequest, serial: str) -> HttpResponse:
    credential = selectors.own_credential_get(user=request.user, serial=serial)
    return render(request, "credentials/card.html", _card_context(credential))


@citizen_required
@require_POST
def my_card_consent(request: AuthedRequest, serial: str) -> HttpResponse:
    credential = selectors.own_credential_get(user=request.user, serial=serial)
    try:
        services.credential_consent_set(
            credential=credential, actor=request.user, consented=request.POST.getlist("show")
        )
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Saved. Your QR code now shows what you chose."))
    return redirect("credentials:card", serial=serial)


@citizen_required
def my_card_pdf(request: AuthedRequest, serial: str) -> HttpResponse:
    return _pdf(selectors.own_credential_get(user=request.user, serial=serial))


def _pdf(credential: Any) -> HttpResponse:
    response = HttpResponse(credential_pdf(credential), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{credential.serial}.pdf"'
    return response


def _card_context(credential: Any) -> dict[str, Any]:
    content = qr_content(credential)
    spec = credential.spec
    return {
        "c": credential,
        "status": selectors.credential_status(credential),
        "qr_svg": qr_svg(content),
        "qr": content,
        "printed": printed_fields(credential),
        "choosable": [
            (f.key, f.label, f.key in credential.consented)
            for f in spec.consentable
            if f.key in credential.fields
        ],
    }


# --- Console ----------------------------------------------------------------------------------------------------
def _managed(request: AuthedRequest) -> list[Mission]:
    missions = list(selectors.missions_managed_by(user=request.user))
    if not missions:
        raise PermissionDenied(
            _("Documents are issued by consular officers, heads of mission and headquarters' administrators.")
        )
    return missions


@staff_required
def console_index(request: AuthedRequest) -> HttpResponse:
    missions = _managed(request)
    if len(missions) == 1:
        return redirect("console:credentials-mission", code=missions[0].code)
    return render(request, "credentials/console_index.html", {"missions": missions})


@staff_required
def console_mission(request: AuthedRequest, code: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    q, who = request.GET.get("q", ""), request.GET.get("warga", "").strip()
    credentials = [
        (c, selectors.credential_status(c))
        for c in selectors.mission_credentials(user=request.user, mission=mission, q=q)[:100]
    ]
    found = list(citizen_list_for(user=request.user, mission_id=mission.pk, q=who)[:20]) if who else None
    return render(
        request,
        "credentials/console_mission.html",
        {"mission": mission, "credentials": credentials, "q": q, "who": who, "found": found},
    )


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(_("Give a date like 2026-12-31."), field=field) from None


@staff_required
@require_http_methods(["GET", "POST"])
def console_issue(request: AuthedRequest, code: str, citizen_id: int) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    citizen = selectors.issuable_citizen_get(user=request.user, mission=mission, citizen_id=citizen_id)
    stay = selectors.work_stay_of(citizen=citizen, mission=mission)
    p = request.POST
    error = None
    if request.method == "POST":
        try:
            credential = services.worker_card_issue(
                actor=request.user,
                mission=mission,
                citizen=citizen,
                employer=p.get("employer", ""),
                job=p.get("job", ""),
                contract_start=_date(p.get("contract_start", ""), "contract_start"),
                contract_end=_date(p.get("contract_end", ""), "contract_end"),
                expires_on=_date(p.get("expires_on", ""), "expires_on"),
                consented=p.getlist("show"),
                nik=p.get("nik", ""),
                passport=p.get("passport", ""),
            )
        except BadInput as exc:
            error = exc
        else:
            flash.success(request, _("Worker card %(serial)s issued.") % {"serial": credential.serial})
            return redirect("console:credentials-detail", code=mission.code, serial=credential.serial)
    initial = {
        "employer": stay.employer if stay else "",
        "job": stay.occupation if stay else "",
        "contract_start": stay.start_date.isoformat() if stay else "",
        "contract_end": stay.end_date.isoformat() if stay and stay.end_date else "",
        "expires_on": stay.end_date.isoformat() if stay and stay.end_date else "",
    }
    form = {k: p.get(k, v) for k, v in initial.items()} if request.method == "POST" else initial
    spec = KINDS[WORKER_CARD]
    return render(
        request,
        "credentials/console_issue.html",
        {
            "mission": mission,
            "citizen": citizen,
            "form": form,
            "error": error,
            "status": 422 if error else 200,
            "choosable": [(f.key, f.label, f.key in p.getlist("show")) for f in spec.consentable],
        },
        status=422 if error else 200,
    )


@staff_required
def console_detail(request: AuthedRequest, code: str, serial: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    credential = selectors.staff_credential_get(user=request.user, mission=mission, serial=serial)
    full = [(str(f.label), credential.fields.get(f.key, "")) for f in credential.spec.fields]
    return render(
        request,
        "credentials/console_detail.html",
        {**_card_context(credential), "mission": mission, "full": full},
    )


@staff_required
@require_POST
def console_revoke(request: AuthedRequest, code: str, serial: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    credential = selectors.staff_credential_get(user=request.user, mission=mission, serial=serial)
    try:
        services.credential_revoke(
            credential=credential, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Document %(serial)s revoked.") % {"serial": serial})
    return redirect("console:credentials-detail", code=mission.code, serial=serial)


@staff_required
def console_pdf(request: AuthedRequest, code: str, serial: str) -> HttpResponse:
    mission = selectors.managed_mission_get(user=request.user, code=code)
    return _pdf(selectors.staff_credential_get(user=request.user, mission=mission, serial=serial))
