"""Periodic jobs for complaints."""

from __future__ import annotations

import datetime as dt

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.complaints.services import complaints_escalate_due


@periodic(dt.timedelta(minutes=1))
@task(queue_name="default")
def escalate_due() -> int:
    """Escalate the complaints whose service-level clock ran out (services.escalation)."""
    return complaints_escalate_due()
