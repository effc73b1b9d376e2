from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from embassy.advisories.cap import cap_url
from embassy.advisories.levels import SECTION_KEYS, SECTION_LABELS
from embassy.advisories.selectors import missions_serving


class RegionOut(Schema):
    name: str
    code: str = Field("", description="ISO 3166-2 subdivision code, where given")
    level: int
    colour: str
    level_label: str
    reason: str
    reason_id: str = ""
    reason_en: str = ""


class NumberOut(Schema):
    service: str
    label: str
    number: str


class SectionOut(Schema):
    key: str
    label: str
    text: str = Field(..., description="in the requested language, else the other")
    id: str
    en: str


class MissionContactOut(Schema):
    code: str
    kind: str
    name: str
    city: str
    address: str
    phone: str
    hotline: str
    email: str
    website: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.name())


class AdvisoryOut(Schema):
    country: str
    name: str
    name_id: str
    name_en: str
    version: int
    level: int
    colour: str
    level_label: str
    reason: str
    reason_id: str
    reason_en: str
    regions: list[RegionOut]
    sections: list[SectionOut]
    emergency_numbers: list[NumberOut]
    missions: list[MissionContactOut]
    is_demo: bool
    published_at: dt.datetime | None
    cap_url: str | None = Field(None, description="the CAP 1.2 alert, when this version raised a level")

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return str(obj.country_id)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.country.name())

    @staticmethod
    def resolve_name_id(obj: Any) -> str:
        return str(obj.country.name_id)

    @staticmethod
    def resolve_name_en(obj: Any) -> str:
        return str(obj.country.name_en)

    @staticmethod
    def resolve_version(obj: Any) -> int:
        return int(obj.number)

    @staticmethod
    def resolve_regions(obj: Any) -> list[dict[str, Any]]:
        return [{**r, "reason_id": raw.get("reason_id", ""), "reason_en": raw.get("reason_en", "")}
                for r, raw in zip(obj.region_list(), obj.regions or [], strict=True)]

    @staticmethod
    def resolve_sections(obj: Any) -> list[dict[str, Any]]:
        out = []
        for key in SECTION_KEYS:
            texts = (obj.sections or {}).get(key) or {}
            if texts.get("id") or texts.get("en"):
                out.append({"key": key, "label": str(SECTION_LABELS[key]), "text": obj.section_text(key),
                            "id": texts.get("id", ""), "en": texts.get("en", "")})
        return out

    @staticmethod
    def resolve_emergency_numbers(obj: Any) -> list[dict[str, str]]:
        return list(obj.number_list())

    @staticmethod
    def resolve_missions(obj: Any) -> list[Any]:
        return missions_serving(country=obj.country_id)

    @staticmethod
    def resolve_cap_url(obj: Any) -> str | None:
        return cap_url(obj) if obj.level_rose else None


class IndexItemOut(Schema):
    code: str
    name_id: str
    name_en: str
    level: int | None
    colour: str
    version: int | None
    is_demo: bool
    published_at: dt.datetime | None


class IndexOut(Schema):
    updated: dt.datetime | None
    count: int
    countries: list[IndexItemOut]


class VersionSummaryOut(Schema):
    id: int
    country: str
    number: int
    status: str
    level: int
    is_demo: bool
    level_rose: bool
    author: str
    reviewer: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return str(obj.country_id)

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return obj.author.username if obj.author_id else ""

    @staticmethod
    def resolve_reviewer(obj: Any) -> str:
        return obj.reviewer.username if obj.reviewer_id else ""


class RegionIn(Schema):
    name: str = Field("", max_length=100)
    code: str = Field("", max_length=10)
    level: int
    reason_id: str = ""
    reason_en: str = ""


class NumberIn(Schema):
    service: str
    number: str = Field(..., max_length=30)


class SectionIn(Schema):
    id: str = ""
    en: str = ""


class VersionOut(VersionSummaryOut):
    reason_id: str
    reason_en: str
    sections: dict[str, SectionIn]
    regions: list[RegionIn]
    emergency_numbers: list[NumberIn]
    previous_level: int | None
    review_note: str
    updated_at: dt.datetime


class DraftIn(Schema):
    base_version_id: int | None = Field(None, description="copy from this version (default: the published one)")


class VersionIn(Schema):
    level: int | None = Field(None, ge=1, le=4)
    reason_id: str | None = None
    reason_en: str | None = None
    sections: dict[str, SectionIn] | None = None
    regions: list[RegionIn] | None = None
    emergency_numbers: list[NumberIn] | None = None
    is_demo: bool | None = None


class RejectIn(Schema):
    note: str = Field(..., max_length=2000)


class FieldDiffOut(Schema):
    key: str
    label: str
    changed: bool
    old: str
    new: str
    unified: str


class DiffOut(Schema):
    old: VersionSummaryOut
    new: VersionSummaryOut
    fields: list[FieldDiffOut]


class FollowOut(Schema):
    country: str
    name: str

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return str(obj.code)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.name())
