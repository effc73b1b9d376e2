"""The timeline for apps and scripts: a staff member's view of a person (staff token, scoped like the console,
each call audited) and a citizen's own. Cursor pagination: `next` goes back as `before`."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.common.links import absolute
from embassy.common.when import local_label
from embassy.timeline import selectors
from embassy.timeline.entries import Cursor, Entry, parse_kinds
from embassy.timeline.schemas import TimelineOut

router = Router(auth=AUTH)


def _out(timeline: selectors.Timeline) -> dict[str, Any]:
    def entry(e: Entry) -> dict[str, Any]:
        zone = timeline.timezone or e.mission.timezone
        return {"at": e.at, "local_time": local_label(e.at, zone), "kind": e.kind, "kind_label": e.kind_label,
                "title": e.title, "detail": e.detail, "mission": e.mission.code, "mission_name": e.mission.name(),
                "timezone": e.mission.timezone, "link": absolute(e.link) if e.link else None,
                "citizen_visible": e.citizen_visible}

    return {"citizen_id": timeline.citizen.pk, "entries": [entry(e) for e in timeline.entries],
            "next": str(timeline.next_cursor) if timeline.next_cursor else None, "partial": timeline.partial}


@router.get("/citizens/{citizen_id}", response=TimelineOut, summary="A person's timeline (staff)")
def citizen_timeline(request: AuthedRequest, citizen_id: int, before: str | None = None, limit: int = 50,
                     kind: Query[list[str] | None] = None) -> dict[str, Any]:
    """Newest first; `kind` (repeatable) filters; 404 for a person with nothing at the caller's missions."""
    timeline = selectors.timeline_for(user=request.user, citizen_id=citizen_id,
                                      before=Cursor.parse(before), limit=limit, kinds=parse_kinds(kind))
    return _out(timeline)


@router.get("/me", response=TimelineOut, summary="My own timeline (citizen)")
def my_timeline(request: AuthedRequest, before: str | None = None, limit: int = 50) -> dict[str, Any]:
    timeline = selectors.timeline_own(user=request.user, before=Cursor.parse(before), limit=limit)
    return _out(timeline)
