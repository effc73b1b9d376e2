"""Periodic jobs of appointments: lapsed offers, no-shows, the day-before reminders and the fixer patterns."""

from __future__ import annotations

import datetime as dt
import logging

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.consular.booking import holds_expire, no_shows_mark, reminders_send, sessions_reoffer
from embassy.consular.fixers import fixer_scan

log = logging.getLogger(__name__)


@periodic(dt.timedelta(minutes=1))
@task(queue_name="default")
def consular_offers() -> int:
    """Lapse the waitlist offers not taken in time (their places go to the next person) and re-offer the places
    of people who did not come to a session that still runs."""
    return holds_expire() + sessions_reoffer()


@periodic(dt.timedelta(minutes=15))
@task(queue_name="default")
def consular_reminders() -> int:
    """Day-before reminders (mission-local) and the no-shows of appointments whose check-in has closed."""
    marked = no_shows_mark()
    sent = reminders_send()
    if sent or marked:
        log.info("consular: %d reminders, %d no-shows", sent, marked)
    return sent


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def consular_fixer_scan() -> int:
    """Flag patterns typical of fixers to the head of consular affairs."""
    return fixer_scan()
