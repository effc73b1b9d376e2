from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from embassy.citizens.models import Citizen, Stay
from embassy.citizens.selectors import confirmation_due, stay_passport_warning
from embassy.common.schema_types import Coordinate


class ProfileOut(Schema):
    id: int
    full_name: str
    birth_date: dt.date | None
    gender: str
    email: str
    phone: str
    nik: str
    passport_number: str
    passport_expiry: dt.date | None
    home_address: str
    share_location: bool
    pending_email: str = Field(description="a new email waiting for the code sent to it (POST /me/profile/verify)")
    pending_phone: str = Field(description="a new phone waiting for the code sent to it (POST /me/profile/verify)")


class ProfileIn(Schema):
    full_name: str | None = Field(None, max_length=200)
    birth_date: dt.date | None = None
    gender: str | None = Field(None, pattern="^(F|M|)$")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    nik: str | None = Field(None, max_length=30)
    passport_number: str | None = Field(None, max_length=30)
    passport_expiry: dt.date | None = None
    home_address: str | None = Field(None, max_length=300)
    share_location: bool | None = None


class ContactVerifyIn(Schema):
    field: str = Field(..., pattern="^(email|phone)$", description="email or phone: the pending one to confirm")
    code: str = Field(..., max_length=12, description="the six-digit code sent to the new address")


class PositionIn(Schema):
    lat: Coordinate
    lon: Coordinate


class StayDetailsIn(Schema):
    """The details of the stay's purpose; those of other purposes are ignored (and cleared)."""

    occupation: str = Field("", max_length=40, description="work (or crew): kind of work, e.g. domestic_worker")
    employer: str = Field("", max_length=200, description="work")
    employer_address: str = Field("", max_length=300, description="work")
    employer_phone: str = Field("", max_length=30, description="work: international format, e.g. +60123456789")
    institution: str = Field("", max_length=200, description="study: school or university")
    pilgrimage_kind: str = Field("", max_length=5, description="pilgrimage (required): hajj or umrah")
    organiser: str = Field("", max_length=200, description="pilgrimage: travel organiser or group")
    vessel_name: str = Field("", max_length=200, description="crew")
    vessel_imo: str = Field("", max_length=12, description="crew: IMO number, 7 digits with check digit")
    vessel_flag: str = Field("", max_length=3, description="crew: flag state, ISO 3166-1 code")
    purpose_detail: str = Field("", max_length=300, description="other / family: free text")


class FamilyIn(Schema):
    """A new family member travelling along, added to my profile with the stay."""

    full_name: str = Field(..., max_length=200)
    relationship: str = Field(..., description="spouse, child, parent, sibling or other")
    birth_date: dt.date | None = None


class StayIn(StayDetailsIn):
    country: str | None = Field(None, max_length=3, description="ISO 3166-1 code; optional when lat/lon are given")
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    city: str = Field("", max_length=100)
    address: str = Field("", max_length=300)
    purpose: str = Field("other", description="work, study, tourism, pilgrimage, crew, family or other")
    start_date: dt.date
    end_date: dt.date | None = None
    dependants: list[int] = Field(default_factory=list, description="ids of my family members travelling along")
    family: list[FamilyIn] = Field(default_factory=list, max_length=10,
                                   description="new family members travelling along, added to my profile in the same "
                                               "request")
    location_purge_days: int | None = Field(
        30, description="delete the location 7, 30 or 90 days after the end date; null keeps it")
    passport_number: str = Field("", max_length=30, description="saved on my profile when given")
    passport_expiry: dt.date | None = Field(None, description="saved on my profile when given")


class StayPatch(Schema):
    """Only the fields sent are changed. A new location or country re-assigns the responsible mission."""

    country: str | None = Field(None, max_length=3)
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    purpose: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    dependants: list[int] | None = None
    location_purge_days: int | None = None
    occupation: str | None = Field(None, max_length=40)
    employer: str | None = Field(None, max_length=200)
    employer_address: str | None = Field(None, max_length=300)
    employer_phone: str | None = Field(None, max_length=30)
    institution: str | None = Field(None, max_length=200)
    pilgrimage_kind: str | None = Field(None, max_length=5)
    organiser: str | None = Field(None, max_length=200)
    vessel_name: str | None = Field(None, max_length=200)
    vessel_imo: str | None = Field(None, max_length=12)
    vessel_flag: str | None = Field(None, max_length=3)
    purpose_detail: str | None = Field(None, max_length=300)


class StayOut(Schema):
    id: int
    country: str
    city: str
    address: str
    lat: float | None
    lon: float | None
    purpose: str
    occupation: str
    employer: str
    employer_address: str
    employer_phone: str
    institution: str
    pilgrimage_kind: str
    organiser: str
    vessel_name: str
    vessel_imo: str
    vessel_flag: str
    purpose_detail: str
    start_date: dt.date
    end_date: dt.date | None
    status: str
    mission: str
    mission_name: str
    routing_rule: str
    dependants: list[int]
    confirmed_at: dt.datetime | None
    confirmation_due: bool = Field(description="active and last confirmed more than six months ago")
    location_purge_days: int | None
    location_purged_at: dt.datetime | None
    verified_at: dt.datetime | None = Field(description="when the responsible mission verified the record")
    passport_warning: str = Field(description="non-empty when the passport expires within six months of the end")

    @staticmethod
    def resolve_country(obj: Stay) -> str:
        return obj.country_id

    @staticmethod
    def resolve_mission(obj: Stay) -> str:
        return obj.mission.code

    @staticmethod
    def resolve_mission_name(obj: Stay) -> str:
        return obj.mission.name()

    @staticmethod
    def resolve_dependants(obj: Stay) -> list[int]:
        return [d.pk for d in obj.dependants.all()]

    @staticmethod
    def resolve_confirmation_due(obj: Stay) -> bool:
        return confirmation_due(obj)

    @staticmethod
    def resolve_passport_warning(obj: Stay) -> str:
        return stay_passport_warning(obj)


class DependantIn(Schema):
    full_name: str = Field(..., max_length=200)
    relationship: str = Field("other", description="spouse, child, parent, sibling or other")
    birth_date: dt.date | None = None
    nationality: str = Field("", max_length=3, description="ISO 3166-1 code; default: the ministry's country")
    passport_number: str = Field("", max_length=30)


class DependantOut(Schema):
    id: int
    full_name: str
    relationship: str
    birth_date: dt.date | None
    nationality: str
    is_citizen: bool
    passport_number: str


class MissionRefOut(Schema):
    code: str
    name: str
    hotline: str


class WhereOut(Schema):
    country_code: str | None = Field(description="ISO 3166-1 alpha-2; null at sea")
    country_name: str | None
    has_active_stay_there: bool
    mission: MissionRefOut | None


class ContactIn(Schema):
    name: str = Field(..., max_length=200)
    relationship: str = Field("", max_length=60)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)


class ContactOut(Schema):
    id: int
    name: str
    relationship: str
    phone: str
    email: str


class CitizenSummaryOut(Schema):
    id: int
    full_name: str
    phone: str
    email: str


class CitizenDetailOut(ProfileOut):
    stays: list[StayOut]
    emergency_contacts: list[ContactOut]
    dependants: list[DependantOut]

    @staticmethod
    def resolve_stays(obj: Citizen) -> list:
        return list(obj.stays.select_related("mission").prefetch_related("dependants"))

    @staticmethod
    def resolve_emergency_contacts(obj: Citizen) -> list:
        return list(obj.emergency_contacts.all())

    @staticmethod
    def resolve_dependants(obj: Citizen) -> list:
        return list(obj.dependants.all())


class WhereFilterIn(Schema):
    """Narrows "where citizens are" (tables, map, list, exports); every filter is optional."""

    mission: str = Field("", max_length=40, description="mission code, e.g. KBRI-KUALA-LUMPUR")
    country: str = Field("", max_length=2, description="ISO 3166-1 alpha-2")
    city: str = Field("", max_length=100, description="exact city name, any case")
    purpose: str = Field("", max_length=12, description="work, study, tourism, pilgrimage, crew, family, other")
    occupation: str = Field("", max_length=40, description="occupation key, e.g. domestic_worker")


class WhereCitizenOut(Schema):
    """One active stay with the citizen's name and contacts (authorised staff only)."""

    stay_id: int = Field(..., alias="id")
    citizen_id: int
    full_name: str = Field(..., alias="citizen.full_name")
    phone: str = Field(..., alias="citizen.phone")
    email: str = Field(..., alias="citizen.email")
    country: str = Field(..., alias="country_id")
    city: str
    purpose: str
    occupation: str
    employer: str
    mission: str = Field(..., alias="mission.code")
    dependants: int = Field(..., alias="n_dependants", description="family members travelling along")
