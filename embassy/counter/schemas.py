from __future__ import annotations

import datetime as dt

from ninja import Schema


class TicketStatusOut(Schema):
    number: str
    status: str
    status_label: str
    service: str
    position: int | None  # 1 = next; None unless waiting
    ahead: int | None
    estimate_minutes: int | None
    expected_at: dt.datetime | None  # UTC
    expected_local: str  # "10:45 UTC+8", in the mission's zone
    counter: str  # where to go once called
    mission: str
    timezone: str


class DisplayCallOut(Schema):
    key: str
    number: str
    counter: str
    announcement: str


class DisplayOut(Schema):
    calls: list[DisplayCallOut]
    waiting: int
    lang: str


class FiguresOut(Schema):
    mission_code: str
    day: dt.date
    waiting: int
    called: int
    serving: int
    done: int
    no_show: int
    issued: int
    appointments: int
    priority: int
    open_counters: int
    median_wait_s: float | None
    longest_wait_now_s: float | None
    median_service_s: float | None
    estimate_new_s: float
