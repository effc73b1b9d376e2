"""The citizen's appointment pages: free slots of a service at a mission (in the mission's local time), booking,
the appointment with its check-in QR code and calendar file, change, cancel, and the waiting list with its
offers. Booking needs a signed-in citizen whose profile holds their NIK or passport (the proof of person:
their account's address was verified by a code)."""

from __future__ import annotations

import datetime as dt
import secrets
from itertools import groupby
from zoneinfo import ZoneInfo

import segno
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.citizens.selectors import own_citizen
from embassy.common.decorators import citizen_required
from embassy.common.errors import BadInput, DomainError
from embassy.common.middleware import client_ip
from embassy.consular import booking as domain
from embassy.consular import notices, selectors
from embassy.consular.api import DEVICE_COOKIE, device_of
from embassy.consular.models import Booking, Demand, Slot


def _with_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=2 * 365 * 86400,
                            secure=request.is_secure(), httponly=True, samesite="Lax")
    return response


def _days(slots: list[tuple[Slot, int]], zone: ZoneInfo) -> list[tuple[dt.date, list[tuple[Slot, int]]]]:
    def day(item: tuple[Slot, int]) -> dt.date:
        return item[0].starts_at.astimezone(zone).date()

    return [(d, list(items)) for d, items in groupby(slots, key=day)]


def slots_page(request: HttpRequest, code: str, service: str) -> HttpResponse:
    """Free times for the service (GET), or book one (POST, signed-in citizens)."""
    mission = selectors.public_mission_get(code=code)
    offer = selectors.offer_get(mission=mission, code=service)
    now = timezone.now()
    if request.method == "POST":
        return _book(request, mission=mission, offer=offer, now=now)
    zone = ZoneInfo(mission.timezone)
    free = domain.open_slots(mission=mission, service=offer.service, now=now) if offer.needs_appointment else []
    user = request.user
    if offer.needs_appointment and not free and user.is_authenticated and getattr(user, "kind", "") == "citizen":
        seen = f"nodemand:{mission.pk}:{offer.service.pk}:{now.date()}"
        if not request.session.get(seen):  # one sign of unmet demand per person, service and day
            domain.demand_note(mission=mission, service=offer.service, kind=Demand.Kind.NO_SLOT, now=now)
            request.session[seen] = True
    current = None  # a signed-in person who already holds this service's appointment: choosing a time moves it
    if offer.needs_appointment and user.is_authenticated and getattr(user, "kind", "") == "citizen":
        current = selectors.live_booking_for(citizen=own_citizen(user=user), service=offer.service)
    reschedule = request.GET.get("ubah", "") or (current.reference if current and current.status == "active" else "")
    sample = now.astimezone(zone)
    return _with_device(request, render(request, "consular/slots.html", {
        "mission": mission, "offer": offer, "days": _days(free, zone), "zone": zone,
        "offset": notices.utc_offset(sample), "release": domain.next_release(mission=mission,
                                                                            service=offer.service, now=now),
        "reschedule": reschedule, "current": current,
        "current_when": notices.when(current.slot.starts_at, zone=current.slot.mission.timezone,
                                     city=current.slot.mission.city) if current else ""}))


def _book(request: HttpRequest, *, mission: object, offer: selectors.Offer, now: dt.datetime) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or getattr(user, "kind", "") != "citizen":
        return redirect(f"{_signin()}?next={request.path}")
    citizen = own_citizen(user=user)
    try:
        slot_id = int(request.POST.get("slot", ""))
    except ValueError:
        flash.error(request, _("Choose a time."))
        return redirect(request.path)
    moving = request.POST.get("reschedule", "").strip()
    try:
        if moving:
            booking = domain.booking_reschedule(citizen=citizen, reference=moving, slot_id=slot_id, now=now,
                                                client_ip=client_ip(request), device=device_of(request))
        else:
            booking = domain.booking_create(citizen=citizen, slot_id=slot_id, service=offer.service, now=now,
                                            client_ip=client_ip(request), device=device_of(request))
    except DomainError as exc:
        flash.error(request, exc.message)
        if isinstance(exc, BadInput) and exc.field == "identity":
            return redirect("citizens:profile")
        return redirect(request.path + (f"?ubah={moving}" if moving else ""))
    flash.success(request, _("Booked. The confirmation is on its way."))
    return redirect("consular:booking", reference=booking.reference)


def _signin() -> str:
    return reverse("accounts:signin")


@citizen_required
def my_bookings(request: AuthedRequest) -> HttpResponse:
    citizen = own_citizen(user=request.user)
    return render(request, "consular/my_bookings.html", {
        "bookings": selectors.bookings_of(citizen=citizen), "waiting": selectors.waitlist_of(citizen=citizen)})


@citizen_required
def booking_page(request: AuthedRequest, reference: str) -> HttpResponse:
    citizen = own_citizen(user=request.user)
    booking = selectors.booking_of(citizen=citizen, reference=reference)
    mission = booking.slot.mission
    qr = segno.make(domain.CHECK_IN_PREFIX + booking.reference, error="m")
    return render(request, "consular/booking.html", {
        "booking": booking, "mission": mission, "qr": qr.svg_inline(scale=6, dark="#000", light="#fff"),
        "when": notices.when(booking.slot.starts_at, zone=mission.timezone, city=mission.city),
        "hold_until": notices.when(booking.hold_until, zone=mission.timezone, city=mission.city)
        if booking.hold_until else "",
        "live": booking.status in (Booking.Status.ACTIVE, Booking.Status.HELD)
        and booking.slot.starts_at > timezone.now()})


@citizen_required
def booking_calendar(request: AuthedRequest, reference: str) -> HttpResponse:
    booking = selectors.booking_of(citizen=own_citizen(user=request.user), reference=reference)
    text = notices.ics_for(booking, now=timezone.now(), cancelled=booking.status == Booking.Status.CANCELLED)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="janji-{booking.reference}.ics"'
    return response


def _act(request: AuthedRequest, reference: str, action: str) -> HttpResponse:
    citizen = own_citizen(user=request.user)
    try:
        if action == "cancel":
            domain.booking_cancel(citizen=citizen, reference=reference)
            flash.success(request, _("Cancelled. The place goes to the next person waiting."))
        else:
            domain.offer_accept(citizen=citizen, reference=reference)
            flash.success(request, _("The place is yours. The confirmation is on its way."))
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("consular:booking", reference=reference.upper())


@citizen_required
@require_POST
def booking_cancel(request: AuthedRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "cancel")


@citizen_required
@require_POST
def offer_accept(request: AuthedRequest, reference: str) -> HttpResponse:
    return _act(request, reference, "accept")


@citizen_required
@require_POST
def waitlist_join(request: AuthedRequest, code: str, service: str) -> HttpResponse:
    mission = selectors.public_mission_get(code=code)
    offer = selectors.offer_get(mission=mission, code=service)
    try:
        entry = domain.waitlist_join(citizen=own_citizen(user=request.user), mission=mission, service=offer.service)
    except DomainError as exc:
        flash.error(request, exc.message)
        if isinstance(exc, BadInput) and exc.field == "identity":
            return redirect("citizens:profile")
        return redirect("consular:slots", code=code, service=service)
    if entry.booking_id and entry.status == entry.Status.OFFERED:
        flash.success(request, _("A place is free right now and kept for you: take it below."))
        return redirect("consular:booking", reference=entry.booking.reference)  # type: ignore[union-attr]
    flash.success(request, _("You are on the waiting list. When a place frees up it is offered to you first, "
                             "by message, and kept for you for a while."))
    return redirect("consular:my-bookings")


@citizen_required
@require_POST
def waitlist_leave(request: AuthedRequest, entry_id: int) -> HttpResponse:
    try:
        domain.waitlist_leave(citizen=own_citizen(user=request.user), entry_id=entry_id)
        flash.success(request, _("You left the waiting list."))
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("consular:my-bookings")
