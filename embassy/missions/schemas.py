from __future__ import annotations

from ninja import Schema


class AreaOut(Schema):
    country: str
    admin1: str


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
    hotline: str
    email: str
    website: str
    jurisdiction: list[AreaOut]

    @staticmethod
    def resolve_name(obj: object) -> str:
        return obj.name()  # type: ignore[attr-defined]

    @staticmethod
    def resolve_country(obj: object) -> str:
        return obj.country_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_jurisdiction(obj: object) -> list[dict[str, str]]:
        return [{"country": j.country_id, "admin1": j.admin1} for j in obj.jurisdictions.all()]  # type: ignore[attr-defined]


class RouteOut(Schema):
    lat: float
    lon: float
    country: str | None
    rule: str  # home | jurisdiction | subdivision | nearest
    distance_km: float
    mission: MissionOut
