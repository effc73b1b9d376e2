"""Pages of the queue: the kiosk (public, for a tablet at the door), the ticket holder's phone page, the call-up
display for a TV (public: numbers and counters only) and the clerk's screen in the console."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.models import User
from embassy.common.console import Action, console_action
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, DomainError, PermissionDenied
from embassy.common.middleware import client_ip
from embassy.counter import selectors, services
from embassy.counter.models import Ticket

KIOSK_PERMISSIONS = "geolocation=(), camera=(self), microphone=()"  # the kiosk reads QR codes with the camera


def _priority_choices() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in Ticket.Priority.choices if v]


def _kiosk_page(request: HttpRequest, code: str, *, error: DomainError | None = None) -> HttpResponse:
    mission = selectors.kiosk_mission_get(code=code)
    response = render(
        request,
        "counter/kiosk.html",
        {
            "mission": mission,
            "services": selectors.kiosk_services(mission=mission),
            "priorities": _priority_choices(),
            "error": error,
            "posted": request.POST if error else {},
        },
        status=error.status if error else 200,
    )
    response.headers["Permissions-Policy"] = KIOSK_PERMISSIONS
    return response


@require_GET
def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    return _kiosk_page(request, code)


def _service_id(value: str) -> int:
    if not value.isdigit():
        raise BadInput(_("Choose the service you came for."), field="service")
    return int(value)


@require_POST
def kiosk_check_in(request: HttpRequest, code: str) -> HttpResponse:
    mission = selectors.kiosk_mission_get(code=code)
    try:
        services.kiosk_limit_check(ip=client_ip(request))
        ticket = services.ticket_check_in(
            mission=mission,
            reference=request.POST.get("reference", ""),
            priority=request.POST.get("priority", ""),
        )
    except DomainError as exc:
        return _kiosk_page(request, code, error=exc)
    return redirect("counter:kiosk-ticket", code=mission.code, token=ticket.token)


@require_POST
def kiosk_walk_in(request: HttpRequest, code: str) -> HttpResponse:
    mission = selectors.kiosk_mission_get(code=code)
    try:
        services.kiosk_limit_check(ip=client_ip(request))
        service = selectors.kiosk_service_get(
            mission=mission, service_id=_service_id(request.POST.get("service", ""))
        )
        ticket = services.ticket_walk_in(
            mission=mission, service=service, priority=request.POST.get("priority", "")
        )
    except DomainError as exc:
        return _kiosk_page(request, code, error=exc)
    return redirect("counter:kiosk-ticket", code=mission.code, token=ticket.token)


@require_GET
def kiosk_ticket(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The ticket just issued, big, with the QR code of the holder's phone page; back to the start by itself."""
    ticket = selectors.ticket_by_token(token=token)
    if ticket.mission.code != code:
        return redirect("counter:kiosk", code=ticket.mission.code)
    link = request.build_absolute_uri(reverse("counter:ticket", args=[ticket.token]))
    return render(
        request,
        "counter/kiosk_ticket.html",
        {
            "mission": ticket.mission,
            "view": selectors.ticket_view(ticket=ticket),
            "link": link,
            "qr_svg": segno.make(link, error="m").svg_inline(scale=5),
        },
    )


@require_GET
def ticket_page(request: HttpRequest, token: str) -> HttpResponse:
    """The holder's phone: position, estimate, and the counter to go to once called (refreshes itself)."""
    view = selectors.ticket_view(ticket=selectors.ticket_by_token(token=token))
    template = "counter/ticket.html#live" if request.headers.get("HX-Request") else "counter/ticket.html"
    return render(request, template, {"view": view, "mission": view.ticket.mission})


@require_GET
def display(request: HttpRequest, code: str) -> HttpResponse:
    mission = selectors.kiosk_mission_get(code=code)
    return render(
        request, "counter/display.html", {"mission": mission, "feed": selectors.display_feed(mission=mission)}
    )


# --- The clerk's screen -----------------------------------------------------------------------------------------
@staff_required
@require_GET
def clerk_index(request: AuthedRequest) -> HttpResponse:
    missions = list(selectors.clerk_missions(user=request.user))
    if not missions:
        raise PermissionDenied(_("The counters are worked by the consular staff of a mission."))
    if len(missions) == 1:
        return redirect("console:counter-clerk", code=missions[0].code)
    return render(request, "counter/clerk_index.html", {"missions": missions})


def _board_context(request: AuthedRequest, code: str) -> dict[str, Any]:
    mission = selectors.clerk_mission_get(user=request.user, code=code)
    chosen = request.GET.get("loket", "")
    counter = (
        selectors.clerk_counter_get(mission=mission, counter_id=int(chosen)) if chosen.isdigit() else None
    )
    return {
        "board": selectors.clerk_board(mission=mission, counter=counter),
        "mission": mission,
        "priorities": _priority_choices(),
    }


@staff_required
@require_GET
def clerk(request: AuthedRequest, code: str) -> HttpResponse:
    context = _board_context(request, code)
    template = "counter/clerk.html#board" if request.headers.get("HX-Request") else "counter/clerk.html"
    return render(request, template, context)


def _back(code: str, counter_id: int | None) -> HttpResponse:
    url = reverse("console:counter-clerk", args=[code])
    return redirect(f"{url}?loket={counter_id}" if counter_id else url)


@staff_required
@require_POST
def clerk_next(request: AuthedRequest, code: str, counter_id: int) -> HttpResponse:
    mission = selectors.clerk_mission_get(user=request.user, code=code)
    counter = selectors.clerk_counter_get(mission=mission, counter_id=counter_id)
    try:
        called = services.ticket_call_next(actor=request.user, counter=counter)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        if called is None:
            flash.info(request, _("Nobody is waiting for this counter."))
    return _back(mission.code, counter.pk)


def _transfer(ticket: Ticket, actor: User, form: QueryDict) -> Ticket:
    mission = ticket.mission
    to_counter, to_service = form.get("to_counter", ""), form.get("to_service", "")
    return services.ticket_transfer(
        actor=actor,
        ticket=ticket,
        counter=selectors.clerk_counter_get(mission=mission, counter_id=int(to_counter))
        if to_counter.isdigit()
        else None,
        service=selectors.kiosk_service_get(mission=mission, service_id=int(to_service))
        if to_service.isdigit()
        else None,
    )


ACTIONS: dict[str, Action[Ticket]] = {
    "recall": Action(lambda t, u, f: services.ticket_recall(actor=u, ticket=t)),
    "serve": Action(lambda t, u, f: services.ticket_serve(actor=u, ticket=t)),
    "finish": Action(lambda t, u, f: services.ticket_finish(actor=u, ticket=t), gettext_lazy("Finished.")),
    "no-show": Action(
        lambda t, u, f: services.ticket_no_show(actor=u, ticket=t), gettext_lazy("Marked as not come.")
    ),
    "transfer": Action(_transfer, gettext_lazy("Sent on.")),
}


@staff_required
@require_POST
def clerk_act(request: AuthedRequest, code: str, ticket_id: int, action: str) -> HttpResponse:
    mission = selectors.clerk_mission_get(user=request.user, code=code)
    counter = request.POST.get("loket", "")
    return console_action(
        request,
        ACTIONS,
        action,
        target=lambda: selectors.clerk_ticket_get(user=request.user, ticket_id=ticket_id),
        respond=lambda name, error: _back(mission.code, int(counter) if counter.isdigit() else None),
    )


@staff_required
@require_POST
def clerk_check_in(request: AuthedRequest, code: str) -> HttpResponse:
    """An appointment checked in at the counter (the person has no phone with them, the kiosk is broken)."""
    mission = selectors.clerk_mission_get(user=request.user, code=code)
    counter = request.POST.get("loket", "")
    try:
        ticket = services.ticket_check_in(
            mission=mission,
            reference=request.POST.get("reference", ""),
            priority=request.POST.get("priority", ""),
        )
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Checked in: ticket %(ticket)s.") % {"ticket": ticket.label})
    return _back(mission.code, int(counter) if counter.isdigit() else None)
