"""benchmarks/crisis_cluster: a countrywide roll-call on the production path (issue 17 point 2): a registry of
2,000,000 citizens, 1,000,000 of them inside the zone, on the cluster that scripts/cluster.py starts (PostgreSQL,
two app nodes behind HAProxy, two rq workers on Redis, the scheduler).

The same phases and checks as benchmarks/crisis (SQLite), through the proxy:
(a) affected set: `affected_refresh` against the brute-force baseline in the same run (every active stay tested);
    both must find the same people. Medians of --repeat runs.
(b) broadcast: SOS alerts arrive open-loop at --sos-rate from different citizens through the proxy, first for 20 s
    with nothing else going on (idle), then from the moment a headquarters analyst starts the roll-call until every
    question has been handed to the sink channel (ROLLCALL_CHANNELS=sink, its rate limit lifted: it is a file that
    both workers append to). Reports the time to the last message and the SOS p99 during the broadcast against
    idle; then checks that every affected person got exactly one question (outbox and sink file).
The answers phase of benchmarks/crisis is not repeated here (it measures the app nodes, as the SOS phases do).

Set-up: the cluster's own PostgreSQL, seeded with `seed_demo` (COPY) and analysed, kept as a template database in
var/bench-cluster-crisis-<N>/ between runs; each run starts from a copy (`--fresh` seeds again). `--quick`: 200,000 citizens, 100,000 inside.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_crisis import PHASE_A, STAFF, _broadcast, _idle, _sink_links
from benchmarks.bench_sos import CLIENTS, SETUP, Pool
from benchmarks.common import write_result
from scripts.cluster import Cluster

ROOT = Path(__file__).resolve().parents[1]


def _prepare(cluster: Cluster, citizens: int, seeded: Path) -> None:
    """The registry in the cluster's database before the app starts: seeded once per run folder (seed_demo, then
    VACUUM ANALYZE, as autovacuum would after a load) and kept as a template database; every later run starts
    from a fresh copy of it, so that no run sees the people, cases and messages of the one before."""
    import psycopg

    admin, name = cluster.dsn.rsplit("/", 1)
    if seeded.exists():
        with psycopg.connect(admin + "/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{name}_seeded"')
        cluster.manage("migrate", "--noinput", "-v0")  # the copy may predate the newest migrations
        return
    started = time.perf_counter()
    cluster.manage("seed_demo", "--citizens", str(citizens), "--seed", "1", "--quiet", timeout=3600)
    with psycopg.connect(cluster.dsn, autocommit=True) as con:
        con.execute("VACUUM ANALYZE")
    with psycopg.connect(admin + "/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}_seeded"')
        con.execute(f'CREATE DATABASE "{name}_seeded" TEMPLATE "{name}"')
    seeded.write_text(f"{time.perf_counter() - started:.0f}")
    print(f"seeded {citizens:,} citizens in {time.perf_counter() - started:.0f} s", flush=True)


def _one_each(dsn: str, crisis: int, sink: Path) -> tuple[bool, int]:
    """Whether every person inside got exactly one question, in the outbox and in the sink file (waiting up to a
    minute for people who came into the zone during the broadcast); and how many such people there were."""
    import psycopg

    deadline = time.time() + 60
    with psycopg.connect(dsn, autocommit=True) as con:
        while True:
            _links, per_person = _sink_links(sink, crisis)
            inside = {r[0] for r in con.execute(
                "SELECT id FROM crises_affected WHERE crisis_id = %s AND inside", [crisis])}
            if inside <= set(per_person) or time.time() > deadline:
                break
            time.sleep(1.0)
        outbox: dict[int, int] = {r[0]: r[1] for r in con.execute(
            "SELECT (data->>'affected')::bigint, COUNT(*) FROM notify_message WHERE kind = 'crisis.rollcall' "
            "AND (data->>'crisis')::bigint = %s GROUP BY 1", [crisis]).fetchall()}
    ok = (set(per_person) == inside and set(per_person.values()) == {1}
          and set(outbox) == inside and set(outbox.values()) == {1})
    return ok, len(inside)


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench crisis_cluster")
    parser.add_argument("--citizens", type=int, default=2_000_000)
    parser.add_argument("--affected", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sos-rate", type=float, default=50.0)
    parser.add_argument("--limit", type=float, default=900.0, help="give up on the broadcast after this long")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--base-port", type=int, default=8500)
    parser.add_argument("--fresh", action="store_true", help="seed the cluster's database again")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.citizens, args.affected = 200_000, 100_000

    run_dir = ROOT / "var" / f"bench-cluster-crisis-{args.citizens}"
    seeded = run_dir / "seeded"
    fresh = args.fresh or not seeded.exists()
    if fresh:
        seeded.unlink(missing_ok=True)
    else:  # the registry stays; the queues, the sink and the other files start empty
        shutil.rmtree(run_dir / "redis", ignore_errors=True)
        shutil.rmtree(run_dir / "var", ignore_errors=True)
    cluster = Cluster(nodes=args.nodes, base_port=args.base_port, run_dir=run_dir,
                      extra_env={"ROLLCALL_CHANNELS": "sink", "NOTIFY_RATE_LIMITS": "sink=0", "CRISIS_FEEDS_ENABLED": "0"})
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    sink = run_dir / "var" / "notify" / "sink.jsonl"
    try:
        cluster.setup(fresh=fresh)
        _prepare(cluster, args.citizens, seeded)  # before the app nodes connect
        cluster.start_app()
        out = run_dir / "a.json"
        cluster.manage("shell", "-c", PHASE_A, timeout=3600, env={
            "BENCH_OUT": str(out), "BENCH_AFFECTED": str(args.affected), "BENCH_REPEAT": str(args.repeat)})
        a = json.loads(out.read_text())
        print(f"(a) {a['inside']:,} of {a['stays']:,} inside r={a['radius_km']:.1f} km: H3 {a['h3_s']:.2f} s "
              f"(find {a['h3_find_s']:.2f}), brute force {a['brute_s']:.2f} s (find {a['brute_find_s']:.2f}), "
              f"same people: {a['same_people']}", flush=True)
        people_file, staff_file = run_dir / "people.json", run_dir / "staff.txt"
        users = int(args.sos_rate * (args.limit + 40)) + 1000  # every SOS from a different citizen, to the limit
        cluster.manage("shell", "-c", SETUP, env={"BENCH_SOS_OUT": str(people_file), "BENCH_SOS_USERS": str(users)})
        cluster.manage("shell", "-c", STAFF.replace('username="bench-hq"', f'username="bench-hq-{a["crisis"]}"'),
                       env={"BENCH_OUT": str(staff_file)})
        pool = Pool(json.loads(people_file.read_text()))
        port = cluster.base_port
        asyncio.run(_idle(port, pool, args.sos_rate, 5.0))  # warm-up
        idle = asyncio.run(_idle(port, pool, args.sos_rate, 20.0))
        print(f"(b) idle SOS: {idle}", flush=True)
        b = asyncio.run(_broadcast(port, pool, args.sos_rate, staff_file.read_text().strip(), sink, a["crisis"],
                                   a["inside"], args.limit))
        print(f"(b) broadcast: {b['sent']:,} sent in {b['seconds']:.1f} s; SOS p99 {b['sos_p99_ms']:.1f} ms "
              f"(idle {idle['p99_ms']:.1f}); progress {b['progress'][::20]}", flush=True)
        one_each, inside_now = _one_each(cluster.dsn, a["crisis"], sink)
    finally:
        cluster.stop()

    results = {
        "affected": a["inside"], "affected_stored": a["stored"], "same_people_as_brute_force": int(a["same_people"]),
        "affected_set_s": round(a["h3_s"], 3), "affected_find_s": round(a["h3_find_s"], 3),
        "broadcast_s": round(b["seconds"], 1), "rollcall_start_answer_s": round(b["start_answer_s"], 2),
        "first_message_s": b["first_message_s"], "messages_sent": b["sent"],
        "messages_per_s": round(b["sent"] / b["seconds"], 1) if b["seconds"] else 0.0,
        "one_message_each": int(one_each), "joined_during_broadcast": inside_now - a["inside"],
        "sos_p99_broadcast_ms": round(b["sos_p99_ms"], 1), "sos_p99_idle_ms": round(idle["p99_ms"], 1),
        "sos_p99_ratio": round(b["sos_p99_ms"] / idle["p99_ms"], 2) if idle["p99_ms"] else float("nan"),
        "sos_errors": idle["errors"] + b["sos_errors"],
    }
    baseline = {"affected_set_s": round(a["brute_s"], 3), "affected_find_s": round(a["brute_find_s"], 3)}
    goals = [
        ("affected_set_s", "<=", 10.0), ("same_people_as_brute_force", "==", 1),
        ("broadcast_s", "<=", 300.0), ("one_message_each", "==", 1), ("sos_p99_ratio", "<=", 2.0),
        ("sos_errors", "==", 0),
    ]
    params = {"citizens": args.citizens, "affected_target": args.affected, "radius_km": round(a["radius_km"], 2),
              "centre": [round(a["lat"], 4), round(a["lon"], 4)], "repeat": args.repeat, "sos_rate": args.sos_rate,
              "clients": CLIENTS, "nodes": args.nodes, "h3_runs_s": a["h3_all"], "brute_runs_s": a["brute_all"],
              "server": "scripts/cluster.py: HAProxy -> Granian nodes; PostgreSQL; Redis queue (rq) x2 workers; "
                        "scheduler; DEBUG=0", "cpus": os.cpu_count()}
    return write_result("crisis-cluster", params, results, baseline, goals)
