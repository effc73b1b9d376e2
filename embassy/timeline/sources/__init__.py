"""Every source of a person's timeline, in one tuple; `fetch` reads one of them."""

from __future__ import annotations

from django.db.models import Exists, Q

from embassy.timeline.sources.base import Source, fetch
from embassy.timeline.sources.casework import COMPLAINTS, RESIDENCES
from embassy.timeline.sources.core import AFFECTED, ANSWERS, APPLICATIONS, BOOKINGS, NOTES, SOS, STAYS

SOURCES: tuple[Source, ...] = (SOS, COMPLAINTS, APPLICATIONS, AFFECTED, ANSWERS, BOOKINGS, STAYS, RESIDENCES, NOTES)

__all__ = ["SOURCES", "Source", "fetch", "related_anywhere"]


def related_anywhere(citizen_id: int, mission_ids: frozenset[int]) -> Q:
    """A condition on Citizen: the person has a row in some source at one of `mission_ids`."""
    found = Q(pk__in=[])
    for source in SOURCES:
        found |= Q(Exists(source.scoped(citizen_id, mission_ids)))
    return found
