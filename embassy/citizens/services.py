"""Writes for citizens' records. Every change to personal data is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.citizens.models import Citizen, EmergencyContact, Stay
from embassy.common import crypto
from embassy.common.errors import BadInput, NotFound
from embassy.common.phones import phone_normalise
from embassy.geo.boundaries import validate_point
from embassy.geo.countries import country_info
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.missions.routing import get_router

NIK_CONTEXT = "citizens.Citizen.nik"
PASSPORT_CONTEXT = "citizens.Citizen.passport_number"
PROFILE_FIELDS = {"full_name", "birth_date", "gender", "email", "phone", "nik", "passport_number",
                  "passport_expiry", "home_address"}


def nik_validate(value: str) -> str:
    nik = crypto.normalise_identifier(value)
    if nik and (len(nik) != 16 or not nik.isdigit()):
        raise BadInput(_("The NIK has 16 digits."), field="nik")
    return nik


def passport_validate(value: str) -> str:
    number = crypto.normalise_identifier(value)
    if number and not (6 <= len(number) <= 12 and number.isalnum()):
        raise BadInput(_("A passport number has 6 to 12 letters and digits."), field="passport_number")
    return number


def citizen_ensure_for_user(*, user: Any) -> Citizen:
    """The citizen profile of a signed-in citizen, created on first sign-in. An existing unclaimed record
    with the same verified email or phone (e.g. registered at a mission counter) is linked instead."""
    existing = Citizen.objects.filter(user=user).first()
    if existing:
        return existing
    contact = {"email": user.email} if user.email else {"phone": user.phone}
    candidates = list(Citizen.objects.filter(user__isnull=True, **contact)[:2])
    if len(candidates) == 1:
        citizen = candidates[0]
        citizen.user = user
        citizen.save(update_fields=["user", "updated_at"])
        audit_record(actor=user, action="citizen.claim", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk)
        return citizen
    return Citizen.objects.create(user=user, full_name="", email=user.email or "", phone=user.phone or "")


@transaction.atomic
def citizen_update(*, citizen: Citizen, actor: Any, data: dict[str, Any]) -> Citizen:
    """Change profile fields. Unknown fields are refused; identifiers are validated and re-indexed."""
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise BadInput(_("Unknown field."), field=name)
    changed: list[str] = []
    for name, value in data.items():
        if name == "full_name":
            value = (value or "").strip()
            if not value:
                raise BadInput(_("Enter your full name."), field="full_name")
        elif name == "phone":
            value = phone_normalise(value)
        elif name == "nik":
            value = nik_validate(value or "")
            citizen.nik_index = crypto.blind_index(value, context=NIK_CONTEXT) if value else ""
        elif name == "passport_number":
            value = passport_validate(value or "")
            citizen.passport_index = crypto.blind_index(value, context=PASSPORT_CONTEXT) if value else ""
        elif name in {"birth_date", "passport_expiry"} and value is not None and not isinstance(value, dt.date):
            raise BadInput(_("Enter a valid date."), field=name)
        if getattr(citizen, name) != value:
            setattr(citizen, name, value)
            changed.append(name)
    if changed:
        citizen.save()
        audit_record(actor=actor, action="citizen.update", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk, detail={"fields": sorted(changed)})
    return citizen


@transaction.atomic
def stay_register(
    *,
    citizen: Citizen,
    actor: Any,
    country: str | None = None,
    lat: Any = None,
    lon: Any = None,
    city: str = "",
    address: str = "",
    purpose: str = Stay.Purpose.OTHER,
    occupation: str = "",
    employer: str = "",
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Stay:
    """Register a stay (lapor diri) and assign the responsible mission.

    With coordinates, the country is where the point lies (a country given as well must match); without,
    the country is required and the stay goes to the mission for the whole country."""
    if purpose not in Stay.Purpose.values:
        raise BadInput(_("Unknown purpose."), field="purpose")
    if end_date is not None and end_date < start_date:
        raise BadInput(_("The end date is before the start date."), field="end_date")
    router = get_router()
    given = country_info(country, field="country").code if country else None
    if lat is not None or lon is not None:
        la, lo = validate_point(lat, lon)
        route = router.route(la, lo)
        if route.country is None and given is None:
            raise BadInput(_("This location is not in any country. Choose the country."), field="country")
        if given and route.country and given != route.country:
            raise BadInput(_("The location on the map is not in the chosen country."), field="country")
        code = route.country or given
        cell = cell_at(la, lo, STAY_RES)
        mission_id, rule = route.mission_id, route.rule
    else:
        if given is None:
            raise BadInput(_("Choose the country or a location on the map."), field="country")
        la, lo, cell = None, None, None  # type: ignore[assignment]
        code = given
        mission_id, rule = router.route_country(given)
    stay = Stay.objects.create(
        citizen=citizen, country_id=code, city=city.strip()[:100], address=address.strip()[:300],  # type: ignore[misc]
        lat=la, lon=lo, cell=cell, mission_id=mission_id, routing_rule=rule, purpose=purpose,
        occupation=occupation.strip()[:40], employer=employer.strip()[:200], start_date=start_date,
        end_date=end_date,
    )
    audit_record(actor=actor, action="stay.register", object_type="stay", object_id=stay.pk,
                 citizen_id=citizen.pk, mission_code=stay.mission.code, detail={"rule": rule})
    return stay


@transaction.atomic
def stay_end(*, stay: Stay, actor: Any, end_date: dt.date | None = None) -> Stay:
    if stay.status == Stay.Status.ENDED:
        return stay
    stay.status = Stay.Status.ENDED
    stay.end_date = end_date or dt.datetime.now(tz=dt.UTC).date()
    stay.save(update_fields=["status", "end_date", "updated_at"])
    audit_record(actor=actor, action="stay.end", object_type="stay", object_id=stay.pk, citizen_id=stay.citizen_id)
    return stay


@transaction.atomic
def contact_add(*, citizen: Citizen, actor: Any, name: str, relationship: str = "", phone: str = "",
                email: str = "") -> EmergencyContact:
    name = (name or "").strip()
    if not name:
        raise BadInput(_("Enter the contact's name."), field="name")
    phone = phone_normalise(phone)
    if not phone and not (email or "").strip():
        raise BadInput(_("Give a phone number or an email address."), field="phone")
    contact = EmergencyContact.objects.create(citizen=citizen, name=name[:200], relationship=relationship.strip()[:60],
                                              phone=phone, email=(email or "").strip()[:254])
    audit_record(actor=actor, action="contact.add", object_type="contact", object_id=contact.pk, citizen_id=citizen.pk)
    return contact


@transaction.atomic
def contact_remove(*, citizen: Citizen, actor: Any, contact_id: int) -> None:
    deleted, _n = EmergencyContact.objects.filter(citizen=citizen, pk=contact_id).delete()
    if not deleted:
        raise NotFound(_("No such contact."), field="contact_id")
    audit_record(actor=actor, action="contact.remove", object_type="contact", object_id=contact_id,
                 citizen_id=citizen.pk)
