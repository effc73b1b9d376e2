"""What every complaint write shares: the acting officer's check, the history, the audit line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import NotFound, PermissionDenied
from embassy.complaints.models import Complaint, ComplaintEvent
from embassy.missions.selectors import scope_for


def require_officer(actor: User, mission_id: int) -> None:
    """A verified staff member who may read personal data at the mission (headquarters: every mission).
    Someone else's mission answers as if the complaint did not exist."""
    if getattr(actor, "kind", "") != "staff" or not actor.is_verified():
        raise PermissionDenied(_("Sign in as staff with your second factor first."))
    if not scope_for(actor).covers_personal(mission_id):
        raise NotFound(_("No such complaint."), field="number")


def event_add(complaint: Complaint, kind: str, *, actor: User | None, at: dt.datetime, note: str = "",
              level: int | None = None) -> ComplaintEvent:
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, actor=actor, at=at, note=note, level=level)


def audit(actor: User | None, action: str, complaint: Complaint, **detail: Any) -> None:
    audit_record(actor=actor, action=f"complaint.{action}", object_type="complaint", object_id=complaint.number,
                 citizen_id=complaint.citizen_id, mission_code=complaint.mission.code, detail=detail)
