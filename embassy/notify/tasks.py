"""Background jobs of the outbox: the dispatch task (enqueued on commit, coalesced per lane), the
safety net that retries due and abandoned messages every 15 seconds, and the hourly purge."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from embassy.common.tasks import periodic


@task(queue_name="notify")
def dispatch(lane: str = "notify") -> int:
    """Drain the outbox, highest priority first (see embassy.notify.dispatch)."""
    from embassy.notify.dispatch import dispatch_run, kick_done

    kick_done(lane)
    return dispatch_run(lane=lane)


@periodic(dt.timedelta(seconds=15))
@task(queue_name="notify")
def dispatch_pending() -> int:
    """Safety net: messages whose retry time has come, whose worker died (lease expired), or whose kick
    was lost."""
    from embassy.notify.dispatch import dispatch_run

    return dispatch_run()


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def purge_old_messages() -> int:
    from embassy.notify.dispatch import purge_old

    return purge_old()
