"""Writes for stays (lapor diri): routing to the responsible mission, edits, ends, verification, reminders
and the deletion of a trip's location. Every change to personal data is audited."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import AuditItem, audit_record, audit_record_many
from embassy.accounts.models import User
from embassy.citizens.duplicates import (
    StayDuplicates,
    family_duplicates,
    same_place_warning,
    stay_duplicates,
    stay_same_place,
)
from embassy.citizens.models import Citizen, Dependant, Stay
from embassy.citizens.services.people import family_add
from embassy.citizens.services.profile import citizen_update
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
from embassy.common.bulk import batched, give_way
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.common.links import absolute_url, url_path
from embassy.common.sms import sms_fit, sms_link, sms_render
from embassy.common.text import line_clean
from embassy.geo.boundaries import validate_point
from embassy.geo.countries import country_info
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.geo.naturalearth import PART_OF
from embassy.missions.routing import get_router
from embassy.missions.selectors import scope_for
from embassy.notify.services import MessageSpec, Priority, notify_bulk, user_reach


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
    actor: User | None,
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
    family: Sequence[Mapping[str, Any]] = (),
    confirmed: bool = True,
    **details: Any,
) -> Stay:
    """Register a stay (lapor diri) and assign the responsible mission (see `_locate`).

    `details` are the purpose's details (validation.PURPOSE_FIELDS; those of other purposes are dropped).
    `family` are new family members ({"full_name", "relationship", "birth_date"}) added to the profile and to this
    stay, with the ticked `dependants`, in the same transaction. Unless `confirmed`, possible duplicates (the same
    family member twice, another active stay in the same city) raise StayDuplicates and nothing is saved.
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
    city = line_clean(city, field="city", max_length=100)
    if not confirmed and (warnings := stay_duplicates(citizen, country=place.country, city=city, lat=place.lat,
                                                      lon=place.lon, family=family)):
        raise StayDuplicates(warnings)
    travelling += family_add(citizen=citizen, actor=actor, family=family)
    if (passport_number or "").strip() or passport_expiry is not None:
        passport: dict[str, Any] = {"passport_expiry": passport_expiry}
        if (passport_number or "").strip():
            passport["passport_number"] = passport_number
        citizen_update(citizen=citizen, actor=actor, data=passport)
    stay = Stay.objects.create(
        citizen=citizen, country_id=place.country, city=city,
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
def stay_update(*, stay: Stay, actor: User | None, data: dict[str, Any], family: Sequence[Mapping[str, Any]] = (),
                confirmed: bool = True) -> Stay:
    """Change a stay. A new location or country is routed again: the mission and the rule are re-assigned
    (and a verification by the former mission no longer holds). Unchanged values change nothing. `family` and
    `confirmed` as for stay_register (new family members travelling along; duplicate warnings)."""
    unknown = set(data) - STAY_FIELDS
    if unknown:
        raise BadInput(_("Unknown field."), field=sorted(unknown)[0])
    changed = _stay_details_apply(stay, data)
    detail: dict[str, Any] = {}
    columns: set[str] = set()
    if {"country", "lat", "lon"} & set(data):
        columns = _stay_relocate(stay, data, changed, detail)
    if not confirmed:
        warnings = family_duplicates(stay.citizen, family)
        if {"location", "city"} & changed and (same := stay_same_place(
                stay.citizen, country=stay.country_id, city=stay.city, lat=stay.lat, lon=stay.lon, exclude=stay.pk)):
            warnings.append(same_place_warning(same))
        if warnings:
            raise StayDuplicates(warnings)
    if "dependants" in data or family:
        travelling = _dependants_of(stay.citizen, data.get("dependants") or ())
        travelling += family_add(citizen=stay.citizen, actor=actor, family=family)
        if "dependants" not in data:
            travelling += list(stay.dependants.all())
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


def _stay_details_apply(stay: Stay, data: dict[str, Any]) -> set[str]:
    """Set the purpose, its details, the dates, the city and address and the purge period from `data` (each
    validated); returns the names of the fields that changed."""
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
    return changed


def _stay_relocate(stay: Stay, data: dict[str, Any], changed: set[str], detail: dict[str, Any]) -> set[str]:
    """A new position or country from `data`: routed again, the mission and rule re-assigned (a verification
    by a former mission no longer holds). Adds to `changed` and the audit `detail`; returns the columns set."""
    if "lat" in data or "lon" in data:
        lat, lon, country = data.get("lat", stay.lat), data.get("lon", stay.lon), data.get("country")
    else:
        lat, lon, country = None, None, data["country"]
    place = _locate(country, lat, lon)
    moved = (place.country, place.lat, place.lon) != (stay.country_id, stay.lat, stay.lon)
    if not moved or (place.lat is None and place.country == stay.country_id):
        return set()
    if place.mission_id != stay.mission_id:
        detail["mission"] = {"from": stay.mission.code, "to": None}
        stay.verified_at, stay.verified_by = None, None
    stay.country_id, stay.lat, stay.lon, stay.cell = place.country, place.lat, place.lon, place.cell
    stay.mission_id, stay.routing_rule = place.mission_id, place.rule
    if place.lat is not None:
        stay.location_purged_at = None
    changed |= {"location", "mission"} if "mission" in detail else {"location"}
    detail["rule"] = place.rule
    columns = {"country", "lat", "lon", "cell", "mission", "routing_rule", "location_purged_at"}
    if "mission" in detail:
        columns |= {"verified_at", "verified_by"}
    return columns


@transaction.atomic
def stay_end(*, stay: Stay, actor: User | None, end_date: dt.date | None = None) -> Stay:
    if stay.status == Stay.Status.ENDED:
        return stay
    stay.status = Stay.Status.ENDED
    stay.end_date = end_date or dt.datetime.now(tz=dt.UTC).date()
    stay.save(update_fields=["status", "end_date", "updated_at"])
    audit_record(actor=actor, action="stay.end", object_type="stay", object_id=stay.pk, citizen_id=stay.citizen_id)
    announce_whereabouts(stay.citizen_id)
    return stay


@transaction.atomic
def stay_confirm(*, stay: Stay, actor: User | None) -> Stay:
    """The citizen is still there: the stay counts as confirmed from now (six months until the next
    reminder)."""
    if stay.status != Stay.Status.ACTIVE:
        raise Conflict(_("This stay has ended."), field="stay_id")
    stay.confirmed_at = timezone.now()
    stay.save(update_fields=["confirmed_at", "updated_at"])
    audit_record(actor=actor, action="stay.confirm", object_type="stay", object_id=stay.pk,
                 citizen_id=stay.citizen_id)
    return stay


def _purge(stay: Stay, *, actor: User | None, reason: str, now: dt.datetime) -> None:
    Stay.objects.filter(pk=stay.pk).update(lat=None, lon=None, cell=None, address="", location_purged_at=now,
                                           updated_at=now)
    stay.lat = stay.lon = stay.cell = None
    stay.address, stay.location_purged_at = "", now
    audit_record(actor=actor, action="stay.location.purge", object_type="stay", object_id=stay.pk,
                 citizen_id=stay.citizen_id, detail={"reason": reason})


@transaction.atomic
def stay_location_purge(*, stay: Stay, actor: User | None) -> Stay:
    """Delete the stay's precise location now (point, map cell, address); the country, city and the
    responsible mission stay on record."""
    _purge(stay, actor=actor, reason="citizen", now=timezone.now())
    announce_whereabouts(stay.citizen_id)
    return stay


def stay_locations_purge_due(*, today: dt.date | None = None, batch: int | None = None) -> int:
    """The retention job: delete the location of every stay whose end date lies more than its
    `location_purge_days` in the past (whether or not the citizen marked it ended: the citizen said when
    they would return). One audit event per stay. Returns how many stays were purged.

    Set-based and in short transactions: each takes up to `batch` (BATCH_JOB_ROWS) due stays from the partial
    index of stays still holding a location (a purged stay leaves it, so the next batch starts where this one
    stopped), clears them with one UPDATE and writes their audit events with one INSERT. On PostgreSQL the rows are locked
    SKIP LOCKED: a citizen editing their stay at that moment is not waited for (the next run takes it). Between
    batches the job gives way (common.bulk.give_way)."""
    today = today or timezone.now().date()
    batch = batch or settings.BATCH_JOB_ROWS
    total = 0
    for days in PURGE_CHOICES:
        due = Stay.objects.filter(location_purge_days=days, location_purged_at__isnull=True,
                                  end_date__isnull=False, end_date__lt=today - dt.timedelta(days=days))
        while True:
            started = time.perf_counter()
            with transaction.atomic():
                rows = list(due.select_for_update(skip_locked=True).order_by().values_list("id", "citizen_id")[:batch])
                if rows:
                    now = timezone.now()
                    Stay.objects.filter(pk__in=[pk for pk, _citizen in rows]).update(
                        lat=None, lon=None, cell=None, address="", location_purged_at=now, updated_at=now)
                    audit_record_many(actor=None, action="stay.location.purge", events=[
                        AuditItem("stay", pk, citizen_id=citizen, detail={"reason": f"retention:{days}d"})
                        for pk, citizen in rows])
            total += len(rows)
            if len(rows) < batch:
                break
            give_way(started)
    return total


def stay_verify(*, actor: User, stay_id: int) -> Stay:
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


def stay_reminders_send(*, now: dt.datetime | None = None, window: int | None = None,
                        batch: int | None = None) -> int:
    """Remind each citizen whose active stay was last confirmed more than six months ago (once per period:
    a reminder is not repeated until another period has passed), as notify_user would: on push and email,
    else by SMS (signed up with a phone number only). Citizens without an account (registered at a mission,
    demo records) cannot be reached here and are skipped. Returns how many were reminded.

    One pass over the stays in windows of `window` ids (20 batches): the due stays of a window are read with
    their accounts in one query; for each `batch` (BATCH_JOB_ROWS) of them the messages are written by
    notify_bulk (one INSERT) and the stays marked reminded with one UPDATE, each in its own short transaction. A run cut short is taken up
    again by the next: each message's de-duplication key is the stay's period, so nobody is reminded twice.
    Between batches the job gives way (common.bulk.give_way)."""
    now = now or timezone.now()
    cutoff = now - CONFIRM_EVERY
    batch = batch or settings.BATCH_JOB_ROWS
    window = window or 20 * batch
    due = (Stay.objects.filter(status=Stay.Status.ACTIVE, confirmed_at__lte=cutoff, citizen__user__isnull=False,
                               citizen__user__is_active=True)
           .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff)))
    bounds = Stay.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return 0
    sent = 0
    for start in range(bounds["low"], bounds["high"] + 1, window):
        rows = list(due.filter(id__gte=start, id__lt=start + window).order_by().values_list(
            "id", "city", "country_id", "start_date", "confirmed_at", "citizen__user_id", "citizen__user__language",
            "citizen__user__email", "citizen__user__phone"))
        for chunk in batched(rows, batch):
            messages = list(_reminders(chunk, now))
            started = time.perf_counter()  # giving way in proportion to the writes (rendering holds nothing)
            notify_bulk(messages=messages, batch_size=2 * batch)  # push and email: two each
            with transaction.atomic():
                sent += Stay.objects.filter(pk__in=[row[0] for row in chunk]).update(reminded_at=now)
            give_way(started)
    return sent


def _reminders(rows: list[tuple[Any, ...]], now: dt.datetime) -> Iterator[MessageSpec]:
    """The reminder messages for the rows of stay_reminders_send, rendered in each person's language (the
    texts looked up once per language), on the channels notify_user would choose (user_reach), behind anything
    more urgent (BULK). The one-segment SMS text only for those reached by text."""
    reach = user_reach({row[5]: (row[7], row[8]) for row in rows}, channels=("push", "email"), fallback=("sms",))
    default = settings.LANGUAGE_CODE
    by_language: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        if reach.get(row[5]):
            by_language.setdefault(row[6] or default, []).append(row)
    for language, group in by_language.items():
        with translation.override(language):
            subject_text = _("Are you still in %(place)s?")
            body_text = _("You reported a stay in %(place)s since %(date)s. Please confirm that you are still "
                          "there, or tell us that you have left, so that your mission can reach you in an "
                          "emergency.")
            for pk, city, country, start_date, confirmed_at, user_id, *_contact in group:
                addresses = reach[user_id]
                place = city or country_info(country, field="country").name(language)
                by_text = any(channel in ("sms", "whatsapp") for channel, _address in addresses)
                sms = stay_reminder_sms(place=place, url=sms_link(url_path("citizens:stay-edit", pk))) if by_text else ""
                subject, body = subject_text % {"place": place}, body_text % {"place": place, "date": start_date.isoformat()}
                url = absolute_url("citizens:stay-edit", pk)
                key = f"stay-confirm:{pk}:{confirmed_at:%Y%m%d}:{(now - confirmed_at) // CONFIRM_EVERY}"
                for channel, address in addresses:
                    yield MessageSpec(channel=channel, address=address, subject=subject, body=body, url=url,
                                      kind="stay-confirm", dedupe_key=key, sms=sms, user_id=user_id,
                                      priority=Priority.BULK)
