"""Writes for the people around a citizen (emergency contacts, dependants) and their last known positions.
Every change to personal data is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Dependant, EmergencyContact
from embassy.citizens.services.profile import passport_validate
from embassy.citizens.signals import announce_whereabouts
from embassy.citizens.validation import (
    date_plausible,
)
from embassy.common.bulk import prepare_value, update_rows
from embassy.common.errors import BadInput, NotFound
from embassy.common.phones import phone_normalise
from embassy.common.text import line_clean, name_clean
from embassy.geo.boundaries import country_at, validate_point
from embassy.geo.countries import country_info
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.missions.selectors import home_country

_POSITION_COLUMNS = ("last_lat", "last_lon", "last_cell", "last_country", "last_seen_at")


@transaction.atomic
def contact_add(*, citizen: Citizen, actor: User | None, name: str, relationship: str = "", phone: str = "",
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
def contact_remove(*, citizen: Citizen, actor: User | None, contact_id: int) -> None:
    deleted, _n = EmergencyContact.objects.filter(citizen=citizen, pk=contact_id).delete()
    if not deleted:
        raise NotFound(_("No such contact."), field="contact_id")
    audit_record(actor=actor, action="contact.remove", object_type="contact", object_id=contact_id,
                 citizen_id=citizen.pk)


@transaction.atomic
def dependant_add(*, citizen: Citizen, actor: User | None, full_name: str, relationship: str = Dependant.Relationship.OTHER,
                  birth_date: dt.date | None = None, nationality: str = "", passport_number: str = "") -> Dependant:
    """Add a family member (a citizen or not). The nationality defaults to the ministry's own country."""
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


FAMILY_MAX = 10
FAMILY_FIELDS = {"full_name", "relationship", "birth_date"}


def family_add(*, citizen: Citizen, actor: User | None, family: Sequence[Mapping[str, Any]]) -> list[Dependant]:
    """Add the new family members of a stay form to the citizen's profile. An error names the row's field
    ("family-1-full_name"), so that the form shows it next to that row."""
    if len(family) > FAMILY_MAX:
        raise BadInput(_("Add at most %(n)d family members at once.") % {"n": FAMILY_MAX}, field="family")
    added = []
    for i, member in enumerate(family):
        unknown = set(member) - FAMILY_FIELDS
        if unknown:
            raise BadInput(_("Unknown field."), field=f"family-{i}-{sorted(unknown)[0]}")
        try:
            added.append(dependant_add(citizen=citizen, actor=actor, full_name=member.get("full_name", ""),
                                       relationship=member.get("relationship") or "",
                                       birth_date=member.get("birth_date")))
        except BadInput as exc:
            raise BadInput(exc.message, field=f"family-{i}-{exc.field}") from None
    return added


@transaction.atomic
def dependant_remove(*, citizen: Citizen, actor: User | None, dependant_id: int) -> None:
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


@dataclass(frozen=True)
class Positions:
    """Last known positions ready to store: the rows of the one UPDATE (cell and country looked up)."""

    rows: list[tuple[Any, ...]]

    @property
    def citizen_ids(self) -> list[int]:
        return [int(row[-1]) for row in self.rows]


def citizen_positions_prepare(points: list[tuple[int, float, float]]) -> Positions:
    """Look up the cell and the country of positions — (citizen id, lat, lon), already validated. Only reads
    (point-in-polygon lookups): do it before a write transaction, so that a batch of SOS positions never
    holds the write lock while it looks them up."""
    at = prepare_value(Citizen, "last_seen_at", timezone.now())
    return Positions([(la, lo, cell_at(la, lo, STAY_RES), country_at(la, lo) or "", at, pk) for pk, la, lo in points])


def citizen_positions_store(*, points: list[tuple[int, float, float]] | Positions) -> None:
    """Store last known positions — (citizen id, lat, lon), already validated, or prepared by
    citizen_positions_prepare — in one UPDATE, and announce them. Used for one app report and for a batch of
    SOS positions alike."""
    prepared = points if isinstance(points, Positions) else citizen_positions_prepare(points)
    if not prepared.rows:
        return
    with transaction.atomic():
        update_rows(Citizen, _POSITION_COLUMNS, prepared.rows)
    announce_whereabouts(*prepared.citizen_ids)
