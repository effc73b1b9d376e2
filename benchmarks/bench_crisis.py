"""benchmarks/crisis: the first minutes of a crisis with 2,000,000 registered citizens, 100,000 of them inside.

Set-up (cached under var/bench/crisis-seed-<N>/ and copied for each run, `--fresh` rebuilds it): migrate,
reference data, `seed_demo --citizens N --seed 1`. The zone is a circle around the densest H3 res-6 cell
of the demo population, with the radius that puts --affected active stays inside (found by sorting
distances, part of the set-up, not measured).

(a) affected set: `affected_refresh` (H3 ranges + exact test + storing the rows), against the brute-force
    baseline measured in the same run: every active stay scanned and tested, then stored the same way. Both
    must find the same people. Medians of --repeat runs (the rows are deleted between runs).
(b) broadcast: the server as `make run` starts it (serve_all: Granian ×2, the task worker, the scheduler;
    DEBUG=1; SQLite). SOS alerts arrive open-loop at --sos-rate from different citizens: first for 20 s with
    nothing else going on (idle), then from the moment the roll-call is started (POST
    /api/v1/crises/<id>/rollcall by a headquarters analyst's token) until all --affected
    questions have been handed to the local sink channel (ROLLCALL_CHANNELS=sink; the sink's rate limit
    is lifted: it is a file). Reports the time to the last message and the SOS p99 during the broadcast
    against idle. Then checks: every affected person exactly one question (outbox and sink file).
(c) answers: the links from the sink file are answered through POST /api/v1/rollcall/answer by 32
    keep-alive clients (98 % "safe", 2 % "help" — each "help" opens an SOS case; 1 % of links are sent
    twice, as a phone retrying). Checks: every answer recorded exactly once, replays recorded nothing.

`--quick`: 200,000 citizens, 10,000 affected, 1 repetition (a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.bench_sos import (
    CLIENTS,
    SETUP,
    Client,
    Pool,
    _free_port,
    _manage,
    _pct,
    start_server,
    stop_server,
)
from benchmarks.common import write_result

ROOT = Path(__file__).resolve().parents[1]

PHASE_A = r"""
import json, os, statistics, time
import numpy as np
from django.db import connection
from h3.api import basic_int as h3i
from embassy.crises.affected import affected_refresh, find_affected
from embassy.crises.models import Affected, Crisis
from embassy.geo.distance import haversine_km_many
target, repeat = int(os.environ["BENCH_AFFECTED"]), int(os.environ["BENCH_REPEAT"])
with connection.cursor() as c:
    c.execute("SELECT lat, lon FROM citizens_stay WHERE status = 'active' AND lat IS NOT NULL")
    pos = np.array(c.fetchall(), dtype=float)
cells = {}
for lat, lon in pos[:: max(1, len(pos) // 200000)]:
    k = h3i.latlng_to_cell(lat, lon, 6)
    cells[k] = cells.get(k, 0) + 1
lat0, lon0 = h3i.cell_to_latlng(max(cells, key=cells.get))
d = np.sort(haversine_km_many(lat0, lon0, pos[:, 0], pos[:, 1]))
radius = float((d[target - 1] + d[target]) / 2)
crisis = Crisis.objects.create(title="Benchmark drill: earthquake", kind="earthquake", status="active",
                               lat=lat0, lon=lon0, radius_km=radius, data={"drill": True})
def run(coarse):
    Affected.objects.filter(crisis=crisis).delete()
    t = time.perf_counter()
    found = find_affected(crisis, coarse=coarse)
    t_find = time.perf_counter() - t
    result = affected_refresh(crisis, found)
    return time.perf_counter() - t, t_find, set(found)
h3_runs = [run(True) for _ in range(repeat)]
brute_runs = [run(False) for _ in range(repeat)]
h3_set, brute_set = h3_runs[0][2], brute_runs[0][2]
final = run(True)  # leave the H3 result stored for the roll-call
out = {"crisis": crisis.pk, "lat": lat0, "lon": lon0, "radius_km": radius, "stays": int(len(pos)),
       "inside": len(final[2]), "same_people": h3_set == brute_set == final[2],
       "h3_s": statistics.median(r[0] for r in h3_runs), "h3_find_s": statistics.median(r[1] for r in h3_runs),
       "brute_s": statistics.median(r[0] for r in brute_runs),
       "brute_find_s": statistics.median(r[1] for r in brute_runs),
       "h3_all": [r[0] for r in h3_runs], "brute_all": [r[0] for r in brute_runs],
       "stored": Affected.objects.filter(crisis=crisis, inside=True).count()}
open(os.environ["BENCH_OUT"], "w").write(json.dumps(out))
"""

STAFF = r"""
import os
from embassy.accounts.services import token_create
from embassy.common.tests.factories import make_staff
from embassy.missions.models import Role
user = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="bench-hq")
open(os.environ["BENCH_OUT"], "w").write(token_create(user=user, name="bench")[1])
"""


async def _sos_until(port: int, pool: Pool, rate: float, stop: asyncio.Event, samples: list[tuple[float, float, int]],
                     max_seconds: float) -> None:
    """Open loop at `rate` until `stop` (or max_seconds): samples of (due time, latency, status)."""
    interval = CLIENTS / rate
    start = time.perf_counter() + 0.1
    end = start + max_seconds

    async def worker(n: int) -> None:
        client = Client(port)
        due = start + n * interval / CLIENTS
        while due < end and not stop.is_set():
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            person = pool.take()
            try:
                status, _data = await client.request("/api/v1/sos/alerts", person["token"], pool.alert(person))
            except (OSError, asyncio.IncompleteReadError):
                client, status = Client(port), 0
            samples.append((due, time.perf_counter() - due, status))
            due += interval
        client.close()

    await asyncio.gather(*(worker(n) for n in range(CLIENTS)))


class SinkCounter:
    """Counts the roll-call questions handed to the sink channel so far, reading only what the file grew by
    (cheap: polling the outbox table would compete with the server for the two CPUs)."""

    MARK = b'"kind": "crisis.rollcall"'

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.count, self.tail = path, 0, 0, b""

    def poll(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
        self.offset += len(chunk)
        data = self.tail + chunk
        cut = data.rfind(b"\n") + 1  # count whole lines only
        self.count += data[:cut].count(self.MARK)
        self.tail = data[cut:]
        return self.count


async def _broadcast(port: int, pool: Pool, rate: float, staff_token: str, sink: Path, crisis: int, expected: int,
                     limit: float) -> dict[str, Any]:
    samples: list[tuple[float, float, int]] = []
    stop = asyncio.Event()
    sos = asyncio.create_task(_sos_until(port, pool, rate, stop, samples, limit + 10))
    await asyncio.sleep(2.0)
    t0 = time.perf_counter()
    status, data = await Client(port).request(f"/api/v1/crises/{crisis}/rollcall", staff_token, {})
    started = time.perf_counter() - t0  # the officer's answer
    if status != 200:
        raise RuntimeError(f"starting the roll-call failed: {status} {data}")
    sent, done_at, progress = 0, None, []
    counter = SinkCounter(sink)
    while time.perf_counter() - t0 < limit:
        await asyncio.sleep(0.25)
        sent = counter.poll()
        progress.append((round(time.perf_counter() - t0, 1), sent))
        if sent >= expected:
            done_at = time.perf_counter()
            break
    stop.set()
    await sos
    end = done_at or time.perf_counter()
    during = [lat for due, lat, status in samples if t0 <= due <= end]
    if os.environ.get("BENCH_CRISIS_TRACE"):
        Path(os.environ["BENCH_CRISIS_TRACE"]).write_text(json.dumps(
            {"t0": t0, "end": end, "samples": samples, "progress": progress}))
    first = next((at for at, n in progress if n), float("inf"))
    return {"seconds": (end - t0) if done_at else float("inf"), "sent": sent, "progress": progress,
            "start_answer_s": started, "first_message_s": first,
            "sos_p99_ms": _pct(during, 99) * 1000, "sos_p50_ms": _pct(during, 50) * 1000,
            "sos_requests": len(during), "sos_errors": sum(1 for _d, _l, s in samples if s not in (200, 201))}


async def _idle(port: int, pool: Pool, rate: float, seconds: float) -> dict[str, float]:
    samples: list[tuple[float, float, int]] = []
    await _sos_until(port, pool, rate, asyncio.Event(), samples, seconds)
    lat = [s[1] for s in samples]
    return {"p99_ms": _pct(lat, 99) * 1000, "p50_ms": _pct(lat, 50) * 1000, "requests": len(lat),
            "errors": sum(1 for s in samples if s[2] not in (200, 201))}


async def _answers(port: int, links: list[tuple[int, str]], seconds: float) -> dict[str, Any]:
    """Closed loop over the links: POST /api/v1/rollcall/answer. Returns rate and what the server said."""
    rng = random.Random(5)
    queue = list(links)
    rng.shuffle(queue)
    told: dict[str, list[Any]] = {"recorded": [], "replayed": [], "bad": []}
    latencies: list[float] = []
    end = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        client = Client(port)
        while queue and time.perf_counter() < end:
            crisis, token = queue.pop()
            answer = "help" if rng.random() < 0.02 else "safe"
            body = {"crisis": crisis, "token": token, "answer": answer}
            for attempt in range(2 if rng.random() < 0.01 else 1):
                sent = time.perf_counter()
                try:
                    status, data = await client.request("/api/v1/rollcall/answer", "", body)
                except (OSError, asyncio.IncompleteReadError):
                    client = Client(port)
                    told["bad"].append((token, 0))
                    continue
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    told["bad"].append((token, status))
                elif data.get("recorded"):
                    told["recorded"].append((token, answer, attempt))
                else:
                    told["replayed"].append((token, answer, attempt))
        client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
    elapsed = time.perf_counter() - began
    ok = len(told["recorded"]) + len(told["replayed"])
    return {"rate": ok / elapsed, "p50_ms": _pct(latencies, 50) * 1000, "p99_ms": _pct(latencies, 99) * 1000,
            "told": told, "elapsed": elapsed}


def _sink_links(sink: Path, crisis: int) -> tuple[list[tuple[int, str]], dict[int, int]]:
    """(crisis, token) of every roll-call question in the sink file, and how many questions each person got."""
    links: list[tuple[int, str]] = []
    per_person: dict[int, int] = {}
    with sink.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("kind") != "crisis.rollcall" or row["data"].get("crisis") != crisis:
                continue
            affected = int(row["data"]["affected"])
            per_person[affected] = per_person.get(affected, 0) + 1
            parts = urlsplit(row["url"]).path.strip("/").split("/")  # aman/<crisis>/<token>
            links.append((int(parts[1]), parts[2]))
    return links, per_person


def _seed(cache: Path, citizens: int, env: dict[str, str], fresh: bool) -> None:
    if fresh and cache.exists():
        shutil.rmtree(cache)
    if (cache / "seeded").exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    seed_env = {**env, "VAR_DIR": str(cache)}
    started = time.perf_counter()
    _manage(seed_env, "migrate", "--noinput", "-v0")
    _manage(seed_env, "load_reference")
    _manage(seed_env, "seed_demo", "--citizens", str(citizens), "--seed", "1", timeout=3600)
    (cache / "seeded").write_text(str(time.perf_counter() - started))
    print(f"seeded {citizens:,} citizens in {time.perf_counter() - started:.0f} s", flush=True)


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench crisis")
    parser.add_argument("--citizens", type=int, default=2_000_000)
    parser.add_argument("--affected", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sos-rate", type=float, default=50.0)
    parser.add_argument("--limit", type=float, default=180.0, help="give up on the broadcast after this long")
    parser.add_argument("--answer-seconds", type=float, default=40.0)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached seeded database")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.citizens, args.affected, args.repeat, args.answer_seconds = 200_000, 10_000, 1, 15.0

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS",
                                                            "FIELD_HASH_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings", ROLLCALL_CHANNELS="sink",
               NOTIFY_RATE_LIMITS="sink=0", CRISIS_FEEDS_ENABLED="0")
    cache = ROOT / "var" / "bench" / f"crisis-seed-{args.citizens}"
    _seed(cache, args.citizens, env, args.fresh)
    folder = Path(tempfile.mkdtemp(prefix="embassy-bench-crisis-"))
    shutil.copytree(cache, folder, dirs_exist_ok=True)
    port = _free_port()
    env.update(VAR_DIR=str(folder), HOST="127.0.0.1", PORT=str(port))
    db = folder / "embassy.sqlite3"
    server = None
    try:
        _manage(env, "migrate", "--noinput", "-v0")  # the cache may predate the newest migrations
        env.update(BENCH_OUT=str(folder / "a.json"), BENCH_AFFECTED=str(args.affected), BENCH_REPEAT=str(args.repeat))
        _manage(env, "shell", "-c", PHASE_A, timeout=3600)
        a = json.loads((folder / "a.json").read_text())
        print(f"(a) {a['inside']:,} of {a['stays']:,} inside r={a['radius_km']:.1f} km: H3 {a['h3_s']:.2f} s "
              f"(find {a['h3_find_s']:.2f}), brute force {a['brute_s']:.2f} s (find {a['brute_find_s']:.2f}), "
              f"same people: {a['same_people']}", flush=True)

        env.update(BENCH_SOS_OUT=str(folder / "people.json"), BENCH_SOS_USERS="20000")
        _manage(env, "shell", "-c", SETUP)
        people = json.loads((folder / "people.json").read_text())
        env["BENCH_OUT"] = str(folder / "staff.txt")
        _manage(env, "shell", "-c", STAFF)
        staff_token = (folder / "staff.txt").read_text().strip()
        server = start_server(env, port)
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        pool = Pool(people)
        asyncio.run(_idle(port, pool, args.sos_rate, 5.0))  # warm-up
        idle = asyncio.run(_idle(port, pool, args.sos_rate, 20.0))
        print(f"(b) idle SOS: {idle}", flush=True)
        b = asyncio.run(_broadcast(port, pool, args.sos_rate, staff_token, folder / "notify" / "sink.jsonl", a["crisis"],
                                   a["inside"], args.limit))
        print(f"(b) broadcast: {b['sent']:,} sent in {b['seconds']:.1f} s; SOS p99 {b['sos_p99_ms']:.1f} ms "
              f"(idle {idle['p99_ms']:.1f}); progress {b['progress'][::4]}", flush=True)
        # People who came into the zone during the broadcast (an SOS position inside it is a last known
        # position) are asked too: wait until they have their message as well, then check everyone.
        deadline = time.time() + 60
        while True:
            time.sleep(1.0)
            links, per_person = _sink_links(folder / "notify" / "sink.jsonl", a["crisis"])
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            inside_ids = {r[0] for r in con.execute("SELECT id FROM crises_affected WHERE crisis_id = ? AND inside",
                                                    (a["crisis"],))}
            if inside_ids <= set(per_person) or time.time() > deadline:
                break
            con.close()
        outbox = dict(con.execute(
            "SELECT json_extract(data, '$.affected'), COUNT(*) FROM notify_message WHERE kind = 'crisis.rollcall' "
            "AND json_extract(data, '$.crisis') = ? GROUP BY 1", (a["crisis"],)).fetchall())
        con.close()
        one_each = (set(per_person) == inside_ids and set(per_person.values()) == {1}
                    and set(outbox) == inside_ids and set(outbox.values()) == {1})

        c = asyncio.run(_answers(port, links, args.answer_seconds))
        print(f"(c) answers: {c['rate']:.0f}/s p50 {c['p50_ms']:.1f} ms p99 {c['p99_ms']:.1f} ms", flush=True)
        time.sleep(0.5)
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        answers_db = con.execute("SELECT COUNT(*) FROM crises_answer a JOIN crises_affected f ON f.id = a.affected_id "
                                 "WHERE f.crisis_id = ?", (a["crisis"],)).fetchone()[0]
        answered_db = con.execute("SELECT COUNT(*) FROM crises_affected WHERE crisis_id = ? AND answer != ''",
                                  (a["crisis"],)).fetchone()[0]
        help_cases = con.execute("SELECT COUNT(*) FROM crises_affected WHERE crisis_id = ? AND answer = 'help' "
                                 "AND case_id IS NOT NULL", (a["crisis"],)).fetchone()[0]
        con.close()
        told = c["told"]
        recorded_once = (answers_db == len(told["recorded"]) == answered_db
                         and len({t for t, _a, _n in told["recorded"]}) == len(told["recorded"])
                         and all(n == 1 for _t, _a, n in told["replayed"]))
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    results = {
        "affected": a["inside"], "affected_stored": a["stored"], "same_people_as_brute_force": int(a["same_people"]),
        "affected_set_s": round(a["h3_s"], 3), "affected_find_s": round(a["h3_find_s"], 3),
        "broadcast_s": round(b["seconds"], 1), "messages_sent": b["sent"], "one_message_each": int(one_each),
        "sos_p99_broadcast_ms": round(b["sos_p99_ms"], 1), "sos_p99_idle_ms": round(idle["p99_ms"], 1),
        "sos_p99_ratio": round(b["sos_p99_ms"] / idle["p99_ms"], 2) if idle["p99_ms"] else float("nan"),
        "sos_errors": idle["errors"] + b["sos_errors"],
        "answers_per_s": round(c["rate"], 1), "answers_p99_ms": round(c["p99_ms"], 1),
        "answers_recorded": len(c["told"]["recorded"]), "answers_replayed": len(c["told"]["replayed"]),
        "answers_refused": len(c["told"]["bad"]), "answers_recorded_once": int(recorded_once), "joined_during_broadcast": len(inside_ids) - a["inside"],
        "help_cases_opened": help_cases,
    }
    baseline = {"affected_set_s": round(a["brute_s"], 3), "affected_find_s": round(a["brute_find_s"], 3)}
    goals = [
        ("affected_set_s", "<=", 2.0), ("same_people_as_brute_force", "==", 1),
        ("broadcast_s", "<=", 60.0), ("one_message_each", "==", 1), ("sos_p99_ratio", "<=", 2.0),
        ("answers_per_s", ">=", 500.0), ("answers_recorded_once", "==", 1), ("answers_refused", "==", 0),
    ]
    params = {"citizens": args.citizens, "affected_target": args.affected, "radius_km": round(a["radius_km"], 2),
              "centre": [round(a["lat"], 4), round(a["lon"], 4)], "repeat": args.repeat, "sos_rate": args.sos_rate,
              "clients": CLIENTS, "answer_seconds": args.answer_seconds, "h3_runs_s": a["h3_all"],
              "brute_runs_s": a["brute_all"], "server": "serve_all (granian WSGI x2 + 2 workers + scheduler), DEBUG=1, SQLite",
              "cpus": os.cpu_count()}
    return write_result("crisis", params, results, baseline, goals)


if __name__ == "__main__":
    main(sys.argv[1:])
