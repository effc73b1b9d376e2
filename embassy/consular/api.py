"""Appointments for apps (/consular/…): free slots of a service at a mission (public), and the citizen's bookings
and waiting lists (bearer token or session). Errors are the API's JSON errors: 409 for a full slot or a second
booking for the same service, 429 beyond the rate limits, 400 for a slot that is not open."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from embassy.accounts.auth import AUTH
from embassy.citizens.models import Citizen
from embassy.citizens.selectors import own_citizen
from embassy.common.errors import PermissionDenied
from embassy.common.middleware import client_ip
from embassy.consular import booking as domain
from embassy.consular import notices, selectors
from embassy.consular.models import Booking

router = Router(auth=AUTH)
DEVICE_COOKIE = "se_device"  # a random id the booking pages set; apps send X-Device-Id


class SlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: str  # ISO 8601 with the mission's UTC offset
    free: int


class SlotsOut(Schema):
    mission: str
    service: str
    timezone: str
    slots: list[SlotOut]
    next_release_at: dt.datetime | None = None


class BookingIn(Schema):
    mission: str
    service: str
    slot: int


class RescheduleIn(Schema):
    slot: int


class BookingOut(Schema):
    reference: str
    status: str
    mission: str
    service: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: str
    timezone: str
    when: str  # in words, in the reader's language, with the city and UTC offset
    hold_until: dt.datetime | None = None
    check_in_code: str
    calendar_url: str


class WaitlistIn(Schema):
    mission: str
    service: str


class WaitlistOut(Schema):
    id: int
    mission: str
    service: str
    status: str
    position: int
    offer: str | None = None  # the held booking's reference while offered


def _citizen(request: HttpRequest) -> Citizen:
    if getattr(request.user, "kind", "") != "citizen":
        raise PermissionDenied(_("Appointments are booked by citizens with their own account."))
    return own_citizen(user=request.user)  # type: ignore[arg-type]


def device_of(request: HttpRequest) -> str:
    """The browser's device id (a random cookie) or the app's X-Device-Id header: what the fixer patterns count."""
    return (request.headers.get("X-Device-Id") or request.COOKIES.get(DEVICE_COOKIE, ""))[:64]


def booking_body(booking: Booking) -> dict[str, Any]:
    mission = booking.slot.mission
    local = booking.slot.starts_at.astimezone(ZoneInfo(mission.timezone))
    return {"reference": booking.reference, "status": booking.status, "mission": mission.code,
            "service": booking.service.code, "starts_at": booking.slot.starts_at, "ends_at": booking.slot.ends_at,
            "local_start": local.isoformat(), "timezone": mission.timezone,
            "when": notices.when(booking.slot.starts_at, zone=mission.timezone, city=mission.city),
            "hold_until": booking.hold_until, "check_in_code": domain.CHECK_IN_PREFIX + booking.reference,
            "calendar_url": notices.booking_url(booking) + "kalender.ics"}


@router.get("/missions/{code}/services/{service}/slots", response=SlotsOut, auth=None,
            summary="Free appointment slots of a service at a mission (next 30 days)")
def slots(request: HttpRequest, code: str, service: str) -> dict[str, Any]:
    mission = selectors.public_mission_get(code=code)
    offer = selectors.offer_get(mission=mission, code=service)
    now = timezone.now()
    zone = ZoneInfo(mission.timezone)
    free = domain.open_slots(mission=mission, service=offer.service, now=now) if offer.needs_appointment else []
    release = domain.next_release(mission=mission, service=offer.service, now=now)
    return {"mission": mission.code, "service": offer.service.code, "timezone": mission.timezone,
            "next_release_at": release[0] if release else None,
            "slots": [{"id": s.pk, "starts_at": s.starts_at, "ends_at": s.ends_at,
                       "local_start": s.starts_at.astimezone(zone).isoformat(), "free": n} for s, n in free]}


@router.get("/bookings", response=list[BookingOut], summary="My appointments")
def bookings(request: HttpRequest) -> list[dict[str, Any]]:
    return [booking_body(b) for b in selectors.bookings_of(citizen=_citizen(request))]


@router.post("/bookings", response={201: BookingOut}, summary="Book an appointment",
             description="One active booking per person (NIK or passport) and service. 409 when the slot is full "
                         "or you already hold one; 429 beyond the rate limits. Send X-Device-Id from apps.")
def booking_create(request: HttpRequest, payload: BookingIn) -> Status:
    citizen = _citizen(request)
    mission = selectors.public_mission_get(code=payload.mission)
    offer = selectors.offer_get(mission=mission, code=payload.service)
    booking = domain.booking_create(citizen=citizen, slot_id=payload.slot, service=offer.service,
                                    client_ip=client_ip(request), device=device_of(request))
    return Status(201, booking_body(booking))


@router.get("/bookings/{reference}", response=BookingOut, summary="One of my appointments")
def booking_detail(request: HttpRequest, reference: str) -> dict[str, Any]:
    return booking_body(selectors.booking_of(citizen=_citizen(request), reference=reference))


@router.get("/bookings/{reference}/calendar.ics", summary="The appointment as an iCalendar file")
def booking_calendar(request: HttpRequest, reference: str) -> HttpResponse:
    booking = selectors.booking_of(citizen=_citizen(request), reference=reference)
    text = notices.ics_for(booking, now=timezone.now(), cancelled=booking.status == Booking.Status.CANCELLED)
    return HttpResponse(text, content_type="text/calendar; charset=utf-8")


@router.post("/bookings/{reference}/cancel", response=BookingOut, summary="Cancel an appointment or decline an offer")
def booking_cancel(request: HttpRequest, reference: str) -> dict[str, Any]:
    return booking_body(domain.booking_cancel(citizen=_citizen(request), reference=reference))


@router.post("/bookings/{reference}/reschedule", response=BookingOut, summary="Move an appointment to another slot",
             description="All or nothing: when the new slot cannot be booked, the old appointment stays.")
def booking_reschedule(request: HttpRequest, reference: str, payload: RescheduleIn) -> dict[str, Any]:
    return booking_body(domain.booking_reschedule(citizen=_citizen(request), reference=reference,
                                                  slot_id=payload.slot, client_ip=client_ip(request),
                                                  device=device_of(request)))


@router.post("/bookings/{reference}/accept", response=BookingOut, summary="Take a place offered from the waiting list")
def offer_accept(request: HttpRequest, reference: str) -> dict[str, Any]:
    return booking_body(domain.offer_accept(citizen=_citizen(request), reference=reference))


def _entry_body(entry: Any) -> dict[str, Any]:
    return {"id": entry.pk, "mission": entry.mission.code, "service": entry.service.code, "status": entry.status,
            "position": selectors.waitlist_position(entry=entry) if entry.status == "waiting" else 0,
            "offer": entry.booking.reference if entry.status == "offered" and entry.booking else None}


@router.get("/waitlist", response=list[WaitlistOut], summary="My waiting lists")
def waitlist(request: HttpRequest) -> list[dict[str, Any]]:
    return [_entry_body(e) for e in selectors.waitlist_of(citizen=_citizen(request))]


@router.post("/waitlist", response={201: WaitlistOut}, summary="Join the waiting list of a service at a mission",
             description="A place that frees up is offered to the longest-waiting person as a held booking, to be "
                         "accepted before hold_until. Joining twice is joining once.")
def waitlist_join(request: HttpRequest, payload: WaitlistIn) -> Status:
    citizen = _citizen(request)
    mission = selectors.public_mission_get(code=payload.mission)
    offer = selectors.offer_get(mission=mission, code=payload.service)
    entry = domain.waitlist_join(citizen=citizen, mission=mission, service=offer.service)
    return Status(201, _entry_body(entry))


@router.delete("/waitlist/{entry_id}", response={204: None}, summary="Leave a waiting list")
def waitlist_leave(request: HttpRequest, entry_id: int) -> Status:
    domain.waitlist_leave(citizen=_citizen(request), entry_id=entry_id)
    return Status(204, None)
