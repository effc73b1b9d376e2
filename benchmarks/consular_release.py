"""The slot-release phase of benchmarks/consular: a release raced by N concurrent clients over HTTP.

A fresh server as `make run` starts it (manage.py serve_all: granian with 2 workers, the task worker, the
scheduler; DEBUG=1; SQLite in a temporary VAR_DIR; reference data) holds 20 slots of 5 places (100 places) for
passport renewal at KBRI Singapura, released at an instant a few seconds ahead. N citizens with their own bearer
tokens (default 1,000) each open a keep-alive connection beforehand, wait for the release instant, and then
double-submit a booking for a random slot (two requests at once on two connections, as a double click does).
Latency is measured per request from the release instant it was due at (so queueing counts). Afterwards the
database is read: bookings == 201 answers, no place held twice, no person twice.

Baseline, in the same run: the same N clients firing the same way at GET /healthz (the cheapest request the
server answers, no database write) — the floor this 2-core machine sets for N simultaneous requests."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_sos import Client, _free_port, _manage, _pct, start_server, stop_server

SETUP = r"""
import json, os
from embassy.consular.tests.race import setup
data = setup(people=int(os.environ["BENCH_PEOPLE"]), slots=20, places=5, release_in=3600)
with open(os.environ["BENCH_OUT"], "w") as fh:
    json.dump(data, fh)
"""



def _release(db: Path, seconds: float) -> float:
    """Move every slot's release to `seconds` from now (as Django stores times in SQLite: UTC text)."""
    at = time.time() + seconds
    text = dt.datetime.fromtimestamp(at, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    con = sqlite3.connect(db, timeout=30)
    with con:
        con.execute("UPDATE consular_slot SET released_at = ?", (text,))
    con.close()
    return at


async def _get(client: Client, path: str) -> int:
    """GET on the client's connection (the floor)."""
    if client.writer is None:
        client.reader, client.writer = await asyncio.open_connection("127.0.0.1", client.port)
    assert client.reader is not None
    client.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{client.port}\r\n\r\n".encode())
    await client.writer.drain()
    raw = await client.reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    length = next((int(v.split(":", 1)[1]) for v in lines if v.lower().startswith("content-length")), 0)
    if length:
        await client.reader.readexactly(length)
    return int(lines[0].split(" ")[1])


async def _race(port: int, data: dict[str, Any], release: Any, clients: int, floor: bool) -> dict[str, Any]:
    """`release()` runs once every client is connected and returns the release instant (epoch seconds)."""
    rng = random.Random(5)
    pairs = [(Client(port), Client(port)) for _ in range(clients)]
    for pair in pairs:  # connect before the release, as waiting browsers are
        for c in pair:
            c.reader, c.writer = await asyncio.open_connection("127.0.0.1", port)
    at = release()
    latencies: list[float] = []
    statuses: list[int] = []
    booked: dict[str, int] = {}

    async def one(client: Client, index: int, slot: int) -> None:
        if floor:
            status = await _get(client, "/healthz")
            body: dict[str, Any] = {}
        else:
            status, body = await client.request("/api/v1/consular/bookings", data["tokens"][index], {
                "mission": data["mission"], "service": data["service"], "slot": slot})
        latencies.append(time.time() - at)
        client.close()  # a person's browser lets go; granian counts open connections against its backpressure
        client.writer = None
        statuses.append(status)
        if status == 201:
            booked[body["reference"]] = index

    async def person(index: int) -> None:
        slot = rng.choice(data["slots"])
        await asyncio.sleep(max(0.0, at - time.time()))
        first, second = pairs[index]
        await asyncio.gather(one(first, index, slot), one(second, index, slot))

    await asyncio.gather(*(person(i) for i in range(clients)))
    errors = sum(1 for s in statuses if s >= 500)
    return {"p50_ms": _pct(latencies, 50) * 1000, "p99_ms": _pct(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000, "errors": errors, "created": len(booked),
            "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))}, "booked": booked}


def _check(db: Path, booked: dict[str, int]) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT reference, slot_id, place, identity FROM consular_booking WHERE status='active'")
    refs, places, people = set(), set(), set()
    doubles = 0
    for ref, slot, place, identity in rows:
        refs.add(ref)
        doubles += (slot, place) in places or identity in people
        places.add((slot, place))
        people.add(identity)
    return {"bookings_in_db": len(refs), "double_bookings": doubles,
            "unreported": len(refs - set(booked)), "lost": len(set(booked) - refs)}


def release_phase(*, clients: int, quick: bool) -> tuple[dict[str, Any], dict[str, Any], list[Any], dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="embassy-bench-consular-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS",
                                                            "FIELD_HASH_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update(VAR_DIR=str(folder), DEBUG="1", HOST="127.0.0.1", PORT=str(port),
               CONSULAR_BOOKINGS_PER_ADDRESS_HOUR="1000000", DJANGO_SETTINGS_MODULE="config.settings")
    server = None
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    db = folder / "embassy.sqlite3"
    try:
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "load_reference")
        env.update(BENCH_OUT=str(folder / "race.json"), BENCH_PEOPLE=str(clients * (1 if quick else 3)))
        _manage(env, "shell", "-c", SETUP)
        data = json.loads((folder / "race.json").read_text())
        server = start_server(env, port)
        asyncio.run(_race(port, data, lambda: time.time() + 0.5, 200, floor=True))  # warm-up: both workers
        for n in range(1 if quick else 3):  # three races, each with fresh people and fresh slots, and its floor
            floor = asyncio.run(_race(port, data, lambda: time.time() + 1, clients, floor=True))
            _manage(env, "shell", "-c", "from embassy.consular.models import Booking; Booking.objects.all().delete()")
            _release(db, 3600)
            people = {**data, "tokens": data["tokens"][n * clients:(n + 1) * clients]}
            race = asyncio.run(_race(port, people, lambda: _release(db, 1.0), clients, floor=False))
            race.update(_check(folder / "embassy.sqlite3", race.pop("booked")))
            print(f"race {n + 1}: p50 {race['p50_ms']:.0f} ms, p99 {race['p99_ms']:.0f} ms, "
                  f"{race['statuses']}; floor p99 {floor['p99_ms']:.0f} ms", flush=True)
            runs.append((floor, race))
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    floor, race = sorted(runs, key=lambda r: r[1]["p99_ms"])[len(runs) // 2]  # the median race
    results = {"release_p50_ms": round(race["p50_ms"], 1), "release_p99_ms": round(race["p99_ms"], 1),
               "release_max_ms": round(race["max_ms"], 1), "release_5xx": sum(r["errors"] for _f, r in runs),
               "double_bookings": sum(r["double_bookings"] for _f, r in runs),
               "bookings": race["bookings_in_db"], "answered_201": race["created"],
               "unreported": sum(r["unreported"] for _f, r in runs), "lost": sum(r["lost"] for _f, r in runs),
               "p99_over_floor": round(race["p99_ms"] / floor["p99_ms"], 2) if floor["p99_ms"] else 0.0}
    baseline = {"floor_p50_ms": round(floor["p50_ms"], 1), "floor_p99_ms": round(floor["p99_ms"], 1)}
    goals = [("release_p99_ms", "<=", 200.0), ("release_5xx", "==", 0), ("double_bookings", "==", 0),
             ("unreported", "==", 0), ("lost", "==", 0)]
    params = {"clients": clients, "requests_per_client": 2, "places": 100, "races": len(runs),
              "server": "serve_all (granian WSGI x2 + worker + scheduler), DEBUG=1, SQLite", "cpus": os.cpu_count()}
    return results, baseline, goals, params
