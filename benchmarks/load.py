"""SOS load as phones send it when things go wrong: every alert is retried with its idempotency key until the server
acknowledges it (a 201 or 200), after a failed connection, a 5xx or a timeout, honouring Retry-After. Used by the
fault drills (benchmarks/faults.py) and the cluster test (tests/test_cluster.py)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_sos import Client, Pool


@dataclass
class Outcome:
    key: str
    user: int
    first_sent: float
    acked_at: float | None = None
    case_id: int | None = None
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)  # every answer, 0 for a failed connection or a timeout
    failure_seconds: list[float] = field(default_factory=list)  # how long each failed attempt took to fail
    retry_after: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def acked(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.acked_at is not None]

    def unacked(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.acked_at is None]


async def _send(client: Client, path: str, token: str, body: dict[str, Any], timeout: float) -> tuple[int, dict[str, Any]]:
    return await asyncio.wait_for(client.request(path, token, body), timeout)


async def resilient_sos(port: int, pool: Pool, rate: float, seconds: float, ledger: Ledger, *, clients: int = 32,
                        timeout: float = 10.0, give_up: float = 60.0) -> None:
    """Open loop at `rate` alerts/s for `seconds`; each alert is retried (same key) until acknowledged or `give_up`
    seconds after it was first sent."""
    interval = clients / rate
    start = time.perf_counter() + 0.1
    end = start + seconds
    rng = random.Random(5)

    async def one(person: dict[str, Any], client_box: list[Client]) -> None:
        body = pool.alert(person)
        outcome = ledger.outcomes[body["idempotency_key"]] = Outcome(body["idempotency_key"], person["user"],
                                                                     time.perf_counter())
        delay = 0.2
        while time.perf_counter() - outcome.first_sent < give_up:
            outcome.attempts += 1
            sent = time.perf_counter()
            try:
                status, data = await _send(client_box[0], "/api/v1/sos/alerts", person["token"], body, timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                client_box[0].close()
                client_box[0] = Client(port)
                status, data = 0, {}
            outcome.statuses.append(status)
            if status in (200, 201) and data.get("id"):
                outcome.acked_at = time.perf_counter()
                outcome.case_id = int(data["id"])
                return
            outcome.failure_seconds.append(time.perf_counter() - sent)
            if status == 503:
                outcome.retry_after.append(client_box[0].headers.get("retry-after", ""))
            await asyncio.sleep(delay * (0.5 + rng.random()))
            delay = min(delay * 2, 2.0)

    async def worker(n: int) -> None:
        box = [Client(port)]
        due = start + n * interval / clients
        while due < end:
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            await one(pool.take(), box)
            due += interval
        box[0].close()

    await asyncio.gather(*(worker(n) for n in range(clients)))


def check_database(con: Any, ledger: Ledger) -> dict[str, int]:
    """Against the database: an acknowledged alert that is not there is lost; a second case or alert for one press
    is a duplicate."""
    keys = list(ledger.outcomes)
    rows: dict[str, list[int]] = {}
    for i in range(0, len(keys), 5000):
        chunk = keys[i:i + 5000]
        marks = ",".join(["%s"] * len(chunk))
        for key, case_id in con.execute(f"SELECT key, case_id FROM sos_alert WHERE key IN ({marks})",
                                         chunk).fetchall():
            rows.setdefault(key, []).append(case_id)
    users = sorted({o.user for o in ledger.outcomes.values()})
    cases_per_user: dict[int, int] = {}
    for i in range(0, len(users), 5000):
        ids = users[i:i + 5000]
        marks = ",".join(["%s"] * len(ids))
        for user, count in con.execute(f"SELECT user_id, COUNT(*) FROM sos_case WHERE user_id IN ({marks}) "
                                       "GROUP BY user_id", ids).fetchall():
            cases_per_user[user] = count
    lost = sum(1 for o in ledger.acked() if o.key not in rows)
    wrong = sum(1 for o in ledger.acked() if o.key in rows and rows[o.key] != [o.case_id])
    duplicated = sum(len(v) - 1 for v in rows.values() if len(v) > 1) + sum(n - 1 for n in cases_per_user.values()
                                                                             if n > 1)
    return {"alerts_sent": len(ledger.outcomes), "acknowledged": len(ledger.acked()),
            "never_acknowledged": len(ledger.unacked()), "lost": lost, "duplicated": duplicated, "wrong_case": wrong,
            "stored_unacknowledged": sum(1 for o in ledger.unacked() if o.key in rows)}
