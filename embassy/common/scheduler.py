"""Enqueue periodic jobs when due. Several schedulers may run (one per node): the row lock on
PeriodicRun (SELECT ... FOR UPDATE on PostgreSQL, the write lock on SQLite) lets exactly one enqueue."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from embassy.common.models import PeriodicRun
from embassy.common.tasks import REGISTRY

log = logging.getLogger(__name__)


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
