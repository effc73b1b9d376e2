from __future__ import annotations

from ninja import Schema

from embassy.missions.contact import hotline_for
from embassy.missions.models import Mission


class AreaOut(Schema):
    country: str
    admin1: str
    admin2: str


class MissionOut(Schema):
    code: str
    kind: str
    name: str
    name_id: str
    name_en: str
    city: str
    country: str
    lat: float
    lon: float
    timezone: str
    address: str
    phone: str
    hotline: str  # the number to call: the mission's hotline, or headquarters' (hotline_fallback)
    hotline_fallback: bool  # the mission lists no hotline: `hotline` is the headquarters' hotline
    email: str
    website: str
    jurisdiction: list[AreaOut]
    sources: list[str]  # where the row's facts come from (URLs)
    source_date: str  # YYYY-MM-DD, YYYY-MM or YYYY; "" when not recorded

    @staticmethod
    def resolve_name(obj: Mission) -> str:
        return obj.name()

    @staticmethod
    def resolve_country(obj: Mission) -> str:
        return obj.country_id

    @staticmethod
    def resolve_hotline(obj: Mission) -> str:
        return hotline_for(obj).number

    @staticmethod
    def resolve_hotline_fallback(obj: Mission) -> bool:
        return hotline_for(obj).fallback

    @staticmethod
    def resolve_sources(obj: Mission) -> list[str]:
        return obj.source_urls

    @staticmethod
    def resolve_jurisdiction(obj: Mission) -> list[dict[str, str]]:
        return [{"country": j.country_id, "admin1": j.admin1, "admin2": j.admin2}
                for j in obj.jurisdictions.all()]


class RouteOut(Schema):
    lat: float
    lon: float
    country: str | None
    rule: str  # home | jurisdiction | subdivision | district | nearest
    place: str  # land | coastal (in the country's territorial sea, 12 nm) | sea
    distance_km: float
    mission: MissionOut
