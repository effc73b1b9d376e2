"""The timeline's sources: one small adapter per app that holds part of a person's history.

Each `Source` names the person's rows (one query, joined to what its entries show), the time column, the path
to the mission that scopes a row, and what the citizen may see of it (`seen_by_citizen`: True, False or a
condition on the row). `fetch` reads one source: one query, scoped, after the cursor, newest first, with a
LIMIT. Which missions a reader covers is decided by the selectors, not here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from embassy.timeline.entries import Cursor, Entry


@dataclass(frozen=True)
class Source:
    name: str  # unique; part of the cursor, so never renamed
    kind: str  # the filter group (entries.KINDS)
    at: str  # the time column
    mission: str  # the path to the mission's id
    rows: Callable[[int], QuerySet[Any]]  # the person's rows, with what `entry` reads joined in
    seen_by_citizen: Q | bool
    entry: Callable[[Any, bool], Entry]  # (row, for the citizen?) → entry; row.citizen_sees is annotated

    def scoped(self, citizen_id: int, mission_ids: frozenset[int] | None) -> QuerySet[Any]:
        rows = self.rows(citizen_id)
        return rows if mission_ids is None else rows.filter(**{f"{self.mission}__in": mission_ids})


def fetch(source: Source, *, citizen_id: int, mission_ids: frozenset[int] | None, for_citizen: bool,
          cursor: Cursor | None, limit: int) -> list[Entry]:
    """At most `limit` entries of one source, older than `cursor`, newest first: one query."""
    if for_citizen and source.seen_by_citizen is False:
        return []
    rows = source.scoped(citizen_id, mission_ids)
    seen = source.seen_by_citizen
    if isinstance(seen, Q):
        rows = rows.annotate(citizen_sees=ExpressionWrapper(seen, output_field=BooleanField()))
        if for_citizen:
            rows = rows.filter(seen)
    else:
        rows = rows.annotate(citizen_sees=Value(seen, output_field=BooleanField()))
    if cursor is not None:
        rows = rows.filter(cursor.older(source=source.name, at_field=source.at))
    return [source.entry(row, for_citizen) for row in rows.order_by(f"-{source.at}", "-pk")[:limit]]
