from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class ComplaintIn(Schema):
    """A citizen's own complaint. Errors are 422 with the field: mission, category, text, place."""

    mission: str = Field(..., max_length=60, description="Mission code, e.g. KBRI-KUALA-LUMPUR (GET /missions)")
    category: str = Field(..., max_length=20, description="unpaid_salary | whereabouts | abuse | detention | death "
                                                          "| documents | trafficking | other")
    text: str = Field(..., max_length=5000, description="What happened")
    place: str = Field("", max_length=300)
    client_key: str = Field("", max_length=64, description="Chosen by the app; a retry returns the first")


class ForOtherIn(Schema):
    """A relative's or an employer's complaint about someone abroad (no sign-in; rate-limited)."""

    filed_by: str = Field(..., max_length=10, description="relative | employer")
    filer_name: str = Field(..., max_length=200)
    filer_relation: str = Field("", max_length=100)
    filer_phone: str = Field("", max_length=20, description="E.164; the phone or the e-mail is required")
    filer_email: str = Field("", max_length=254)
    subject_name: str = Field(..., max_length=200)
    subject_birth_date: dt.date | None = None
    passport: str = Field("", max_length=30)
    nik: str = Field("", max_length=30)
    mission: str = Field(..., max_length=60)
    category: str = Field(..., max_length=20)
    text: str = Field(..., max_length=5000)
    place: str = Field("", max_length=300)
    client_key: str = Field("", max_length=64)


class EventOut(Schema):
    kind: str
    label: str
    at: dt.datetime


class ComplaintOut(Schema):
    number: str
    mission: str
    mission_name: str
    category: str
    category_label: str
    status: str
    status_label: str
    filed_at: dt.datetime
    updated_at: dt.datetime
    url: str


class ComplaintDetailOut(ComplaintOut):
    subject_name: str
    events: list[EventOut]


class FiledOut(Schema):
    number: str
    mission: str
    status: str
