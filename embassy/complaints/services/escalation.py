"""Automatic escalation: a complaint whose clock ran out moves up one level — officer → head of consular
affairs → head of mission → headquarters — gets a fresh clock at the new level (none at headquarters), and the
new level's people are told through the outbox; each step is written to the history and audited.

The check reads only the rows that are due, through the partial index on due_at (a clock that is stopped is
NULL and not in the index), in batches, oldest deadline first; each batch is one transaction: one UPDATE per
(level, category) group, one bulk INSERT of the history, the audit lines, one outbox batch per mission and
level. On PostgreSQL the batch's rows are locked with SKIP LOCKED, so that two workers never escalate a complaint
twice; SQLite's write transactions are serialised (BEGIN IMMEDIATE)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from embassy.accounts.audit import AuditItem, audit_record_many
from embassy.complaints import notices, sla
from embassy.complaints.models import Complaint, ComplaintEvent, Level
from embassy.missions.models import Mission

CHUNK = 900  # ids per UPDATE ... WHERE id IN (...) (well under SQLite's bound-parameter limit)


def _batch(now: dt.datetime, run: str) -> int:
    with transaction.atomic():
        rows = list(Complaint.objects.filter(due_at__lte=now).order_by("due_at")
                    .select_for_update(skip_locked=True)
                    .values_list("pk", "number", "level", "category", "mission_id", "citizen_id")[:settings.COMPLAINTS_ESCALATION_BATCH])
        if not rows:
            return 0
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for pk, _number, level, category, _mission, _citizen in rows:
            groups[(level, category)].append(pk)
        for (level, category), ids in groups.items():
            amber_at, due_at = sla.clock(category, level + 1, now)
            for start in range(0, len(ids), CHUNK):
                Complaint.objects.filter(pk__in=ids[start:start + CHUNK]).update(
                    level=level + 1, escalated_at=now, updated_at=now, amber_at=amber_at, due_at=due_at)
        ComplaintEvent.objects.bulk_create(
            [ComplaintEvent(complaint_id=pk, at=now, kind=ComplaintEvent.Kind.ESCALATED, level=level + 1)
             for pk, _n, level, _c, _m, _ci in rows], batch_size=1000)
        codes = dict(Mission.objects.filter(pk__in={r[4] for r in rows}).values_list("pk", "code"))
        told: dict[tuple[int, int], list[str]] = defaultdict(list)
        for _pk, number, level, _category, mission_id, _citizen in rows:
            told[(mission_id, level + 1)].append(number)
        audit_record_many(actor=None, action="complaint.escalate", events=[
            AuditItem("complaint", number, citizen_id=citizen_id, mission_code=codes.get(mission_id, ""),
                      detail={"level": level + 1, "to": Level(level + 1).name.lower()})
            for _pk, number, level, _category, mission_id, citizen_id in rows])
        notices.escalated(groups=told, run=run)
        return len(rows)


def complaints_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every complaint whose clock ran out by `now`; returns how many moved up."""
    now = now or timezone.now()
    run = now.strftime("%Y%m%dT%H%M%S")
    total = 0
    while done := _batch(now, run):
        total += done
    return total
