"""Moving an application along its timeline. The allowed steps:

    submitted → documents checked → in process → ready → collected
    submitted, documents checked → returned for correction (the citizen sends it again: submitted)
    submitted, documents checked, in process → refused

Each step is one transaction: the status, a timeline row (who, when, why), the audit row and the citizen's
notification in the outbox. A return or a refusal needs its reason, which the citizen reads."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.applications.models import Application, Status
from embassy.applications.services.common import require_officer, step
from embassy.common.errors import BadInput, Conflict

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (Status.DOCUMENTS_CHECKED, Status.RETURNED, Status.REJECTED),
    Status.DOCUMENTS_CHECKED: (Status.IN_PROCESS, Status.RETURNED, Status.REJECTED),
    Status.IN_PROCESS: (Status.READY, Status.REJECTED),
    Status.READY: (Status.COLLECTED,),
    Status.RETURNED: (),  # the citizen's move (application_resubmit)
    Status.COLLECTED: (),
    Status.REJECTED: (),
}
NEEDS_REASON = (Status.RETURNED, Status.REJECTED)
MAX_NOTE = 2000


def transitions_from(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def application_advance(
    *, actor: User, application: Application, to: str, note: str = "", now: dt.datetime | None = None
) -> Application:
    """An officer of the application's mission moves it to `to`. Raises Conflict for a step that is not
    allowed from its current status (read under a row lock: two officers pressing at once make one step),
    BadInput for a missing reason, PermissionDenied for an officer of another mission."""
    now = now or timezone.now()
    require_officer(actor, application.mission_id)
    note = note.strip()
    if to not in Status.values:
        raise BadInput(_("No such status."), field="status")
    if to in NEEDS_REASON and not note:
        raise BadInput(_("Write the reason: the citizen reads it."), field="note")
    if len(note) > MAX_NOTE:
        raise BadInput(_("The note is too long."), field="note")
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if to not in transitions_from(locked.status):
            raise Conflict(
                _("An application that is %(now)s cannot become %(to)s.")
                % {"now": Status(locked.status).label, "to": Status(to).label}
            )
        previous = locked.status
        application.status, application.updated_at = to, now
        application.status_note = note if to in NEEDS_REASON else application.status_note
        application.save(update_fields=["status", "status_note", "updated_at"])
        step(application, status=to, previous=previous, actor=actor, by_citizen=False, note=note, now=now)
        audit_record(
            actor=actor,
            action="applications.status",
            object_type="application",
            object_id=application.reference,
            citizen_id=application.citizen_id,
            mission_code=application.mission.code,
            detail={"from": previous, "to": to},
        )
    return application
