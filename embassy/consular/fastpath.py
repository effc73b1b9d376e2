"""Booking from apps on the fast path (config.fastpath): `POST /api/v1/consular/bookings` with a bearer token,
which a slot release brings in by the thousand within seconds. Same pieces as the documented route
(embassy.consular.api.booking_create): the BookingIn schema, token authentication, booking_create, and the same
response (BookingOut) and error bodies. A browser's call (session cookie, no bearer token) takes the normal path."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.common.api import error_body
from embassy.common.fastpath import json_response, validated_body
from embassy.common.middleware import client_ip
from embassy.consular import booking as domain
from embassy.consular import selectors
from embassy.consular.api import BookingIn, BookingOut, booking_body, device_of
from embassy.sos.fastpath import as_bearer_user

PATH = "/api/v1/consular/bookings"


def booking_create(request: HttpRequest) -> HttpResponse | None:
    return as_bearer_user(request, _book)


def _book(request: HttpRequest, user: User) -> HttpResponse:
    if getattr(user, "kind", "") != "citizen":
        return json_response(403, error_body(_("Appointments are booked by citizens with their own account."),
                                             code="forbidden"))
    payload = validated_body(request, BookingIn)
    if isinstance(payload, HttpResponse):
        return payload
    mission = selectors.public_mission_get(code=payload.mission)
    offer = selectors.offer_get(mission=mission, code=payload.service)
    booking = domain.booking_create(citizen=selectors.booking_citizen(user=user), slot_id=payload.slot,
                                    service=offer.service,
                                    client_ip=client_ip(request),
                                    device=device_of(request))
    return json_response(201, BookingOut(**booking_body(booking)).model_dump(mode="json"))
