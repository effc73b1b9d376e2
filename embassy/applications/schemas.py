from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema


class EventOut(Schema):
    status: str
    status_label: str
    at: datetime
    local_time: str  # in the mission's zone, with the zone's name
    by_citizen: bool
    note: str


class DocumentOut(Schema):
    key: str
    label: str
    content_type: str
    size: int


class ApplicationOut(Schema):
    reference: str
    mission: str
    mission_name: str
    timezone: str
    service: str
    service_name: str
    status: str
    status_label: str
    status_note: str
    submitted_at: datetime
    updated_at: datetime
    due_on: date | None
    fee: Decimal | None
    currency: str
    url: str


class ApplicationDetailOut(ApplicationOut):
    answers: dict[str, str]
    documents: list[DocumentOut]
    timeline: list[EventOut]


class QuestionOut(Schema):
    name: str
    label: str
    kind: str
    required: bool
    choices: list[list[str]]
    when: str


class RequiredDocumentOut(Schema):
    key: str
    label: str
    required: bool
    types: list[str]
    max_mb: int


class FormOut(Schema):
    mission: str
    service: str
    service_name: str
    fee: Decimal | None
    currency: str
    target_days: int | None
    questions: list[QuestionOut]
    documents: list[RequiredDocumentOut]
