"""Background jobs for SOS cases."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from embassy.common.tasks import periodic


@task(queue_name="default", priority=50)
def alert_new_cases() -> int:
    """Fan out new SOS cases to their duty officers (kicked after each alert commits)."""
    from embassy.common.lanes import lane_clear
    from embassy.sos.notices import LANE, cases_alert_new

    lane_clear(LANE)  # before looking: an alert committed after this kicks a new run
    return cases_alert_new()


@periodic(dt.timedelta(seconds=20))
@task(queue_name="default")
def escalate_overdue() -> int:
    """Escalate unacknowledged cases (see services.escalation)."""
    from embassy.sos.notices import cases_alert_new
    from embassy.sos.services import cases_escalate_overdue

    cases_alert_new(older_than=dt.timedelta(seconds=10))  # safety net for a lost kick
    return cases_escalate_overdue()
