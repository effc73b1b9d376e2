"""Writes for citizens' records. Every change to personal data is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.services import Address, address_parse, verify_code_check, verify_code_send
from embassy.citizens.models import Citizen, Dependant, EmergencyContact, Stay
from embassy.citizens.signals import announce_whereabouts
from embassy.citizens.validation import (
    CONFIRM_EVERY,
    DEFAULT_PURGE_DAYS,
    DETAIL_FIELDS,
    PURGE_CHOICES,
    date_plausible,
    purge_days_validate,
    purpose_details,
)
from embassy.common import crypto
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.common.phones import phone_normalise
from embassy.common.sms import sms_fit, sms_link, sms_render
from embassy.common.text import line_clean, name_clean
from embassy.geo.boundaries import validate_point
from embassy.geo.countries import country_info
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.geo.naturalearth import PART_OF
from embassy.missions.routing import get_router
from embassy.missions.selectors import scope_for

NIK_CONTEXT = "citizens.Citizen.nik"
PASSPORT_CONTEXT = "citizens.Citizen.passport_number"
PROFILE_FIELDS = {"full_name", "birth_date", "gender", "email", "phone", "nik", "passport_number",
                  "passport_expiry", "home_address", "share_location"}


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


_CONTACT_CHANNELS = {"email": "email", "phone": "sms"}


def _contact_value(name: str, value: Any) -> str:
    """The normalised email address or E.164 phone number ("" clears it)."""
    if value is not None and not isinstance(value, str):
        raise BadInput(_("Enter text."), field=name)
    if name == "phone":
        return phone_normalise(value or "")
    text = (value or "").strip()
    if not text:
        return ""
    address = address_parse(text, field="email")
    if address.channel != "email":
        raise BadInput(_("This is not a valid email address."), field="email")
    return address.value


def _profile_value(citizen: Citizen, name: str, value: Any, today: dt.date) -> Any:
    """A profile field's value, checked and normalised (side indexes of identifiers updated)."""
    if name == "full_name":
        return name_clean(value, field="full_name")
    if name == "gender":
        if (value or "") not in Citizen.Gender.values:
            raise BadInput(_("Choose from the list."), field="gender")
        return value or ""
    if name == "home_address":
        return line_clean(value, field="home_address", max_length=300)
    if name == "nik":
        nik = nik_validate(value or "")
        citizen.nik_index = crypto.blind_index(nik, context=NIK_CONTEXT) if nik else ""
        return nik
    if name == "passport_number":
        number = passport_validate(value or "")
        citizen.passport_index = crypto.blind_index(number, context=PASSPORT_CONTEXT) if number else ""
        return number
    if name == "birth_date":
        return date_plausible(value, field=name, today=today, kind="birth")
    if name == "passport_expiry":
        return date_plausible(value, field=name, today=today, kind="passport")
    return value


@transaction.atomic
def citizen_update(*, citizen: Citizen, actor: Any, data: dict[str, Any]) -> Citizen:
    """Change profile fields. Unknown fields are refused; every value is checked: names without invisible or
    control characters, plausible dates, valid identifiers.

    A new email or phone that the citizen gives themself is not used until it is confirmed: it waits in
    pending_email / pending_phone, a code goes to it (citizen_contact_verify takes the code), and the former one
    stays the one every message goes to. Giving the current value again cancels a pending change; clearing one
    applies at once. Set by the system or by staff (a record taken at the counter), a value applies at once.
    The codes sent are left on `citizen.codes_sent` ({field: code}) for the demo hint."""
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise BadInput(_("Unknown field."), field=sorted(unknown)[0])
    today = timezone.now().date()
    self_service = actor is not None and citizen.user_id is not None and getattr(actor, "pk", None) == citizen.user_id
    changed: list[str] = []
    to_verify: list[tuple[str, str]] = []
    for name, raw in data.items():
        value: Any
        if name in _CONTACT_CHANNELS:
            value = _contact_value(name, raw)
            pending = f"pending_{name}"
            if self_service and value and value != getattr(citizen, name):
                to_verify.append((name, value))
                name = pending
            elif getattr(citizen, pending):
                setattr(citizen, pending, "")
                changed.append(pending)
        elif name == "share_location":
            value = bool(raw)
            if not value:  # turning it off forgets the last position at once
                citizen.last_lat = citizen.last_lon = citizen.last_cell = citizen.last_seen_at = None
                citizen.last_country = ""
        else:
            value = _profile_value(citizen, name, raw, today)
        if getattr(citizen, name) != value:
            setattr(citizen, name, value)
            changed.append(name)
    citizen.codes_sent = {  # type: ignore[attr-defined]
        name: verify_code_send(address=Address(_CONTACT_CHANNELS[name], value)) for name, value in to_verify}
    if changed:
        citizen.save()
        audit_record(actor=actor, action="citizen.update", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk, detail={"fields": sorted(changed)})
    return citizen


def citizen_contact_verify(*, citizen: Citizen, actor: Any, field: str, code: str) -> Citizen:
    """Confirm a pending email or phone (`field`) with the code sent to it: it replaces the former one. A wrong
    code is counted before the error (not in the caller's transaction: the count must stay)."""
    if field not in _CONTACT_CHANNELS:
        raise BadInput(_("Choose email or phone."), field="field")
    new = getattr(citizen, f"pending_{field}")
    if not new:
        raise BadInput(_("There is no new address waiting for a code."), field="code")
    verify_code_check(address=Address(_CONTACT_CHANNELS[field], new), code=code)
    with transaction.atomic():
        setattr(citizen, field, new)
        setattr(citizen, f"pending_{field}", "")
        citizen.save(update_fields=[field, f"pending_{field}", "updated_at"])
        audit_record(actor=actor, action="citizen.contact.verify", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk, detail={"field": field})
    return citizen


@dataclass(frozen=True)
class _Place:
    country: str
    lat: float | None
    lon: float | None
    cell: int | None
    mission_id: int
    rule: str


def _locate(country: str | None, lat: Any, lon: Any) -> _Place:
    """Where a stay is and which mission is responsible for it.

    With coordinates, the country is where the point lies — on land or in its territorial sea. A country
    given as well decides the routing by its own rules (router.route_in); it is refused only when the point
    is on another country's land. Without coordinates, the country is required and the stay goes to the
    mission for the whole country."""
    router = get_router()
    given = country_info(country, field="country").code if country else None
    if lat is not None or lon is not None:
        la, lo = validate_point(lat, lon)
        route = router.route_in(given, la, lo) if given else router.route(la, lo)
        if route.country is None and given is None:
            raise BadInput(_("This location is not in any country. Choose the country."), field="country")
        if given and route.place == "land" and router.countries.country_at(la, lo) not in {given, PART_OF.get(given)}:
            raise BadInput(_("The location on the map is not in the chosen country."), field="country")
        return _Place(route.country or given or "", la, lo, cell_at(la, lo, STAY_RES), route.mission_id, route.rule)
    if given is None:
        raise BadInput(_("Choose the country or a location on the map."), field="country")
    mission_id, rule = router.route_country(given)
    return _Place(given, None, None, None, mission_id, rule)


def _dates_validate(start_date: Any, end_date: Any, *, given: Iterable[str] = ("start_date", "end_date")) -> None:
    """Valid dates, the end not before the start; those `given` (entered now, not kept from before) within
    ten years of today."""
    if not isinstance(start_date, dt.date):
        raise BadInput(_("Enter a valid date."), field="start_date")
    if end_date is not None and not isinstance(end_date, dt.date):
        raise BadInput(_("Enter a valid date."), field="end_date")
    today = timezone.now().date()
    for name, value in (("start_date", start_date), ("end_date", end_date)):
        if name in given:
            date_plausible(value, field=name, today=today, kind="stay")
    if end_date is not None and end_date < start_date:
        raise BadInput(_("The end date is before the start date."), field="end_date")


def _dependants_of(citizen: Citizen, ids: Iterable[Any]) -> list[Dependant]:
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        raise BadInput(_("Choose family members from your profile."), field="dependants") from None
    found = list(Dependant.objects.filter(citizen=citizen, pk__in=wanted))
    if len(found) != len(wanted):
        raise BadInput(_("Choose family members from your profile."), field="dependants")
    return found


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
    start_date: dt.date,
    end_date: dt.date | None = None,
    dependants: Iterable[int] = (),
    location_purge_days: int | None = DEFAULT_PURGE_DAYS,
    passport_number: str = "",
    passport_expiry: dt.date | None = None,
    **details: Any,
) -> Stay:
    """Register a stay (lapor diri) and assign the responsible mission (see `_locate`).

    `details` are the purpose's details (validation.PURPOSE_FIELDS; those of other purposes are dropped).
    A passport number (and expiry) given here is saved on the citizen's profile. The stay counts as confirmed
    now; its location is deleted `location_purge_days` after its end date (None: kept)."""
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise BadInput(_("Unknown field."), field=sorted(unknown)[0])
    clean = purpose_details(purpose, details)
    _dates_validate(start_date, end_date)
    purge_days = purge_days_validate(location_purge_days)
    place = _locate(country, lat, lon)
    travelling = _dependants_of(citizen, dependants)
    if (passport_number or "").strip() or passport_expiry is not None:
        passport: dict[str, Any] = {"passport_expiry": passport_expiry}
        if (passport_number or "").strip():
            passport["passport_number"] = passport_number
        citizen_update(citizen=citizen, actor=actor, data=passport)
    stay = Stay.objects.create(
        citizen=citizen, country_id=place.country, city=line_clean(city, field="city", max_length=100),  # type: ignore[misc]
        address=line_clean(address, field="address", max_length=300), lat=place.lat, lon=place.lon, cell=place.cell,
        mission_id=place.mission_id, routing_rule=place.rule, purpose=purpose, start_date=start_date,
        end_date=end_date, confirmed_at=timezone.now(), location_purge_days=purge_days, **clean,
    )
    if travelling:
        stay.dependants.set(travelling)
    audit_record(actor=actor, action="stay.register", object_type="stay", object_id=stay.pk,
                 citizen_id=citizen.pk, mission_code=stay.mission.code, detail={"rule": place.rule})
    announce_whereabouts(stay.citizen_id)
    return stay


STAY_FIELDS = {"country", "lat", "lon", "city", "address", "purpose", "start_date", "end_date", "dependants",
               "location_purge_days", *DETAIL_FIELDS}


@transaction.atomic
def stay_update(*, stay: Stay, actor: Any, data: dict[str, Any]) -> Stay:
    """Change a stay. A new location or country is routed again: the mission and the rule are re-assigned
    (and a verification by the former mission no longer holds). Unchanged values change nothing."""
    unknown = set(data) - STAY_FIELDS
    if unknown:
        raise BadInput(_("Unknown field."), field=sorted(unknown)[0])
    changed: set[str] = set()
    purpose = data.get("purpose", stay.purpose)
    current = {name: getattr(stay, name) for name in DETAIL_FIELDS}
    clean = purpose_details(purpose, {**current, **{k: v for k, v in data.items() if k in DETAIL_FIELDS}})
    start_date, end_date = data.get("start_date", stay.start_date), data.get("end_date", stay.end_date)
    _dates_validate(start_date, end_date, given={name for name in ("start_date", "end_date")
                                                 if name in data and data[name] != getattr(stay, name)})
    for name, value in {**clean, "purpose": purpose, "start_date": start_date, "end_date": end_date}.items():
        if getattr(stay, name) != value:
            setattr(stay, name, value)
            changed.add(name)
    for name, limit in (("city", 100), ("address", 300)):
        if name in data and (text := line_clean(data[name], field=name, max_length=limit)) != getattr(stay, name):
            setattr(stay, name, text)
            changed.add(name)
    if "location_purge_days" in data:
        days = purge_days_validate(data["location_purge_days"])
        if days != stay.location_purge_days:
            stay.location_purge_days = days
            changed.add("location_purge_days")
    detail: dict[str, Any] = {}
    columns: set[str] = set()
    if {"country", "lat", "lon"} & set(data):
        if "lat" in data or "lon" in data:
            lat, lon, country = data.get("lat", stay.lat), data.get("lon", stay.lon), data.get("country")
        else:
            lat, lon, country = None, None, data["country"]
        place = _locate(country, lat, lon)
        moved = (place.country, place.lat, place.lon) != (stay.country_id, stay.lat, stay.lon)
        if moved and not (place.lat is None and place.country == stay.country_id):
            if place.mission_id != stay.mission_id:
                detail["mission"] = {"from": stay.mission.code, "to": None}
                stay.verified_at, stay.verified_by = None, None
            stay.country_id, stay.lat, stay.lon, stay.cell = place.country, place.lat, place.lon, place.cell  # type: ignore[assignment]
            stay.mission_id, stay.routing_rule = place.mission_id, place.rule  # type: ignore[assignment]
            if place.lat is not None:
                stay.location_purged_at = None
            changed |= {"location", "mission"} if "mission" in detail else {"location"}
            detail["rule"] = place.rule
            columns |= {"country", "lat", "lon", "cell", "mission", "routing_rule", "location_purged_at"}
            if "mission" in detail:
                columns |= {"verified_at", "verified_by"}
    if "dependants" in data:
        travelling = _dependants_of(stay.citizen, data["dependants"] or ())
        if {d.pk for d in travelling} != set(stay.dependants.values_list("pk", flat=True)):
            stay.dependants.set(travelling)
            changed.add("dependants")
    if changed:
        # Only the columns changed here: a verification saved meanwhile by the mission is not overwritten.
        columns |= {name for name in changed if name not in {"location", "mission", "dependants"}}
        stay.save(update_fields=sorted(columns | {"updated_at"}))
        if "mission" in detail:
            detail["mission"]["to"] = stay.mission.code  # setting mission_id dropped the cached mission
        audit_record(actor=actor, action="stay.update", object_type="stay", object_id=stay.pk,
                     citizen_id=stay.citizen_id, mission_code=stay.mission.code,
                     detail={"fields": sorted(changed), **detail})
    announce_whereabouts(stay.citizen_id)
    return stay


@transaction.atomic
def stay_end(*, stay: Stay, actor: Any, end_date: dt.date | None = None) -> Stay:
    if stay.status == Stay.Status.ENDED:
        return stay
    stay.status = Stay.Status.ENDED
    stay.end_date = end_date or dt.datetime.now(tz=dt.UTC).date()
    stay.save(update_fields=["status", "end_date", "updated_at"])
    audit_record(actor=actor, action="stay.end", object_type="stay", object_id=stay.pk, citizen_id=stay.citizen_id)
    announce_whereabouts(stay.citizen_id)
    return stay


@transaction.atomic
def stay_confirm(*, stay: Stay, actor: Any) -> Stay:
    """The citizen is still there: the stay counts as confirmed from now (six months until the next
    reminder)."""
    if stay.status != Stay.Status.ACTIVE:
        raise Conflict(_("This stay has ended."), field="stay_id")
    stay.confirmed_at = timezone.now()
    stay.save(update_fields=["confirmed_at", "updated_at"])
    audit_record(actor=actor, action="stay.confirm", object_type="stay", object_id=stay.pk,
                 citizen_id=stay.citizen_id)
    return stay


def _purge(stay: Stay, *, actor: Any, reason: str, now: dt.datetime) -> None:
    Stay.objects.filter(pk=stay.pk).update(lat=None, lon=None, cell=None, address="", location_purged_at=now,
                                           updated_at=now)
    stay.lat = stay.lon = stay.cell = None
    stay.address, stay.location_purged_at = "", now
    audit_record(actor=actor, action="stay.location.purge", object_type="stay", object_id=stay.pk,
                 citizen_id=stay.citizen_id, detail={"reason": reason})


@transaction.atomic
def stay_location_purge(*, stay: Stay, actor: Any) -> Stay:
    """Delete the stay's precise location now (point, map cell, address); the country, city and the
    responsible mission stay on record."""
    _purge(stay, actor=actor, reason="citizen", now=timezone.now())
    announce_whereabouts(stay.citizen_id)
    return stay


PURGE_BATCH = 2000


def stay_locations_purge_due(*, today: dt.date | None = None) -> int:
    """The retention job: delete the location of every stay whose end date lies more than its
    `location_purge_days` in the past (whether or not the citizen marked it ended: the citizen said when
    they would return). One audit event per stay. Returns how many stays were purged."""
    today = today or timezone.now().date()
    total = 0
    for days in PURGE_CHOICES:
        while True:
            with transaction.atomic():
                batch = list(Stay.objects.filter(
                    location_purge_days=days, location_purged_at__isnull=True, end_date__isnull=False,
                    end_date__lt=today - dt.timedelta(days=days),
                ).only("id", "citizen_id").order_by("id")[:PURGE_BATCH])
                now = timezone.now()
                for stay in batch:
                    _purge(stay, actor=None, reason=f"retention:{days}d", now=now)
            total += len(batch)
            if len(batch) < PURGE_BATCH:
                break
    return total


def stay_verify(*, actor: Any, stay_id: int) -> Stay:
    """The responsible mission confirms the record. Only staff who may read the personal data of the stay's
    mission can; a refusal is audited like a refused read (and the audit event is kept). Someone who is not
    staff gets NotFound whether or not the stay exists."""
    if not scope_for(actor).is_staff:
        raise NotFound(_("No such stay."), field="stay_id")
    stay = Stay.objects.select_related("mission").filter(pk=stay_id).first()
    if stay is None:
        raise NotFound(_("No such stay."), field="stay_id")
    if not scope_for(actor).covers_personal(stay.mission_id):
        audit_record(actor=actor, action="stay.verify.denied", object_type="stay", object_id=stay.pk,
                     citizen_id=stay.citizen_id, mission_code=stay.mission.code)
        raise PermissionDenied(_("This stay is outside your responsibility."))
    with transaction.atomic():
        # Whoever verified first stays on record.
        now = timezone.now()
        if Stay.objects.filter(pk=stay.pk, verified_at__isnull=True).update(verified_at=now, verified_by=actor,
                                                                             updated_at=now):
            audit_record(actor=actor, action="stay.verify", object_type="stay", object_id=stay.pk,
                         citizen_id=stay.citizen_id, mission_code=stay.mission.code)
    stay.refresh_from_db(fields=["verified_at", "verified_by", "updated_at"])
    return stay


def stay_reminder_sms(*, place: str, url: str) -> str:
    """The stay reminder as one GSM-7 SMS in the active language (the place shortened to fit)."""
    return (sms_render(_("Are you still in %(place)s? Please confirm your stay: %(url)s"),
                       {"place": place, "url": url}, shrink=("place",))
            or sms_fit(_("Please confirm your stay: %(url)s") % {"url": url})[0])


def stay_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each citizen whose active stay was last confirmed more than six months ago (once per period:
    a reminder is not repeated until another period has passed). Citizens without an account (registered
    at a mission, demo records) cannot be reached here and are skipped. Returns how many were reminded."""
    from embassy.notify.services import notify_user  # the outbox; imported late (optional at import time)

    now = now or timezone.now()
    cutoff = now - CONFIRM_EVERY
    due = (Stay.objects.filter(status=Stay.Status.ACTIVE, confirmed_at__lte=cutoff, citizen__user__isnull=False)
           .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
           .select_related("citizen__user", "country").order_by("id"))
    sent = 0
    while batch := list(due[:500]):  # each reminded stay leaves `due` (reminded_at is set)
        for stay in batch:
            user = stay.citizen.user
            assert stay.confirmed_at is not None and user is not None
            period = (now - stay.confirmed_at) // CONFIRM_EVERY
            with transaction.atomic(), translation.override(user.language or settings.LANGUAGE_CODE):
                place = stay.city or stay.country.name()
                notify_user(
                    user=user,
                    subject=_("Are you still in %(place)s?") % {"place": place},
                    body=_("You reported a stay in %(place)s since %(date)s. Please confirm that you are still "
                           "there, or tell us that you have left, so that your mission can reach you in an "
                           "emergency.") % {"place": place, "date": stay.start_date.isoformat()},
                    url=f"{settings.SITE_URL.rstrip('/')}/lapor-diri/{stay.pk}/",
                    kind="stay-confirm",
                    dedupe_key=f"stay-confirm:{stay.pk}:{stay.confirmed_at:%Y%m%d}:{period}",
                    sms=stay_reminder_sms(place=place, url=sms_link(f"/lapor-diri/{stay.pk}/")),
                    fallback=("sms",),  # signed up with a phone number only
                )
                Stay.objects.filter(pk=stay.pk).update(reminded_at=now)
            sent += 1
    return sent


@transaction.atomic
def contact_add(*, citizen: Citizen, actor: Any, name: str, relationship: str = "", phone: str = "",
                email: str = "") -> EmergencyContact:
    name = name_clean(name, field="name")
    relationship = line_clean(relationship, field="relationship", max_length=60)
    phone = phone_normalise(phone)
    if not phone and not (email or "").strip():
        raise BadInput(_("Give a phone number or an email address."), field="phone")
    contact = EmergencyContact.objects.create(citizen=citizen, name=name, relationship=relationship,
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


@transaction.atomic
def dependant_add(*, citizen: Citizen, actor: Any, full_name: str, relationship: str = Dependant.Relationship.OTHER,
                  birth_date: dt.date | None = None, nationality: str = "", passport_number: str = "") -> Dependant:
    """Add a family member (a citizen or not). The nationality defaults to the ministry's own country."""
    from embassy.citizens.selectors import home_country

    full_name = name_clean(full_name, field="full_name")
    if relationship not in Dependant.Relationship.values:
        raise BadInput(_("Choose the relationship."), field="relationship")
    birth_date = date_plausible(birth_date, field="birth_date", today=timezone.now().date(), kind="birth")
    code = (nationality or "").strip() or home_country()
    if not code:
        raise BadInput(_("Choose the nationality."), field="nationality")
    code = country_info(code, field="nationality").code
    passport = passport_validate(passport_number or "")
    dependant = Dependant.objects.create(citizen=citizen, full_name=full_name, relationship=relationship,
                                         birth_date=birth_date, nationality=code, passport_number=passport)
    audit_record(actor=actor, action="dependant.add", object_type="dependant", object_id=dependant.pk,
                 citizen_id=citizen.pk)
    return dependant


@transaction.atomic
def dependant_remove(*, citizen: Citizen, actor: Any, dependant_id: int) -> None:
    """Remove a family member (also from the stays they travelled along on)."""
    deleted, _n = Dependant.objects.filter(citizen=citizen, pk=dependant_id).delete()
    if not deleted:
        raise NotFound(_("No such family member."), field="dependant_id")
    audit_record(actor=actor, action="dependant.remove", object_type="dependant", object_id=dependant_id,
                 citizen_id=citizen.pk)


def citizen_position_report(*, citizen: Citizen, lat: Any, lon: Any, force: bool = False) -> bool:
    """The citizen's own app reports where the phone is: kept as the last known position when the citizen
    shares their position (or force=True: an SOS, which the citizen sent on purpose). Only the latest
    position is kept. Returns whether it was stored."""
    if not (citizen.share_location or force):
        return False
    la, lo = validate_point(lat, lon)
    citizen_positions_store(points=[(citizen.pk, la, lo)])
    return True


def citizen_positions_store(*, points: list[tuple[int, float, float]]) -> None:
    """Store last known positions — (citizen id, lat, lon), already validated — in one UPDATE, and announce
    them. Used for one app report and for a batch of SOS positions alike."""
    if not points:
        return
    from django.db import connection

    from embassy.geo.boundaries import country_at

    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(la, lo, cell_at(la, lo, STAY_RES), country_at(la, lo) or "", at, pk) for pk, la, lo in points]
    table = connection.ops.quote_name(Citizen._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET last_lat = %s, last_lon = %s, last_cell = %s, "  # noqa: S608
                           "last_country = %s, last_seen_at = %s WHERE id = %s", rows)
    announce_whereabouts(*(pk for pk, _la, _lo in points))
