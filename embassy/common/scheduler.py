"""Enqueue periodic jobs when due.

Several schedulers may run (one per node, or a standby). On PostgreSQL one of them is the leader: it holds
a session-level advisory lock for as long as its connection lives, and the others wait and try again each
round, so a node whose clock runs ahead never runs a job early beside the leader. If the leader dies its
connection closes, the lock goes with it, and a standby takes over within a round. Beneath that, the row lock
on PeriodicRun (SELECT ... FOR UPDATE; the write lock on SQLite) still lets exactly one enqueue each job."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from embassy.common.models import PeriodicRun
from embassy.common.tasks import REGISTRY

log = logging.getLogger(__name__)
LEADER_LOCK = 0x5E5C_0001  # pg_advisory_lock key of the scheduler leader ("SE" scheduler 1)


class Leadership:
    """Scheduler leader election: `hold()` is True while this process is the leader (always on SQLite, where
    one machine runs one scheduler and the write lock already serialises)."""

    def __init__(self) -> None:
        self.held = False

    def hold(self) -> bool:
        if connection.vendor != "postgresql":
            return True
        try:
            with connection.cursor() as cursor:
                if self.held:
                    cursor.execute("SELECT 1")  # still connected: the session still holds the lock
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK])
                    self.held = bool(cursor.fetchone()[0])
                    if self.held:
                        log.info("scheduler: this process is the leader")
        except Exception:
            log.warning("scheduler: the database is away; not leading until it is back", exc_info=True)
            self.release()
        return self.held

    def release(self) -> None:
        if connection.vendor == "postgresql" and self.held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LEADER_LOCK])
            except Exception:  # the connection is gone, and the lock with it
                log.debug("scheduler: the lock went with the connection", exc_info=True)
        self.held = False
        if connection.vendor == "postgresql":
            connection.close()  # a fresh connection next round (a broken one would keep failing)



def scheduler_tick() -> list[str]:
    """Enqueue every job that is due; return their names."""
    autodiscover_modules("tasks")
    now = timezone.now()
    started: list[str] = []
    for name, job in sorted(REGISTRY.items()):
        with transaction.atomic():
            run, _ = PeriodicRun.objects.select_for_update().get_or_create(name=name)
            if run.next_run_at is not None and run.next_run_at > now:
                continue
            result = job.task.enqueue()
            run.last_run_at = now
            run.next_run_at = now + job.every
            run.last_result = f"enqueued {result.id}"[:200]
            run.save()
        started.append(name)
        log.info("scheduler: enqueued %s", name)
    return started
