"""benchmarks/cluster: the panic button on the production path — PostgreSQL, app nodes behind HAProxy, the Redis
task queue — started by scripts/cluster.py, against the same goals as benchmarks/sos on SQLite.

Set-up: a fresh cluster (2 nodes by default), 20,000 demo citizens and 100,000 benchmark citizens with bearer tokens
(the same SETUP as benchmarks/sos: real places where Indonesians live, jittered by ~1 km).

Phases, each with 32 concurrent keep-alive clients through the proxy, every request from a different citizen:
  1. sustained: open loop at --rate SOS/s (default 500) for --seconds (60); latency from the moment a request was
     due (no coordinated omission); 3% of alerts are sent again with the same idempotency key.
  2. scale-out: closed loop for --burst seconds with every node in the proxy, then with one node only (the others
     stopped, HAProxy's health check takes them out), alternating --pairs times; the ratio is the median pair's.
     On this 2-core machine two nodes cannot add cores: the ratio shows that nothing serialises between nodes
     (a shared lock would push it well below 1), not a speed-up.
Afterwards the database is read: every 201 has exactly one case and one alert; no case exists that no client was
told about; retries created nothing. `--quick`: 10 s at 200/s, 5 s bursts, one pair.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_sos import CLIENTS, SETUP, USERS, Pool, closed_load, quiet, sustained_load, verify
from benchmarks.common import write_result
from scripts.cluster import Cluster

ROOT = Path(__file__).resolve().parents[1]


def prepare(cluster: Cluster, users: int) -> list[dict[str, Any]]:
    """Demo population and benchmark citizens with tokens, in the cluster's database."""
    cluster.manage("seed_demo", "--citizens", "20000", "--seed", "1")
    out = cluster.run_dir / "people.json"
    cluster.manage("shell", "-c", SETUP, env={"BENCH_SOS_OUT": str(out), "BENCH_SOS_USERS": str(users)})
    people: list[dict[str, Any]] = json.loads(out.read_text())
    return people


def _uvloop() -> None:
    try:  # the client's own CPU use is part of the noise on 2 cores: use the faster event loop
        import uvloop

        uvloop.install()
    except ImportError:
        pass


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench cluster")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--burst", type=float, default=10.0)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--base-port", type=int, default=8400)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds, args.burst, args.pairs = 200.0, 10.0, 5.0, 1
    cluster = Cluster(nodes=args.nodes, base_port=args.base_port, run_dir=ROOT / "var" / "bench-cluster")
    _uvloop()
    started = time.perf_counter()
    with cluster.running(fresh=True):
        people = prepare(cluster, 20_000 if args.quick else USERS)
        print(f"set-up: {time.perf_counter() - started:.0f} s ({len(people)} benchmark citizens, "
              f"{args.nodes} nodes)", flush=True)
        port = cluster.base_port
        pool = Pool(people)
        ledger: dict[str, Any] = {"created": {}, "failed": [], "retries": []}
        asyncio.run(sustained_load(port, pool, 100.0, 8.0, ledger))  # warm-up: connections, caches
        ledger.pop("trace", None)
        quiet(cluster.dsn)
        sustained = asyncio.run(sustained_load(port, pool, args.rate, args.seconds, ledger))
        print(f"sustained: {sustained}", flush=True)
        pairs: list[tuple[dict[str, float], dict[str, float]]] = []
        others = [f"node{n}" for n in range(2, args.nodes + 1)]
        for n in range(args.pairs):
            quiet(cluster.dsn)
            many = asyncio.run(closed_load(port, pool, "/api/v1/sos/alerts", args.burst, ledger))
            for name in others:
                cluster.stop_process(name)
            time.sleep(2.5)  # the health check (every second, two failures) takes them out
            quiet(cluster.dsn)
            one = asyncio.run(closed_load(port, pool, "/api/v1/sos/alerts", args.burst, ledger))
            for name in others:
                cluster.start_process(name)
            for k in range(2, args.nodes + 1):
                cluster.wait_ready(f"http://127.0.0.1:{cluster.node_port(k)}", 120)
            time.sleep(2.0)  # back in the proxy
            pairs.append((one, many))
            print(f"pair {n + 1}: one node {one['rate']:.0f}/s (p99 {one['p99_ms']:.0f} ms), {args.nodes} nodes "
                  f"{many['rate']:.0f}/s (p99 {many['p99_ms']:.0f} ms), ratio {many['rate'] / one['rate']:.3f}",
                  flush=True)
        quiet(cluster.dsn, timeout=120)
        checks = verify(cluster.dsn, ledger, {p["user"] for p in people})
    ratios = sorted(m["rate"] / o["rate"] for o, m in pairs if o["rate"])
    one, many = sorted(pairs, key=lambda p: p[1]["rate"] / p[0]["rate"] if p[0]["rate"] else 0)[len(pairs) // 2]
    results = {
        "sos_sustained_per_s": round(sustained["rate"], 1),
        "sos_p50_ms": round(sustained["p50_ms"], 2),
        "sos_p99_ms": round(sustained["p99_ms"], 2),
        "sos_service_p99_ms": round(sustained["service_p99_ms"], 2),
        "sos_errors": sustained["errors"] + sum(o["errors"] + m["errors"] for o, m in pairs),
        "retries_sent": sustained["retries"],
        "sos_max_per_s": round(many["rate"], 1),
        "sos_max_p99_ms": round(many["p99_ms"], 2),
        "scale_out_ratio": round(ratios[len(ratios) // 2], 3) if ratios else 0.0,
        "lost": checks["lost"], "duplicated": checks["duplicated"] + checks["wrong_case"],
        "unreported_cases": checks["unreported"], "bad_retries": checks["bad_retries"],
        "cases_stored": checks["cases_in_db"],
    }
    baseline = {"sos_max_per_s": round(one["rate"], 1), "sos_max_p99_ms": round(one["p99_ms"], 2)}
    goals = [
        ("sos_sustained_per_s", ">=", 0.98 * args.rate),
        ("sos_p99_ms", "<=", 100.0),
        ("scale_out_ratio", ">=", 0.9),
        ("lost", "==", 0), ("duplicated", "==", 0), ("bad_retries", "==", 0), ("unreported_cases", "==", 0),
    ]
    params = {"clients": CLIENTS, "rate": args.rate, "seconds": args.seconds, "burst_seconds": args.burst,
              "pairs": args.pairs, "nodes": args.nodes, "cpus": os.cpu_count(),
              "server": "scripts/cluster.py: HAProxy leastconn -> deploy/entrypoint.sh web nodes; PostgreSQL; "
                        "Redis queue (rq) x2 workers; scheduler; moto S3; DEBUG=0"}
    return write_result("cluster", params, results, baseline, goals)
