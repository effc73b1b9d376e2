"""Background jobs of the outbox: the dispatch task (enqueued on commit by `kick`, coalesced per lane), the
safety net that retries due and abandoned messages every 15 seconds, and the hourly purge. This module
imports the dispatcher, never the other way round: a run cut short hands over through a callback."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from embassy.common import kicks
from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.notify.dispatch import dispatch_run, purge_old
from embassy.notify.models import Priority

log = logging.getLogger(__name__)


@task(queue_name="notify")
def dispatch(lane: str = "notify") -> int:
    """Drain the outbox, highest priority first (see embassy.notify.dispatch)."""
    kick_done(lane)
    return dispatch_run(hand_over=_hand_over(lane or "notify"))


@periodic(dt.timedelta(seconds=15))
@task(queue_name="notify")
def dispatch_pending() -> int:
    """Safety net: messages whose retry time has come, whose worker died (lease expired), or whose kick
    was lost."""
    return dispatch_run(hand_over=_hand_over("notify"))


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def purge_old_messages() -> int:
    return purge_old()


# --- Kicking the dispatcher --------------------------------------------------------------------------------
# Lanes coalesce dispatch tasks: (task queue, task priority). Every lane drains the whole outbox in
# priority order; lanes only decide which worker queue wakes up and how soon.
# A broadcast's lane is on "notify" too, not on "bulk" (the slow pulls from the platforms, which the outbox's
# first worker never takes): every worker that sends sends the broadcast from its first batch on.
LANES: dict[str, tuple[str, int]] = {"urgent": ("notify", 50), "notify": ("notify", 0), "bulk": ("notify", -10)}


def lane_for(priority: int) -> str:
    if priority <= Priority.HIGH:
        return "urgent"
    return "bulk" if priority >= Priority.BULK else "notify"


def kick(lane: str = "notify", *, delay: float = 0.0) -> bool:
    """Make sure a dispatch task for `lane` is queued (call on commit). At most one waits per lane, shared
    by every process through the database (common.kicks); a flag older than a minute counts as lost.
    Returns whether a task was enqueued. With `delay`, the task starts that much later, where the backend
    can defer (the immediate backend cannot: the periodic job follows up instead of a recursion)."""
    try:
        task = _lane_task(lane)
        if delay and (task := kicks.deferred(task, delay)) is None:
            return False
    except Exception:  # the outbox keeps the message; the periodic job will send it
        log.exception("notify: could not prepare a dispatch task (lane %s)", lane)
        return False
    return kicks.kick_once(_kick_name(lane), task, lane=lane)


def _hand_over(lane: str) -> Callable[[], bool]:
    """What a run cut short calls: a fresh task for its lane. Where the backend orders tasks by priority and can
    defer (the database queue), at once: the tasks that waited meanwhile (an SOS fan-out) still go first, and
    the worker does not idle. Where it cannot order them (rq), 0.2 s later, so that the worker looks at its other
    queues first; where it cannot defer (immediate), the periodic job follows up."""
    backend = dispatch.get_backend()
    return partial(kick, lane, delay=0.0 if backend.supports_priority and backend.supports_defer else 0.2)


def kick_done(lane: str) -> None:
    """Called when a dispatch task starts: messages committed from now on need a new kick."""
    kicks.kick_done(_kick_name(lane))


def _kick_name(lane: str) -> str:
    return f"notify.{lane}"


def _lane_task(lane: str) -> Any:
    """The dispatch task for a lane: its queue, and its priority where the backend orders by priority."""
    queue, priority = LANES.get(lane, LANES["notify"])
    task = dispatch.using(queue_name=queue)
    return task.using(priority=priority) if task.get_backend().supports_priority else task
