"""The citizen's side: the panic button page and the case page (status, the mission's answers, details)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.models import User
from embassy.accounts.reach import mission_for_person
from embassy.citizens.models import Stay
from embassy.common.decorators import citizen_required
from embassy.common.errors import DomainError
from embassy.missions.contact import hotline_for
from embassy.missions.models import Mission
from embassy.notify.routing import inbound_number_for
from embassy.sos import present, selectors, services
from embassy.sos.models import Category, Event


def button_context(user: User) -> dict[str, object]:
    """What the SOS button needs on any citizen page: the open case, the hotline to call and the number for the
    SMS fallback (of the mission of the citizen's open case, else of their latest active stay, else the one for
    their phone's position or number, else headquarters)."""
    open_case = selectors.own_open_case(user=user)
    stay = (Stay.objects.select_related("mission").filter(citizen__user=user, status=Stay.Status.ACTIVE)
            .order_by("-start_date", "-id").first())
    if open_case:
        mission: Mission | None = open_case.mission
    elif stay:
        mission = stay.mission
    else:  # no stay yet: where the phone is, else its number's country (KBRI Kuala Lumpur for +60), else HQ
        citizen = getattr(user, "citizen", None)
        mission = mission_for_person(phone=user.phone or (citizen.phone if citizen else ""),
                                     lat=getattr(citizen, "last_lat", None), lon=getattr(citizen, "last_lon", None))
    call = hotline_for(mission) if mission else None
    hotline = call.number if call else ""
    # The SMS goes to the mission's number that lands in the duty queue (an SMS provider's inbound number,
    # sos.inbound) when it has one; else to the hotline, a person's handset, as before.
    inbound = inbound_number_for(mission.pk) if mission else ""
    return {"sos_open_case": open_case, "sos_mission": mission, "sos_hotline": hotline,
            "sos_hotline_fallback": bool(call and call.fallback), "sos_sms": inbound or hotline,
            "sos_sms_queue": bool(inbound)}


@citizen_required
def panic(request: AuthedRequest) -> HttpResponse:
    """GET: the big button. POST: the button without JavaScript (no position; the case page asks for it)."""
    if request.method == "POST":
        result = services.sos_raise(user=request.user, key=request.POST.get("key") or None)
        return redirect("sos:case", case_id=result.case.pk)
    return render(request, "sos/panic.html", button_context(request.user))


# The "I pressed by mistake" banner is shown on the case page opened this soon after the press (the page
# counts its 10 seconds down from when it appears); later the cancel button further down stays.
JUST_PRESSED = dt.timedelta(seconds=60)


def _case_context(request: AuthedRequest, case_id: int) -> dict[str, object]:
    case = selectors.own_case(user=request.user, case_id=case_id)
    events = list(selectors.timeline(case, public_only=True))
    return {"case": case, "events": events, "hotline": hotline_for(case.mission), "tz": present.citizen_timezone(case),
            "just_pressed": timezone.now() - case.raised_at < JUST_PRESSED,
            "categories": [c for c in Category.choices if c[0] and c[0] != Category.MESSAGE], "attachments": case.attachments.count(),
            "last_event": events[-1].pk if events else 0, "kinds": Event.Kind}


@citizen_required
@require_GET
def case(request: AuthedRequest, case_id: int) -> HttpResponse:
    return render(request, "sos/case.html", _case_context(request, case_id))


@citizen_required
@require_GET
def case_status(request: AuthedRequest, case_id: int) -> HttpResponse:
    """Polled every few seconds by the case page: 204 when nothing new, else the status block."""
    context = _case_context(request, case_id)
    if str(context["last_event"]) == request.GET.get("after", "") and request.GET.get("status") == \
            context["case"].status:  # type: ignore[attr-defined]  # the context dict holds the Case under "case"
        return HttpResponse(status=204)
    return render(request, "sos/case.html#status", context)


def _form_result(request: AuthedRequest, case_id: int, error: DomainError | None = None) -> HttpResponse:
    context = _case_context(request, case_id)
    context["error"] = error.message if error else ""
    if request.headers.get("HX-Request"):
        return render(request, "sos/case.html#status", context)
    if error is None:
        return redirect("sos:case", case_id=case_id)
    return render(request, "sos/case.html", context, status=400)


@citizen_required
@require_POST
def case_details(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = selectors.own_case(user=request.user, case_id=case_id)
    try:
        services.case_details_update(case=case, user=request.user, category=request.POST.get("category"),
                                     text=request.POST.get("text"))
        upload = request.FILES.get("file")
        if upload is not None:
            services.attachment_add(case=case, user=request.user, upload=upload)
    except DomainError as exc:
        return _form_result(request, case_id, exc)
    return _form_result(request, case_id)


@citizen_required
@require_POST
def case_message(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = selectors.own_case(user=request.user, case_id=case_id)
    try:
        services.case_message_from_citizen(case=case, user=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        return _form_result(request, case_id, exc)
    return _form_result(request, case_id)


@citizen_required
@require_POST
def case_cancel(request: AuthedRequest, case_id: int) -> HttpResponse:
    """ "I pressed by mistake": the case is closed as cancelled (nothing deleted; the mission sees it)."""
    services.case_cancel_by_citizen(case=selectors.own_case(user=request.user, case_id=case_id), user=request.user)
    return _form_result(request, case_id)
