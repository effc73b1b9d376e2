"""Background jobs for SOS cases."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from embassy.common.tasks import periodic


@periodic(dt.timedelta(seconds=20))
@task(queue_name="default")
def escalate_overdue() -> int:
    """Escalate unacknowledged cases (see services.escalation)."""
    from embassy.sos.services import cases_escalate_overdue

    return cases_escalate_overdue()
