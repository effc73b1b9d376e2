"""The audit log: one function writes it, selectors read it (headquarters only)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from embassy.accounts.models import AuditEvent, User
from embassy.common.bulk import batched, insert_many, prepare_value
from embassy.common.context import current_request
from embassy.common.errors import PermissionDenied
from embassy.common.spreadsheet import csv_lines
from embassy.missions.selectors import scope_for


@dataclass(frozen=True)
class AuditItem:
    """One event of audit_record_many: what was acted on."""

    object_type: str
    object_id: object
    citizen_id: int | None = None
    mission_code: str = ""
    detail: dict[str, Any] | None = None


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    citizen_id: int | None = None,
    mission_code: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Client address and user agent come from the current request, if any."""
    info = current_request.get()
    return AuditEvent.objects.create(
        actor=actor if isinstance(actor, User) else None,  # AnonymousUser and None are "anonymous"
        actor_label=(actor.username if isinstance(actor, User) else "anonymous")[:150],
        action=action[:40],
        object_type=object_type[:40],
        object_id=str(object_id)[:40],
        citizen_id=citizen_id,
        mission_code=mission_code[:40],
        ip=info.ip,
        user_agent=info.user_agent,
        path=info.path,
        detail=detail or {},
    )


_MANY_COLUMNS = ("object_type", "object_id", "citizen_id", "mission_code", "detail")


def audit_record_many(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    events: Iterable[AuditItem],
) -> int:
    """Append one event per item, in one INSERT per 1,000 rows of plain values (a job that acts on thousands of
    records at once: the complaints' escalation, the deletion of trip locations); otherwise as audit_record.
    Runs in the caller's transaction. Returns how many were written."""
    info = current_request.get()
    constants = {"actor": actor if isinstance(actor, User) else None,
                 "actor_label": (actor.username if isinstance(actor, User) else "anonymous")[:150],
                 "action": action[:40], "ip": info.ip, "user_agent": info.user_agent, "path": info.path,
                 "at": timezone.now()}
    written = 0
    for chunk in batched(events, 1000):
        rows = [(item.object_type[:40], str(item.object_id)[:40], item.citizen_id, item.mission_code[:40],
                 prepare_value(AuditEvent, "detail", item.detail or {})) for item in chunk]
        written += insert_many(AuditEvent, _MANY_COLUMNS, rows, constants=constants, set_based=("postgresql", "sqlite"))
    return written


def _require_hq(user: User) -> None:
    scope = scope_for(user)
    if not scope.personal_all:
        raise PermissionDenied("Only headquarters can search the audit log")


def audit_search_for(
    *,
    user: User,
    actor: str = "",
    action: str = "",
    citizen_id: int | None = None,
    mission_code: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    _require_hq(user)
    qs = AuditEvent.objects.all()
    if actor:
        qs = qs.filter(actor_label__iexact=actor.strip())
    if action:
        qs = qs.filter(action=action.strip())
    if citizen_id is not None:
        qs = qs.filter(citizen_id=citizen_id)
    if mission_code:
        qs = qs.filter(mission_code__iexact=mission_code.strip())
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


EXPORT_COLUMNS = ["id", "at", "actor", "action", "object_type", "object_id", "citizen_id", "mission", "ip", "user_agent", "path"]


def audit_export_rows(qs: QuerySet[AuditEvent]) -> Iterator[str]:
    """CSV lines, streamed, in the queryset's order; every cell made safe for spreadsheets (actor names, user
    agents and paths come from outside)."""
    rows = ([e.id, e.at.isoformat(), e.actor_label, e.action, e.object_type, e.object_id, e.citizen_id or "",
             e.mission_code, e.ip, e.user_agent, e.path] for e in qs.iterator(chunk_size=2000))
    return csv_lines(EXPORT_COLUMNS, rows)


def audit_export_response(*, user: User, **filters: Any) -> StreamingHttpResponse:
    """The HQ export as a streamed CSV download; the export itself is audited with its filters."""
    qs = audit_search_for(user=user, **filters)
    audit_record(actor=user, action="audit.export", detail={k: str(v) for k, v in filters.items() if v})
    response = StreamingHttpResponse(audit_export_rows(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
