"""Periodic jobs and their registry. The scheduler (manage.py run_scheduler) enqueues each job when due;
the task worker (manage.py db_worker) runs it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from embassy.common.models import Marker
from embassy.common.tasking import task


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    task: Any  # a django_tasks Task


REGISTRY: dict[str, Periodic] = {}


def periodic(every: dt.timedelta) -> Callable[[Any], Any]:
    def register(t: Any) -> Any:
        name = getattr(t, "module_path", t.name)
        REGISTRY[name] = Periodic(name, every, t)
        return t

    return register


@periodic(dt.timedelta(minutes=1))
@task(queue_name="default")
def heartbeat() -> str:
    """Proves the scheduler → queue → worker chain works; the console shows the last beat."""
    now = timezone.now()
    Marker.objects.update_or_create(key="worker.heartbeat", defaults={"value": {"at": now.isoformat()}})
    return now.isoformat()
