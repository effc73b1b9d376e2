"""Signs of unmet demand for capacity planning (consular.capacity), counted without a database write for each.

At a slot release hundreds of people a second are told "this slot is full"; a Demand row each would queue every
one of those answers behind the database's single writer (SQLite) — about 40 % of the release's time, measured.
So the rows are kept in memory and written together, one insert at most every CONSULAR_DEMAND_FLUSH_SECONDS,
by a timer thread started with the first row of each batch (and at exit). A process that dies loses at most
that last second's counts: statistics for planning, not records of anyone's booking. With the setting at 0
(the tests) each row is written at once."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import connection

from embassy.consular.models import Demand, Service
from embassy.missions.models import Mission

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pending: list[Demand] = []
_timer: threading.Timer | None = None


def note(*, mission: Mission, service: Service, kind: str, at: dt.datetime) -> None:
    """Count one sign of unmet demand (written within CONSULAR_DEMAND_FLUSH_SECONDS)."""
    global _timer  # one batch and its timer per process
    row = Demand(mission=mission, service=service, kind=kind, at=at)
    seconds = settings.CONSULAR_DEMAND_FLUSH_SECONDS
    if seconds <= 0:
        row.save()
        return
    with _lock:
        _pending.append(row)
        if _timer is None:
            _timer = threading.Timer(seconds, _flush_in_thread)
            _timer.daemon = True
            _timer.start()


def flush() -> int:
    """Write the counted signs now; returns how many."""
    global _timer
    with _lock:
        rows = _pending[:]
        _pending.clear()
        _timer = None
    if rows:
        Demand.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _flush_in_thread() -> None:
    try:
        flush()
    except Exception:  # the database was away: these counts are lost, and said so
        log.exception("consular demand: a batch of unmet-demand counts could not be written")
    finally:
        connection.close()  # the timer thread's own connection


@atexit.register
def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:
        log.warning("consular demand: counts not written at exit", exc_info=True)
