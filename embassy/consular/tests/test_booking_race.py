"""500 clients race for 50 places over HTTP on a live server (uvicorn on its own database, SQLite or PostgreSQL),
each double-submitting: exactly 50 bookings, nobody twice, no place twice, no 5xx."""

from __future__ import annotations

from collections import Counter

import pytest

from embassy.common.tests import harness as tb
from embassy.common.tests.harness import ServerSpec
from embassy.consular.tests.race import race

pytestmark = pytest.mark.slow
server = tb.server  # the harness's module-scoped fixture (a live server on its own database)

BROWSER_SERVER = ServerSpec(
    commands=(), setup="embassy.consular.tests.race:setup",
    setup_args=(("people", 500), ("slots", 10), ("places", 5)),
    # CONN_MAX_AGE=0: under ASGI each request's thread would otherwise keep its connection (Django's advice)
    env=(("CONSULAR_BOOKINGS_PER_ADDRESS_HOUR", "100000"), ("CONSULAR_BOOKINGS_PER_DEVICE_DAY", "100"),
         ("CONN_MAX_AGE", "0")))


def test_500_clients_race_for_50_places(server: object) -> None:
    data = server.data  # type: ignore[attr-defined]
    # 30 clients at a time, each double-submitting: up to 60 requests in flight. The test server (uvicorn, ASGI)
    # runs each in-flight request on a thread of its own with its own database connection, and PostgreSQL allows
    # 100; `make run` and production serve with Granian's fixed threads (WEB_WORKERS x WEB_THREADS connections).
    outcome = race(server.base, data, clients=500, concurrency=30)  # type: ignore[attr-defined]
    statuses = Counter(outcome.statuses)
    errors = [s for s in statuses if s >= 500]
    if errors:  # the server's tracebacks, not its many 409 lines
        log = (server.var / "server.log").read_text(errors="replace")  # type: ignore[attr-defined]
        start = log.find("Traceback")
        pytest.fail(f"{statuses}\n{log[start:start + 6000] if start >= 0 else log[-3000:]}")
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] == 50 and len(outcome.booked) == 50
    assert len(set(outcome.booked.values())) == 50  # no person twice
    rows = server.call("embassy.consular.tests.race:bookings")  # type: ignore[attr-defined]
    assert rows["active"] == 50 and rows["people"] == 50 and rows["places"] == 50
