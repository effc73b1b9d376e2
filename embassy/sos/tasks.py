"""Periodic jobs for SOS cases. (The fan-out of new cases, kicked by each alert, is notices.alert_new_cases.)"""

from __future__ import annotations

import datetime as dt

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.sos.notices import cases_alert_new
from embassy.sos.services import cases_escalate_overdue


@periodic(dt.timedelta(seconds=20))
@task(queue_name="default")
def escalate_overdue() -> int:
    """Escalate unacknowledged cases (see services.escalation)."""
    cases_alert_new(older_than=dt.timedelta(seconds=10))  # safety net for a lost kick
    return cases_escalate_overdue()
