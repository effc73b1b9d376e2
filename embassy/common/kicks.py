"""Coalesced task kicks: "make sure this task runs soon" from many requests, with one queued task at most.

The hot path is a read: when a kick is already pending, `kick_once` writes nothing. The task must call
`kick_done` BEFORE it looks for work — then anything committed before a kick that saw "pending" is
found by the run that cleared the flag, and anything committed after the clear sees "not pending" and
kicks again. A flag older than STALE counts as lost (e.g. the worker died) and is taken over.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from embassy.common.models import PendingKick

log = logging.getLogger(__name__)
STALE = dt.timedelta(seconds=60)


def deferred(task: Any, seconds: float) -> Any | None:
    """`task` set to start `seconds` from now, where its backend can defer; None where it cannot (the immediate
    backend of tests and single processes: the caller runs it now, or leaves it to a periodic job)."""
    if not task.get_backend().supports_defer:
        return None
    return task.using(run_after=timezone.now() + dt.timedelta(seconds=seconds))


def kick_once(name: str, task: Any, **kwargs: Any) -> bool:
    """Enqueue `task` unless a run is already pending for `name`. Never raises: a periodic job is the
    safety net. Returns whether a task was enqueued."""
    now = timezone.now()
    try:
        with connection.cursor() as cursor:  # the hot path: one plain read
            table = connection.ops.quote_name(PendingKick._meta.db_table)  # from the model, not user input
            cursor.execute(f"SELECT 1 FROM {table} WHERE name = %s AND pending_since > %s",  # noqa: S608
                           [name, connection.ops.adapt_datetimefield_value(now - STALE)])
            if cursor.fetchone() is not None:
                return False
        taken = PendingKick.objects.filter(Q(pending_since__isnull=True) | Q(pending_since__lt=now - STALE),
                                           name=name).update(pending_since=now)
        if not taken:
            if PendingKick.objects.filter(name=name).exists():
                return False
            try:
                with transaction.atomic():
                    PendingKick.objects.create(name=name, pending_since=now)
            except IntegrityError:
                return False
        task.enqueue(**kwargs)
    except Exception:
        log.exception("could not enqueue the task of kick %s", name)
        PendingKick.objects.filter(name=name).update(pending_since=None)
        return False
    return True


def kick_done(name: str) -> None:
    """Called when the kicked task starts, before it looks for work: work committed later kicks again."""
    PendingKick.objects.filter(name=name).update(pending_since=None)
