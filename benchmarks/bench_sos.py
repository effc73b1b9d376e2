"""benchmarks/sos: sustained SOS load over HTTP against the server as `make run` starts it.

A fresh server (manage.py serve_all: uvicorn with 2 workers, the task worker and the scheduler, DEBUG=1,
SQLite under a temporary VAR_DIR, reference data and 20,000 demo citizens) is started on a free port.
100,000 extra citizens with bearer tokens are created; their SOS positions are drawn from the demo
population's registered stays (real places where Indonesians live abroad), jittered by ~1 km.

Phases, each with 32 concurrent HTTP/1.1 keep-alive clients, every request from a different citizen:
  1. sustained: open loop at --rate SOS/s for --seconds (default 330/s for 60 s). Latency is measured from
     the moment a request was due (corrected for coordinated omission). 3% of alerts are immediately sent
     again with the same idempotency key, as a phone does when a response is lost; the answer must be the
     same case.
  2. floor (baseline): closed loop for --burst seconds against POST /api/v1/sos/floor, which authenticates
     the same way and stores one row in one transaction — the floor for "the alert is stored". The endpoint
     is not in the product: the server runs with benchmarks.floorapp.settings, which adds it.
  3. sos max: the same closed loop against POST /api/v1/sos/alerts, for the throughput ratio.
  Phases 2 and 3 run as --pairs alternating pairs; each phase starts once the server is quiet (every earlier
  case fanned out to its officers, the outbox sent), so neither inherits the other's background work, and
  the SOS phase's own fan-out counts against it. The ratio is the median of the pairs' ratios (this 2-core
  machine is noisy: single pairs vary by ±0.05).
Afterwards the benchmark reads the database: every 201 must have exactly one case and one alert; no case
may exist that no client was told about; retries must have created nothing.

`--quick`: 10 s sustained at 150/s, 5 s bursts (a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import write_result

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 32
USERS = 100_000  # each request is a different citizen: the floor phase alone uses ~30,000

SETUP = r"""
import hashlib, json, os, random, secrets, sys
from datetime import timedelta
from django.utils import timezone
from embassy.accounts.models import ApiToken, User
from embassy.citizens.models import Citizen, Stay
n = int(os.environ.get("BENCH_SOS_USERS", "40000"))
places = list(Stay.objects.exclude(lat=None).values_list("lat", "lon")[:20000]) or [(3.1390, 101.6869)]  # KL
users = User.objects.bulk_create([User(username=f"bench-{i}", email=f"bench-{i}@example.com", kind="citizen")
                                  for i in range(n)], batch_size=2000)
Citizen.objects.bulk_create([Citizen(user=u, full_name=f"Bench Warga {i}", email=u.email, source="bench")
                             for i, u in enumerate(users)], batch_size=2000)
keys, tokens = [], []
expires = timezone.now() + timedelta(days=30)
for u in users:
    key = "se_" + secrets.token_urlsafe(32)
    keys.append(key)
    tokens.append(ApiToken(user=u, name="bench", prefix=key[:12], key_hash=hashlib.sha256(key.encode()).hexdigest(),
                           expires_at=expires))
ApiToken.objects.bulk_create(tokens, batch_size=2000)
rng = random.Random(7)
out = [{"user": u.pk, "token": k, "lat": p[0], "lon": p[1]} for u, k, p in
       zip(users, keys, (rng.choice(places) for _ in users))]
with open(os.environ["BENCH_SOS_OUT"], "w") as fh:
    json.dump(out, fh)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manage(env: dict[str, str], *args: str, timeout: float = 900) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """`manage.py serve_all` on env's VAR_DIR, returned once /healthz has said "warm" 20 times in a row: both
    web workers build their routing indexes at start (seconds of CPU), and measuring starts after that."""
    log = open(Path(env["VAR_DIR"]) / "server.log", "ab")  # noqa: SIM115 - open for the server's life
    # (a pipe nobody reads fills up with log lines and blocks the server)
    server = subprocess.Popen([sys.executable, "manage.py", "serve_all"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    warm = 0
    while warm < 20:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                warm = warm + 1 if json.loads(response.read()).get("warm") else 0
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            raise RuntimeError("server did not start (or did not warm up)")
        time.sleep(0.05)
    return server


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.headers: dict[str, str] = {}  # the last response's, names in lower case

    async def request(self, path: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""  # "": no credentials (e.g. signed links)
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{auth}"
                f"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        self.writer.write(head.encode() + payload)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = 0
        close = False
        self.headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
            elif name.lower() == "transfer-encoding":
                raise RuntimeError("the benchmark client expects Content-Length, got chunked encoding")
        data = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        try:
            return status, json.loads(data) if data else {}
        except ValueError:
            return status, {"raw": data[:200].decode("latin-1")}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Pool:
    """Hands out each benchmark citizen once."""

    def __init__(self, people: list[dict[str, Any]], seed: int = 11) -> None:
        self.people = people
        self.next = 0
        self.rng = random.Random(seed)

    def take(self) -> dict[str, Any]:
        if self.next >= len(self.people):
            raise RuntimeError("ran out of benchmark citizens")
        person = self.people[self.next]
        self.next += 1
        return person

    def alert(self, person: dict[str, Any]) -> dict[str, Any]:
        return {"idempotency_key": f"bench-{person['user']}-{self.rng.getrandbits(48):012x}",
                "lat": round(person["lat"] + self.rng.uniform(-0.01, 0.01), 6),
                "lon": round(person["lon"] + self.rng.uniform(-0.01, 0.01), 6),
                "accuracy": round(self.rng.uniform(5, 60), 1)}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def sustained_load(port: int, pool: Pool, rate: float, seconds: float, ledger: dict[str, Any]) -> dict[str, float]:
    """Open loop: CLIENTS connections, each sending every CLIENTS/rate seconds on its own schedule."""
    interval = CLIENTS / rate
    latencies: list[float] = []
    service: list[float] = []
    errors = 0
    retries = 0
    start = time.perf_counter() + 0.2
    end = start + seconds

    async def worker(n: int) -> None:
        nonlocal errors, retries
        client = Client(port)
        due = start + n * interval / CLIENTS
        rng = random.Random(n)
        while due < end:
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            person = pool.take()
            body = pool.alert(person)
            sent = time.perf_counter()
            try:
                status, data = await client.request("/api/v1/sos/alerts", person["token"], body)
            except (OSError, asyncio.IncompleteReadError):
                client = Client(port)
                errors += 1
                ledger["failed"].append(body["idempotency_key"])
                due += interval
                continue
            done = time.perf_counter()
            latencies.append(done - due)
            service.append(done - sent)
            ledger.setdefault("trace", []).append((sent - start, done - sent, status))
            if status == 201 and data.get("created"):
                ledger["created"][body["idempotency_key"]] = (person["user"], data["id"])
                if rng.random() < 0.03:  # the response "got lost": the phone retries with the same key
                    retries += 1
                    s2, d2 = await client.request("/api/v1/sos/alerts", person["token"], body)
                    ledger["retries"].append((body["idempotency_key"], s2, d2.get("id"), d2.get("replay")))
            else:
                errors += 1
                ledger["failed"].append(body["idempotency_key"])
            due += interval
        client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
    elapsed = time.perf_counter() - max(began, start)
    ok = len(latencies) - errors
    # per second of the planned window, or of the time it really took when the server fell behind
    return {"rate": ok / max(seconds, elapsed), "p50_ms": _pct(latencies, 50) * 1000, "p99_ms": _pct(latencies, 99) * 1000,
            "service_p99_ms": _pct(service, 99) * 1000, "errors": errors, "requests": len(latencies),
            "retries": retries, "elapsed": elapsed}


async def closed_load(port: int, pool: Pool, path: str, seconds: float, ledger: dict[str, Any] | None) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal errors
        client = Client(port)
        while time.perf_counter() < end:
            person = pool.take()
            body = pool.alert(person) if ledger is not None else {}
            sent = time.perf_counter()
            try:
                status, data = await client.request(path, person["token"], body)
            except (OSError, asyncio.IncompleteReadError):
                client = Client(port)
                errors += 1
                continue
            latencies.append(time.perf_counter() - sent)
            if status != 201:
                errors += 1
                if ledger is not None:
                    ledger["failed"].append(body["idempotency_key"])
            elif ledger is not None:
                ledger["created"][body["idempotency_key"]] = (person["user"], data["id"])
        client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
    elapsed = time.perf_counter() - began
    return {"rate": (len(latencies) - errors) / elapsed, "p50_ms": _pct(latencies, 50) * 1000,
            "p99_ms": _pct(latencies, 99) * 1000, "errors": errors}


def connect(db: Path | str) -> Any:
    """A read connection: the SQLite file (read-only), or a PostgreSQL URL (the cluster's)."""
    if isinstance(db, str) and db.startswith("postgres"):
        import psycopg

        return psycopg.connect(db, autocommit=True)
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)


def quiet(db: Path | str, timeout: float = 60.0) -> tuple[float, int]:
    """Wait until the worker has handled every inbound text, fanned out every case and sent every queued message;
    returns (seconds
    waited, work still left when the timeout ran out)."""
    began, busy = time.perf_counter(), 0
    con = connect(db)
    try:
        while time.perf_counter() - began < timeout:
            busy = con.execute("SELECT (SELECT COUNT(*) FROM sos_case WHERE alerted_at IS NULL) + "
                               "(SELECT COUNT(*) FROM notify_inbound WHERE outcome = '') + "
                               "(SELECT COUNT(*) FROM notify_message WHERE status IN ('queued', 'sending'))").fetchone()[0]
            if not busy:
                break
            time.sleep(0.5)
    finally:
        con.close()
    time.sleep(1.0)
    return time.perf_counter() - began, busy


def verify(db: Path | str, ledger: dict[str, Any], bench_users: set[int]) -> dict[str, int]:
    """Compare what clients were told with what the database holds."""
    con = connect(db)
    alerts = con.execute("SELECT a.key, a.user_id, a.case_id, c.user_id FROM sos_alert a JOIN sos_case c "
                         "ON c.id = a.case_id").fetchall()
    cases = dict(con.execute("SELECT id, user_id FROM sos_case").fetchall())
    con.close()
    by_key: dict[str, list[tuple[int, int]]] = {}
    for key, user, case, _owner in alerts:
        by_key.setdefault(key, []).append((user, case))
    lost = duplicated = wrong = 0
    for key, (user, case_id) in ledger["created"].items():
        rows = by_key.get(key, [])
        if not rows:
            lost += 1
        elif len(rows) > 1:
            duplicated += 1
        elif rows[0] != (user, case_id):
            wrong += 1
    told = {case_id for _user, case_id in ledger["created"].values()}
    bench_cases = {cid for cid, uid in cases.items() if uid in bench_users}
    unreported = len(bench_cases - told)  # cases no client was told about (e.g. stored, then the answer failed)
    cases_per_user: dict[int, int] = {}
    for uid in (uid for cid, uid in cases.items() if uid in bench_users):
        cases_per_user[uid] = cases_per_user.get(uid, 0) + 1
    duplicated += sum(n - 1 for n in cases_per_user.values() if n > 1)
    bad_retries = sum(1 for key, status, cid, replay in ledger["retries"]
                      if status != 200 or not replay or cid != ledger["created"][key][1])
    return {"lost": lost, "duplicated": duplicated, "wrong_case": wrong, "unreported": unreported,
            "bad_retries": bad_retries, "cases_in_db": len(bench_cases)}


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench sos")
    parser.add_argument("--rate", type=float, default=330.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--burst", type=float, default=10.0)
    parser.add_argument("--pairs", type=int, default=3, help="alternating floor/max pairs (median ratio)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds, args.burst, args.pairs = 150.0, 10.0, 5.0, 1

    folder = Path(tempfile.mkdtemp(prefix="embassy-bench-sos-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS",
                                                            "FIELD_HASH_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update(VAR_DIR=str(folder), DEBUG="1", HOST="127.0.0.1", PORT=str(port),
               DJANGO_SETTINGS_MODULE="benchmarks.floorapp.settings")  # the product plus the floor endpoint
    server = None
    try:
        started = time.perf_counter()
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "load_reference")
        _manage(env, "seed_demo", "--citizens", "20000", "--seed", "1")
        env.update(BENCH_SOS_OUT=str(folder / "people.json"), BENCH_SOS_USERS=str(20_000 if args.quick else USERS))
        _manage(env, "shell", "-c", SETUP)
        people = json.loads((folder / "people.json").read_text())
        print(f"set-up: {time.perf_counter() - started:.0f} s ({len(people)} benchmark citizens)", flush=True)
        server = start_server(env, port)
        pool = Pool(people)
        ledger: dict[str, Any] = {"created": {}, "failed": [], "retries": []}
        try:  # the client's own CPU use is part of the noise on 2 cores: use the faster event loop
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        # Warm-up: every web worker builds its routing grids and opens its database connection.
        asyncio.run(sustained_load(port, pool, 100.0, 8.0, ledger))
        ledger.pop("trace", None)
        sustained = asyncio.run(sustained_load(port, pool, args.rate, args.seconds, ledger))
        print(f"sustained: {sustained}", flush=True)
        if os.environ.get("BENCH_SOS_TRACE"):
            Path(os.environ["BENCH_SOS_TRACE"]).write_text(json.dumps(ledger.get("trace", [])))
        db = folder / "embassy.sqlite3"
        pairs: list[tuple[dict[str, float], dict[str, float]]] = []
        for n in range(args.pairs):
            waited = quiet(db)[0]
            floor = asyncio.run(closed_load(port, pool, "/api/v1/sos/floor", args.burst, None))
            waited += quiet(db)[0]
            burst = asyncio.run(closed_load(port, pool, "/api/v1/sos/alerts", args.burst, ledger))
            pairs.append((floor, burst))
            print(f"pair {n + 1}: floor {floor['rate']:.0f}/s, sos max {burst['rate']:.0f}/s "
                  f"(p99 {burst['p99_ms']:.0f} ms), ratio {burst['rate'] / floor['rate']:.3f}; "
                  f"waited {waited:.1f} s for quiet", flush=True)
        quiet(db)
        checks = verify(folder / "embassy.sqlite3", ledger, {p["user"] for p in people})
        outbox = sqlite3.connect(f"file:{folder / 'embassy.sqlite3'}?mode=ro", uri=True).execute(
            "SELECT COUNT(*) FROM notify_message").fetchone()[0]
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    ratios = sorted(b["rate"] / f["rate"] for f, b in pairs if f["rate"])
    floor, burst = sorted(pairs, key=lambda p: p[1]["rate"] / p[0]["rate"] if p[0]["rate"] else 0)[len(pairs) // 2]
    results = {
        "sos_sustained_per_s": round(sustained["rate"], 1),
        "sos_p50_ms": round(sustained["p50_ms"], 2),
        "sos_p99_ms": round(sustained["p99_ms"], 2),
        "sos_service_p99_ms": round(sustained["service_p99_ms"], 2),
        "sos_errors": sustained["errors"] + sum(b["errors"] for _f, b in pairs),
        "retries_sent": sustained["retries"],
        "sos_max_per_s": round(burst["rate"], 1),
        "sos_max_p99_ms": round(burst["p99_ms"], 2),
        "ratio_to_floor": round(ratios[len(ratios) // 2], 3) if ratios else 0.0,  # the median pair's
        "ratio_lowest_pair": round(ratios[0], 3) if ratios else 0.0,
        "ratio_highest_pair": round(ratios[-1], 3) if ratios else 0.0,
        "lost": checks["lost"], "duplicated": checks["duplicated"] + checks["wrong_case"],
        "unreported_cases": checks["unreported"], "bad_retries": checks["bad_retries"],
        "cases_stored": checks["cases_in_db"], "outbox_messages": outbox,
    }
    baseline = {"sos_max_per_s": round(floor["rate"], 1), "sos_max_p99_ms": round(floor["p99_ms"], 2)}
    goals = [
        ("sos_sustained_per_s", ">=", 300.0 if not args.quick else 0.9 * args.rate),
        ("sos_p99_ms", "<=", 100.0),
        ("ratio_to_floor", ">=", 0.4),
        ("lost", "==", 0), ("duplicated", "==", 0), ("bad_retries", "==", 0),
    ]
    params = {"clients": CLIENTS, "rate": args.rate, "seconds": args.seconds, "burst_seconds": args.burst,
              "pairs": args.pairs,
              "server": "serve_all (granian WSGI x2 + 2 workers + scheduler), DEBUG=1, SQLite", "cpus": os.cpu_count()}
    return write_result("sos", params, results, baseline, goals)


if __name__ == "__main__":
    main(sys.argv[1:])
