"""Periodic jobs of lapor diri: six-monthly confirmation reminders and the deletion of old trips' locations."""

from __future__ import annotations

import datetime as dt
import logging

from embassy.citizens.services import stay_locations_purge_due, stay_reminders_send
from embassy.common.tasking import task
from embassy.common.tasks import periodic

log = logging.getLogger(__name__)


@periodic(dt.timedelta(hours=6))
@task(queue_name="default")
def remind_stay_confirmations() -> int:
    """Remind citizens to confirm long stays (once per six-month period; see services.stay_reminders_send)."""
    sent = stay_reminders_send()
    if sent:
        log.info("stay confirmations: reminded %d citizens", sent)
    return sent


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def purge_stay_locations() -> int:
    """Delete the location of trips that ended longer ago than the citizen chose (privacy by design)."""
    purged = stay_locations_purge_due()
    if purged:
        log.info("stay locations: purged %d stays", purged)
    return purged
