from __future__ import annotations

from datetime import datetime

from ninja import Schema


class EntryOut(Schema):
    at: datetime  # UTC
    local_time: str  # in the reader's zone (staff: the entry's mission's), with the zone's name
    kind: str
    kind_label: str
    title: str
    detail: str
    mission: str  # the mission's code
    mission_name: str
    timezone: str  # the mission's zone
    link: str | None  # the source's page (absolute), when there is one for this reader
    citizen_visible: bool


class TimelineOut(Schema):
    citizen_id: int
    entries: list[EntryOut]
    next: str | None  # pass as `before` for the older page; null at the start of the history
    partial: bool  # entries at missions outside the reader's scope are left out (not counted)
