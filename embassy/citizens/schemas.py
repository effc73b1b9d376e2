from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


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


class StayIn(Schema):
    country: str | None = Field(None, max_length=3, description="ISO 3166-1 code; optional when lat/lon are given")
    lat: float | None = None
    lon: float | None = None
    city: str = Field("", max_length=100)
    address: str = Field("", max_length=300)
    purpose: str = "other"
    occupation: str = Field("", max_length=40)
    employer: str = Field("", max_length=200)
    start_date: dt.date
    end_date: dt.date | None = None


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
    start_date: dt.date
    end_date: dt.date | None
    status: str
    mission: str
    mission_name: str
    routing_rule: str

    @staticmethod
    def resolve_country(obj: object) -> str:
        return obj.country_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_mission(obj: object) -> str:
        return obj.mission.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_mission_name(obj: object) -> str:
        return obj.mission.name()  # type: ignore[attr-defined]


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

    @staticmethod
    def resolve_stays(obj: object) -> list:
        return list(obj.stays.select_related("mission").all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_emergency_contacts(obj: object) -> list:
        return list(obj.emergency_contacts.all())  # type: ignore[attr-defined]
