"""The citizen takes an SOS back ("I pressed by mistake"), and officers take note of what the citizen did.

Invariant: nothing is deleted. A cancelled case is closed with the outcome "cancelled by the citizen" and a
timeline entry; it stays in every count of cases, and an officer may reopen it (a press taken back under
pressure is still a press). Until an officer opens it, the queue keeps showing it (`Case.unread_at`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.missions.selectors import scope_for
from embassy.sos import notices
from embassy.sos.models import Case, Event, Outcome
from embassy.sos.services.common import clean_text, event_add


@transaction.atomic
def case_cancel_by_citizen(*, case: Case, user: User, reason: str = "") -> Case:
    """Close the citizen's own open case as cancelled. Idempotent: a case already cancelled is returned as
    it is (a double tap, a retry); a case an officer closed stays as the officer closed it."""
    case = Case.objects.select_for_update(of=("self",)).select_related("mission", "citizen", "user").get(pk=case.pk)
    if not case.is_open:
        return case
    now = timezone.now()
    was_alerted = case.alerted_at is not None
    case.status = Case.Status.RESOLVED
    case.outcome = Outcome.CANCELLED
    case.resolved_at = now
    case.unread_at = now
    case.updated_at = now
    fields = ["status", "outcome", "resolved_at", "unread_at", "updated_at"]
    if not was_alerted:
        # Taken back before the duty officers were told: they are not woken for it, the queue still shows it.
        case.alerted_at = now
        fields.append("alerted_at")
    case.save(update_fields=fields)
    event_add(case, Event.Kind.CANCELLED, actor=user, from_citizen=True, public=True, at=now,
              text=clean_text(reason, 500), data={"acknowledged": case.acknowledged_at is not None})
    audit_record(actor=user, action="sos.cancel", object_type="sos_case", object_id=case.pk,
                 citizen_id=case.citizen_id, mission_code=case.mission.code)
    if was_alerted:
        notices.staff_cancelled(case)
    return case


def case_mark_read(*, case: Case, actor: User) -> bool:
    """An officer of the case's mission opened it: what the citizen sent is seen. True when a mark was
    cleared. One UPDATE, only when there is something to clear (the console's page views stay reads); it moves
    the live cursor, so the other officers' queues drop the mark too."""
    if case.unread_at is None or not scope_for(actor).covers_personal(case.mission_id):
        return False
    now = timezone.now()
    cleared = Case.objects.filter(pk=case.pk, unread_at__isnull=False).update(unread_at=None, updated_at=now)
    case.unread_at = None
    if cleared:
        case.updated_at = now
    return bool(cleared)
