"""The two races of the queue, run in threads released at the same moment (each with its own database
connection): kiosks issuing tickets, clerks calling the next ticket. Used by test_race.py on PostgreSQL in the
test process and on SQLite in a process of its own on a database file (as production runs)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from embassy.counter import services
from embassy.counter.tests.helpers import NOW, counter, officer, service, singapore

KIOSKS = 8


def run_together(work: Callable[[int], Any], n: int) -> tuple[list[Any], list[str]]:
    """work(0 … n-1) in n threads released together; returns the results and the errors."""
    start = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[str] = []

    def one(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as exc:  # reported to the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def kiosk_race() -> dict[str, Any]:
    """KIOSKS walk-in tickets issued at once: their numbers and any errors."""
    mission, renewal = singapore(), service()
    numbers, errors = run_together(
        lambda i: services.ticket_walk_in(mission=mission, service=renewal, now=NOW).number, KIOSKS
    )
    return {"numbers": numbers, "errors": errors}


def clerk_race() -> dict[str, Any]:
    """Three waiting tickets (issued after the kiosk race's), two counters calling next at once."""
    mission = singapore()
    clerk = officer()
    for _ in range(3):
        services.ticket_walk_in(mission=mission, service=service(), now=NOW)
    counters = [counter(mission, "Loket 1"), counter(mission, "Loket 2")]

    def call(i: int) -> str:
        ticket = services.ticket_call_next(actor=clerk, counter=counters[i], now=NOW)
        return ticket.label if ticket is not None else ""

    labels, errors = run_together(call, 2)
    return {"labels": labels, "errors": errors}
