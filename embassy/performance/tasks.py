"""Periodic jobs of performance: the rollup the public pages read (hourly) and the satisfaction surveys of
services finished and complaints closed (every 15 minutes)."""

from __future__ import annotations

import datetime as dt
import logging

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.performance.rollup import rollup_all
from embassy.performance.surveys import surveys_send_due

log = logging.getLogger(__name__)


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def performance_rollup() -> int:
    """Rebuild every mission's 12-month figures."""
    rows = rollup_all()
    log.info("performance: %d rollup rows", rows)
    return rows


@periodic(dt.timedelta(minutes=15))
@task(queue_name="default")
def performance_surveys() -> int:
    """Invite the people of finished services and closed complaints not yet asked (each once)."""
    return surveys_send_due()
