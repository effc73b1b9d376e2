from datetime import datetime
from typing import Any

from ninja import Field, Schema

from embassy.common.schema_types import Coordinate


class FeedItemOut(Schema):
    """One public feed event that is part of the crisis (an aftershock, another feed's alert)."""

    source: str
    source_id: str
    title: str
    url: str
    magnitude: float | None
    severity_label: str
    lat: float
    lon: float
    radius_km: float | None
    occurred_at: datetime
    updated_at: datetime


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
    polygon: dict[str, Any] | None
    countries: list[str]
    registered_inside: int
    affected_at: datetime | None
    rollcall_started_at: datetime | None
    missions: list[str]
    occurred_at: datetime | None
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    events: list[FeedItemOut]

    @staticmethod
    def resolve_missions(obj: Any) -> list[str]:
        return sorted(m.code for m in obj.missions.all())

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return sorted(obj.feed_items.all(), key=lambda i: (i.occurred_at, i.pk))


class DeclareIn(Schema):
    title: str = Field(..., max_length=300)
    kind: str
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    radius_km: float | None = None
    countries: list[str] = []
    polygon: dict[str, Any] | None = None


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


class ZoneIn(Schema):
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    radius_km: float | None = None
    polygon: dict[str, Any] | None = None
    countries: list[str] | None = None


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)


class CountsOut(Schema):
    affected: int
    registered: int
    dependants: int
    asked: int
    reached: int
    safe: int
    help: int
    silent: int
    unreachable: int
    contacts_asked: int


class ChannelCountsOut(Schema):
    """The roll-call's messages on one channel. `delivered` is null where the channel sends no delivery report
    (e-mail): handed over is all that is known there."""

    channel: str
    messages: int
    waiting: int = Field(description="Still in the outbox")
    handed_over: int = Field(description="Accepted by the channel or provider")
    delivered: int | None = Field(description="The receipt says delivered or read (SMS, WhatsApp, push)")
    failed: int = Field(description="The outbox gave up, or the provider's receipt says failed")
    receipts: bool = Field(description="Whether the channel reports delivery")


class SilentOut(Schema):
    id: int
    citizen_id: int
    name: str
    phone: str
    email: str
    mission: str
    via: str
    channel: str
    asked_at: datetime | None
    reached_at: datetime | None
    reminders: int
    contacts_asked_at: datetime | None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.citizen.full_name

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return obj.citizen.phone

    @staticmethod
    def resolve_email(obj: Any) -> str:
        return obj.citizen.email

    @staticmethod
    def resolve_mission(obj: Any) -> str:
        return obj.mission.code


class SilentPageOut(Schema):
    total: int
    rows: list[SilentOut]


class StaffAnswerIn(Schema):
    answer: str
    note: str = Field("", max_length=500)


class LinkAnswerIn(Schema):
    crisis: int
    token: str = Field(..., max_length=200)
    answer: str
    text: str = Field("", max_length=500)


class AnswerOut(Schema):
    answer: str
    recorded: bool
    case_id: int | None


class OwnAnswerIn(Schema):
    answer: str
    text: str = Field("", max_length=500)


class OwnRollcallOut(Schema):
    crisis_id: int
    title: str
    answer: str
    answered_at: datetime | None

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return obj.crisis.title
