from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class ShelterOut(Schema):
    id: int
    mission: str
    name: str
    kind: str
    beds: int
    present: int
    free: int
    timezone: str


class StepOut(Schema):
    step: str
    label: str
    done_on: date
    done_by: str
    note: str


class ResidenceOut(Schema):
    id: int
    shelter_id: int
    person_name: str
    citizen_id: int | None
    checked_in_at: datetime
    checked_in_local: str
    checked_out_at: datetime | None
    checkout_reason: str
    days: int
    complaint_number: str | None
    sos_case_id: int | None
    overflow: bool
    repatriation: bool
    handover_agency: str
    last_step: str
    next_step: str | None


class ResidenceDetailOut(ResidenceOut):
    steps: list[StepOut]


class ShelterDetailOut(ShelterOut):
    residents: list[ResidenceOut]


class BoardRowOut(Schema):
    residence_id: int
    shelter_id: int
    mission: str
    person_name: str
    next_step: str
    next_step_label: str
    waiting_since: date | None
    days_waiting: int


class DayOut(Schema):
    date: date
    occupied: int
    arrivals: int
    departures: int
    average_stay_days: float | None


class OccupancyOut(Schema):
    shelter_id: int
    beds: int
    start: date
    end: date
    timezone: str
    bed_days: int
    occupancy_rate: float
    peak: int
    arrivals: int
    departures: int
    average_completed_stay_days: float | None
    days: list[DayOut]


class CheckInIn(Schema):
    citizen_id: int | None = Field(None, description="A person of the mission's registry.")
    person_name: str = Field("", max_length=200, description="Someone not registered (or the name as given).")
    complaint_id: int | None = None
    complaint_number: str = Field("", max_length=40)
    sos_case_id: int | None = None
    checked_in_at: datetime | None = Field(None, description="With its time zone; empty: now.")
    overflow: bool = Field(False, description="Confirm a check-in when every bed is taken.")
    repatriation: bool = False
    handover_agency: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)


class CheckOutIn(Schema):
    checked_out_at: datetime | None = None
    reason: str
    note: str = Field("", max_length=2000)


class StepIn(Schema):
    step: str
    done_on: date
    note: str = Field("", max_length=300)
    agency: str = Field("", max_length=100)
