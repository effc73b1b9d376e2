from datetime import datetime
from typing import Any

from ninja import Field, Schema


class CrisisOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    source: str
    source_id: str
    source_url: str
    magnitude: float | None
    severity_label: str
    lat: float | None
    lon: float | None
    radius_km: float | None
    countries: list[str]
    registered_inside: int
    missions: list[str]
    occurred_at: datetime | None
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_missions(obj: Any) -> list[str]:
        return sorted(m.code for m in obj.missions.all())


class DeclareIn(Schema):
    title: str = Field(..., max_length=300)
    kind: str
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    countries: list[str] = []


class DismissIn(Schema):
    reason: str = Field("", max_length=1000)


class FeedPollOut(Schema):
    source: str
    at: datetime
    ok: bool
    events: int
    created: int
    updated: int
    errors: list[str]
