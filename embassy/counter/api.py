"""The queue for apps and screens: a ticket's status for its holder (by the unguessable token on the ticket),
the call-up display's feed (numbers and counters only) and, for staff, the queue figures of their missions."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from ninja import Router

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.common.when import local_label
from embassy.counter import selectors
from embassy.counter.schemas import DisplayOut, FiguresOut, TicketStatusOut

router = Router()


@router.get(
    "/tickets/{token}",
    response=TicketStatusOut,
    auth=None,
    summary="A ticket's place in the queue",
    description="For the ticket's holder: the token is in the link on the ticket (its QR code). Position "
    "1 is next; the estimate is today's median service time × people ahead ÷ open counters.",
)
def ticket_status(request: HttpRequest, token: str) -> dict[str, Any]:
    view = selectors.ticket_view(ticket=selectors.ticket_by_token(token=token))
    t = view.ticket
    waiting = t.status == t.Status.WAITING
    return {
        "number": t.label,
        "status": t.status,
        "status_label": t.get_status_display(),
        "service": t.service.name(),
        "position": view.position if waiting else None,
        "ahead": view.ahead if waiting else None,
        "estimate_minutes": view.estimate_minutes,
        "expected_at": view.expected_at,
        "expected_local": local_label(view.expected_at, view.timezone, with_date=False)
        if view.expected_at
        else "",
        "counter": t.counter.name if t.counter and not waiting else "",
        "mission": t.mission.code,
        "timezone": view.timezone,
    }


@router.get(
    "/missions/{code}/display",
    response=DisplayOut,
    auth=None,
    url_name="counter-display",
    summary="The call-up display's feed",
    description="The tickets being called or served (latest call first) with their counter and the "
    "sentence to announce; a call's key changes with every recall. No personal data.",
)
def display_feed(request: HttpRequest, code: str) -> dict[str, Any]:
    feed = selectors.display_feed(mission=selectors.kiosk_mission_get(code=code))
    return dataclasses.asdict(feed)


@router.get(
    "/missions/{code}/figures",
    response=FiguresOut,
    auth=AUTH,
    summary="Queue figures of a mission",
    description="Waiting now, waiting and service times today — for the mission's consular staff and "
    "headquarters' administrators.",
)
def figures(request: AuthedRequest, code: str) -> dict[str, Any]:
    mission = selectors.clerk_mission_get(user=request.user, code=code)
    return dataclasses.asdict(selectors.queue_figures(mission=mission))
