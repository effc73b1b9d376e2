"""Background jobs for crises."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.crises import asking
from embassy.crises.polling import PARSERS, feed_poll


@periodic(dt.timedelta(minutes=5))
@task(queue_name="default")
def poll_feeds() -> str:
    """Poll every configured public disaster feed (off unless CRISIS_FEEDS_ENABLED)."""
    if not settings.CRISIS_FEEDS_ENABLED:
        return "disabled"
    polls = [feed_poll(source) for source in PARSERS]
    return ", ".join(f"{p.source}: {p.events} events, {p.created} new, {len(p.errors)} errors" for p in polls)


@task(queue_name="default", priority=10)
def rollcall_send(crisis_id: int, after: int = 0) -> int:
    """Queue the roll-call questions of one crisis (started by an officer); a run that reaches
    BATCH_JOB_MAX_SECONDS enqueues the next, which goes on after the last person it read."""
    return asking.rollcall_queue_asks(crisis_id, after=after,
                                      hand_over=lambda last: rollcall_send.enqueue(crisis_id, after=last))


@periodic(dt.timedelta(minutes=1))
@task(queue_name="default")
def rollcall_remind() -> int:
    """Remind those who have not answered; then ask their emergency contacts."""
    return asking.rollcall_remind()
