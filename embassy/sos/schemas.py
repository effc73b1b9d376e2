from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema

from embassy.common.schema_types import BoolAsText


class AlertIn(Schema):
    """Everything is optional: a bare POST is a valid SOS. Coordinates that are missing, malformed or out
    of range do not reject the alert; the case is marked 'location unknown'."""

    idempotency_key: str | None = Field(None, max_length=200, description="Chosen by the phone; a retry with "
                                        "the same key returns the same case and stores nothing new.")
    lat: Annotated[float | str | None, BoolAsText] = Field(None, description="WGS84 latitude (-90..90)")
    lon: Annotated[float | str | None, BoolAsText] = Field(None, description="WGS84 longitude (-180..180)")
    accuracy: Annotated[float | str | None, BoolAsText] = Field(None, description="Accuracy radius in metres")
    pressed_at: datetime | str | None = Field(None, description="When the button was pressed (alerts queued "
                                              "offline are sent later)")
    category: str = ""
    text: str = Field("", max_length=4000)


class MissionContactOut(Schema):
    code: str
    name: str
    hotline: str  # the number to call: the mission's hotline, or headquarters' (hotline_fallback)
    hotline_fallback: bool  # the mission lists no hotline: `hotline` is the headquarters' hotline
    phone: str
    email: str


class RaisedOut(Schema):
    id: int
    reference: str
    status: str
    created: bool
    joined: bool
    replay: bool
    location: str
    mission: MissionContactOut
    url: str


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    label: str
    text: str
    from_citizen: bool
    author: str
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    created_at: datetime


class OwnCaseOut(Schema):
    id: int
    reference: str
    status: str
    status_label: str
    category: str
    text: str
    location: str
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    outcome: str
    mission: MissionContactOut
    events: list[EventOut]


class DetailsIn(Schema):
    category: str | None = None
    text: str | None = Field(None, max_length=4000)


class LocationIn(Schema):
    lat: Annotated[float | str | None, BoolAsText] = None
    lon: Annotated[float | str | None, BoolAsText] = None
    accuracy: Annotated[float | str | None, BoolAsText] = None


class TextIn(Schema):
    text: str = Field(..., max_length=4000)


class PointOut(Schema):
    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None


class CaseOut(Schema):
    id: int
    reference: str
    status: str
    category: str
    priority: int
    sla: str
    citizen_id: int
    citizen_name: str
    mission_code: str
    country: str | None
    location: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    raised_at: datetime
    waiting_since: datetime
    acknowledged_at: datetime | None
    assigned_to: str
    escalation_level: int
    alerts: int
    cancelled: bool = Field(description="Cancelled by the citizen (pressed by mistake); the case is kept and counted")
    unread: bool = Field(description="Something from the citizen (a message after the acknowledgement, a "
                                     "cancellation) that no officer has opened yet")
    unverified: bool = Field(False, description="Sent by SMS or WhatsApp from a number that matches no registered "
                                                "citizen: who wrote is not known")


class CaseDetailOut(CaseOut):
    text: str
    outcome: str
    resolved_at: datetime | None
    stay_id: int | None
    events: list[EventOut]
    trail: list[PointOut]
    attachments: list[AttachmentOut]


class CaseUpdateIn(Schema):
    category: str | None = None
    priority: int | None = None


class AssignIn(Schema):
    assignee_id: int


class HandoverIn(Schema):
    mission_code: str
    reason: str = Field("", max_length=500)


class ResolveIn(Schema):
    outcome: str
    note: str = Field("", max_length=4000)


class CallIn(Schema):
    note: str = Field("", max_length=4000)


class DutyIn(Schema):
    mission_code: str
    on_duty: bool


class CursorOut(Schema):
    cursor: str
