"""Reads of a person's timeline: the officer's (scoped by mission, audited once per page) and the citizen's own.

Who may read: staff whose roles read personal data (missions.PERSONAL_DATA_ROLES; social-media staff never).
Headquarters' protection analysts and administrators read everything; a mission's officer reads the entries of
their own missions only, and only for a person who has something at one of them (a stay, an SOS, an
application, a note…) — anyone else gets NotFound, as if the person did not exist. How many entries other
missions hold is not said: that count would itself tell the officer about the person's troubles elsewhere
(docs/timeline.md)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.selectors import own_citizen, stay_timezone
from embassy.common.errors import BadInput, NotFound, PermissionDenied
from embassy.missions.selectors import scope_for
from embassy.timeline.entries import LIMIT_MAX, Cursor, Entry
from embassy.timeline.sources import SOURCES, fetch, related_anywhere


@dataclass
class Timeline:
    citizen: Citizen
    entries: list[Entry]
    next_cursor: Cursor | None  # the "older" button's position; None at the start of the history
    partial: bool  # some missions' entries are not shown to this reader
    kinds: frozenset[str] | None = None
    timezone: str = ""  # the zone the reader sees times in ("": each entry's mission's zone)
    mission_ids: frozenset[int] | None = field(default=None, repr=False)


def _merge(*, citizen_id: int, mission_ids: frozenset[int] | None, for_citizen: bool, before: Cursor | None,
           limit: int, kinds: frozenset[str] | None) -> tuple[list[Entry], Cursor | None]:
    """One query per source (limit + 1 rows each), merged newest first: if more than `limit` come back,
    there is an older page, and it starts after the last entry shown."""
    if not 1 <= limit <= LIMIT_MAX:
        raise BadInput(_("Ask for between 1 and %(max)d entries.") % {"max": LIMIT_MAX}, field="limit")
    runs = [fetch(s, citizen_id=citizen_id, mission_ids=mission_ids, for_citizen=for_citizen, cursor=before,
                  limit=limit + 1)
            for s in SOURCES if kinds is None or s.kind in kinds]
    merged = list(heapq.merge(*runs, key=lambda e: e.key, reverse=True))
    page = merged[:limit]
    return page, (page[-1].cursor if len(merged) > limit else None)


def citizen_readable(*, user: User, citizen_id: int) -> tuple[Citizen, frozenset[int] | None]:
    """The person and the missions whose entries `user` reads of them (None: all). PermissionDenied for staff
    who may not read personal data; NotFound for a person who does not exist or has nothing at the reader's
    missions (and for anyone who is not staff). A refusal of staff is audited; the read is the caller's."""
    scope = scope_for(user)
    if not scope.is_staff:
        raise NotFound(_("No such citizen."), field="citizen_id")
    if not scope.personal_data:
        audit_record(actor=user, action="timeline.denied", object_type="citizen", object_id=citizen_id,
                     citizen_id=citizen_id)
        raise PermissionDenied(_("You may not read citizens' personal data."))
    mission_ids = None if scope.personal_all else scope.personal_ids
    people = Citizen.objects.filter(pk=citizen_id)
    if mission_ids is not None:
        people = people.filter(related_anywhere(citizen_id, mission_ids))
    citizen = people.first()
    if citizen is None:
        audit_record(actor=user, action="timeline.denied", object_type="citizen", object_id=citizen_id,
                     citizen_id=citizen_id)
        raise NotFound(_("No such citizen."), field="citizen_id")
    return citizen, mission_ids


def timeline_for(*, user: User, citizen_id: int, before: Cursor | None = None, limit: int = 50,
                 kinds: frozenset[str] | None = None) -> Timeline:
    """A person's history for a staff member, newest first, `limit` entries older than `before`, of `kinds`
    (None: all); refusals as `citizen_readable`. The read is audited once (one page, one event)."""
    citizen, mission_ids = citizen_readable(user=user, citizen_id=citizen_id)
    entries, next_cursor = _merge(citizen_id=citizen_id, mission_ids=mission_ids, for_citizen=False,
                                  before=before, limit=limit, kinds=kinds)
    audit_record(actor=user, action="timeline.view", object_type="citizen", object_id=citizen_id,
                 citizen_id=citizen_id,
                 detail={"entries": len(entries), "older": before is not None,
                         "kinds": sorted(kinds) if kinds else [], "all_missions": mission_ids is None})
    return Timeline(citizen=citizen, entries=entries, next_cursor=next_cursor, partial=mission_ids is not None,
                    kinds=kinds, mission_ids=mission_ids)


def citizen_zone(citizen: Citizen) -> str:
    """The zone the citizen reads times in: that of their newest active stay ("" when they have none: each
    entry is then shown in its mission's zone, with the zone's name)."""
    stay = (Stay.objects.filter(citizen=citizen, status=Stay.Status.ACTIVE).select_related("mission")
            .order_by("-start_date", "-id").first())
    return stay_timezone(stay) if stay is not None else ""


def timeline_own(*, user: User, before: Cursor | None = None, limit: int = 50) -> Timeline:
    """The signed-in citizen's own part of their history: what `seen_by_citizen` allows (never officers'
    notes, internal SOS notes, escalations or the crisis lists). Not a staff read: not audited."""
    citizen = own_citizen(user=user)
    entries, next_cursor = _merge(citizen_id=citizen.pk, mission_ids=None, for_citizen=True, before=before,
                                  limit=limit, kinds=None)
    return Timeline(citizen=citizen, entries=entries, next_cursor=next_cursor, partial=False,
                    timezone=citizen_zone(citizen))
