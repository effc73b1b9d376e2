"""Fault drills on the cluster (`make faults`, or `python -m benchmarks.faults [name ...] [--quick]`).

Each drill starts from a running cluster (scripts/cluster.py: PostgreSQL, two app nodes behind HAProxy, Redis with
two rq workers, a scheduler, moto S3), injects one fault while phones send SOS alerts through the proxy, and
reports what it saw. Phones retry every alert with its idempotency key until it is acknowledged
(benchmarks/load.py). Afterwards the database is read: an acknowledged alert that is not stored is lost; a second
case or alert for one press is a duplicate.

  node-kill   kill -9 one app node in the middle of the load, start it again later;
  db-restart  stop PostgreSQL for a few seconds (fast shutdown, then start): failing requests must fail fast with
              503 and Retry-After, and service must be back within 10 s of the database;
  redis-stop  stop Redis: SOS alerts are still stored and listed for the duty officer; /readyz says the queue is
              down; when Redis is back the fan-out to the officers catches up;
  store-down  the attachment store stops answering (as a full disk does): the upload gets a clear 503, the SOS
              itself is stored;
  worker-kill kill -9 a task worker in the middle of a roll-call (100,000 messages; --quick 10,000) and start a
              new one: every message reaches the provider exactly once;
  clock-skew  one node's clock runs 2 minutes ahead, the other's 2 minutes behind (libfaketime): a roll-call
              link signed by one node is accepted by the other, and escalation timers neither fire early nor late.

The report is printed and written to var/bench/faults.json; docs/operations.md keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bench_crisis import PHASE_A, STAFF, SinkCounter, _sink_links
from benchmarks.bench_sos import SETUP, Client, Pool
from benchmarks.load import Ledger, check_database, resilient_sos
from scripts.cluster import Cluster, http_get

ROOT = Path(__file__).resolve().parents[1]
# A 1x1 PNG, as small as a photo gets.
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
DRILLS: dict[str, Callable[[Cluster, Pool, argparse.Namespace], dict[str, Any]]] = {}


def drill(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        DRILLS[name] = fn
        return fn

    return register


def _db(cluster: Cluster) -> Any:
    import psycopg

    return psycopg.connect(cluster.dsn, autocommit=True)


def _at(delay: float, action: Callable[[], None], log: list[tuple[float, str]], what: str,
        began: float) -> asyncio.Task[None]:
    async def run() -> None:
        await asyncio.sleep(delay)
        await asyncio.to_thread(action)
        log.append((round(time.perf_counter() - began, 2), what))

    return asyncio.ensure_future(run())


def _check(ready: dict[str, Any], name: str) -> str:
    """One check's value from a /readyz body."""
    checks = ready.get("checks")
    return str(checks.get(name, "")) if isinstance(checks, dict) else ""


def _summary(ledger: Ledger) -> dict[str, Any]:
    acked = ledger.acked()
    waits = sorted(o.acked_at - o.first_sent for o in acked if o.acked_at is not None)
    fails = sorted(s for o in ledger.outcomes.values() for s in o.failure_seconds)
    statuses: dict[str, int] = {}
    for o in ledger.outcomes.values():
        for s in o.statuses:
            statuses[str(s)] = statuses.get(str(s), 0) + 1
    return {"ack_p50_s": round(waits[len(waits) // 2], 3) if waits else None,
            "ack_max_s": round(waits[-1], 3) if waits else None,
            "failed_attempts": len(fails), "failed_attempt_max_s": round(fails[-1], 3) if fails else None,
            "answers": statuses}


@drill("node-kill")
def node_kill(cluster: Cluster, pool: Pool, args: argparse.Namespace) -> dict[str, Any]:
    ledger, log = Ledger(), list[tuple[float, str]]()
    seconds = 10.0 if args.quick else 30.0

    async def go() -> None:
        began = time.perf_counter()
        _at(seconds * 0.3, lambda: cluster.kill("node1"), log, "kill -9 node1", began)
        _at(seconds * 0.7, lambda: cluster.start_process("node1"), log, "node1 started again", began)
        await resilient_sos(cluster.base_port, pool, args.rate, seconds, ledger)

    asyncio.run(go())
    cluster.wait_ready(f"http://127.0.0.1:{cluster.node_port(1)}", 120)
    with _db(cluster) as con:
        checks = check_database(con, ledger)
    ok = checks["lost"] == 0 and checks["duplicated"] == 0 and checks["never_acknowledged"] == 0
    return {"ok": ok, "events": log, **checks, **_summary(ledger)}


@drill("db-restart")
def db_restart(cluster: Cluster, pool: Pool, args: argparse.Namespace) -> dict[str, Any]:
    ledger, log = Ledger(), list[tuple[float, str]]()
    seconds = 20.0 if args.quick else 40.0
    down_for = 5.0
    marks: dict[str, float] = {}

    def stop_db() -> None:
        cluster.kill("postgres", signal.SIGINT)  # "fast" shutdown: connections are cut, as in a restart

    def start_db() -> None:
        cluster.start_process("postgres")
        cluster.wait_postgres(60)
        marks["db_back"] = time.perf_counter()

    async def go() -> None:
        began = time.perf_counter()
        marks["began"] = began
        _at(seconds * 0.25, stop_db, log, "PostgreSQL stopped (fast shutdown)", began)
        _at(seconds * 0.25 + down_for, start_db, log, "PostgreSQL started and answering", began)
        await resilient_sos(cluster.base_port, pool, args.rate, seconds, ledger)

    asyncio.run(go())
    with _db(cluster) as con:
        checks = check_database(con, ledger)
    # Service back: the first acknowledgement of an alert that had failed at least once, after the database.
    back = marks.get("db_back", 0.0)
    after = sorted(o.acked_at for o in ledger.acked() if o.acked_at is not None and o.acked_at >= back
                   and any(s != 201 for s in o.statuses))
    failed = [o for o in ledger.outcomes.values() if any(s not in (200, 201) for s in o.statuses)]
    with_retry_after = sum(1 for o in failed for r in o.retry_after if r)
    answered_503 = sum(1 for o in failed for s in o.statuses if s == 503)
    summary = _summary(ledger)
    recovered = round(after[0] - back, 2) if after else None
    ok = (checks["lost"] == 0 and checks["duplicated"] == 0 and checks["never_acknowledged"] == 0
          and (summary["failed_attempt_max_s"] or 0) <= 5.0 and recovered is not None and recovered <= 10.0
          and with_retry_after == answered_503)
    return {"ok": ok, "events": log, **checks, **summary, "answered_503": answered_503,
            "503_with_retry_after": with_retry_after, "service_back_after_db_s": recovered}


@drill("redis-stop")
def redis_stop(cluster: Cluster, pool: Pool, args: argparse.Namespace) -> dict[str, Any]:
    cluster.kill("redis", signal.SIGTERM)
    began = time.perf_counter()
    ledger = Ledger()
    asyncio.run(resilient_sos(cluster.base_port, pool, min(args.rate, 50.0), 5.0, ledger))
    status, ready = http_get(f"{cluster.url}/readyz")
    with _db(cluster) as con:
        checks = check_database(con, ledger)
        case_ids = [o.case_id for o in ledger.acked()]
        marks = ",".join(["%s"] * len(case_ids))
        # The duty officer's SOS queue lists open cases straight from the database (embassy.sos.selectors).
        listed, open_waiting = con.execute(
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE alerted_at IS NULL) FROM sos_case WHERE id IN ({marks}) "
            "AND status IN ('new', 'acknowledged')", case_ids).fetchone()
    cluster.start_process("redis")
    restarted = time.perf_counter()
    caught_up = None
    while time.perf_counter() - restarted < 120:
        with _db(cluster) as con:
            left = con.execute(f"SELECT COUNT(*) FROM sos_case WHERE id IN ({marks}) AND alerted_at IS NULL",
                               case_ids).fetchone()[0]
        if not left:
            caught_up = round(time.perf_counter() - restarted, 1)
            break
        time.sleep(0.5)
    ok = (checks["lost"] == 0 and checks["duplicated"] == 0 and checks["never_acknowledged"] == 0
          and status == 200 and _check(ready, "queue").startswith("error")
          and listed == len(case_ids) and caught_up is not None)
    return {"ok": ok, "redis_down_s": round(restarted - began, 1), **checks, "readyz_status": status,
            "readyz": ready, "waiting_for_fan_out_while_down": open_waiting, "listed_in_console": listed,
            "fan_out_caught_up_after_redis_s": caught_up}


@drill("store-down")
def store_down(cluster: Cluster, pool: Pool, args: argparse.Namespace) -> dict[str, Any]:
    cluster.kill("s3", signal.SIGKILL)
    person = pool.take()
    ledger = Ledger()
    try:
        for n in range(1, cluster.nodes + 1):  # every node learns of it (the probe is trusted for a while)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                status, ready = http_get(f"http://127.0.0.1:{cluster.node_port(n)}/readyz")
                if _check(ready, "storage").startswith("error"):
                    break
                time.sleep(1)
        pool_one = Pool([person])
        asyncio.run(resilient_sos(cluster.base_port, pool_one, 1.0, 1.0, ledger, clients=1))
        outcome = next(iter(ledger.outcomes.values()))
        upload = _upload(cluster.base_port, person["token"], int(outcome.case_id or 0))
        status, ready = http_get(f"{cluster.url}/readyz")
    finally:
        cluster.start_process("s3")
    with _db(cluster) as con:
        checks = check_database(con, ledger)
    ok = (upload["status"] == 503 and bool(upload["detail"]) and checks["lost"] == 0
          and checks["acknowledged"] == 1 and status == 200)
    return {"ok": ok, "upload": upload, **checks, "readyz_status": status, "readyz": ready}


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"  # Debian's libfaketime

SKEW_SETUP = r"""
import json, os
from embassy.citizens.models import Citizen
from embassy.crises.links import link_token
from embassy.crises.models import Affected, Crisis
from embassy.missions.models import Mission
from django.utils import timezone
mission = Mission.objects.filter(code="KBRI-KUALA-LUMPUR").first() or Mission.objects.order_by("id").first()
people = json.loads(os.environ["SKEW_PEOPLE"])
crisis = Crisis.objects.create(title="Drill: clock skew", kind="earthquake", status="active", lat=3.139, lon=101.687,
                               radius_km=5, rollcall_started_at=timezone.now(), data={"drill": True})
links = []
for p in people:
    citizen = Citizen.objects.get(user_id=p["user"])
    a = Affected.objects.create(crisis=crisis, citizen=citizen, mission=mission, inside=True, via="stay", channel="sms",
                                added_at=timezone.now(), asked_at=timezone.now())
    links.append(link_token(a.pk, crisis.pk))  # signed by a process whose clock is SKEW_SIGNER
print(json.dumps({"crisis": crisis.pk, "links": links}))
"""


def _log_clock_offset(path: Path) -> float | None:
    """Seconds between the time on a process's last log line (its own clock) and this machine's now."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.startswith('{"time"')]
    if not lines:
        return None
    stamp = json.loads(lines[-1])["time"]
    seen = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC)
    return round((seen - datetime.now(UTC)).total_seconds(), 1)


@drill("clock-skew")
def clock_skew(cluster: Cluster, pool: Pool, args: argparse.Namespace) -> dict[str, Any]:
    """node1's clock 2 minutes ahead, node2's 2 minutes behind, the scheduler's ahead too (libfaketime)."""
    if not Path(FAKETIME_LIB).exists():
        return {"ok": False, "error": "libfaketime is not installed (apt-get install libfaketime)"}
    wait = int(cluster.env().get("SOS_ESCALATE_AFTER_SECONDS", "300"))
    skews = {"node1": "+120", "node2": "-120", "scheduler1": "+120"}
    for name, offset in skews.items():
        cluster.restart_with(name, {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                                    "FAKETIME_DONT_RESET": "1"})
    try:
        for n in (1, 2):  # both nodes warm up at once under libfaketime (every clock call intercepted); a loaded
            cluster.wait_ready(f"http://127.0.0.1:{cluster.node_port(n)}", 300)  # CI machine took over 120 s
        ledgers = {}
        with _db(cluster) as con:
            before = con.execute("SELECT statement_timestamp()").fetchone()[0]
        for n in (1, 2):  # SOS straight to each skewed node
            ledgers[n] = Ledger()
            asyncio.run(resilient_sos(cluster.node_port(n), pool, 5.0, 2.0, ledgers[n], clients=2))
        with _db(cluster) as con:
            after = con.execute("SELECT statement_timestamp()").fetchone()[0]
        # Links signed on a clock 2 minutes ahead, answered on a node 2 minutes behind (4 minutes apart).
        people = [pool.take() for _ in range(3)]
        made = json.loads(cluster.manage("shell", "-c", SKEW_SETUP, env={
            "SKEW_PEOPLE": json.dumps(people), "LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "+120",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}).strip().splitlines()[-1])
        answers = [asyncio.run(Client(cluster.node_port(2)).request(
            "/api/v1/rollcall/answer", "", {"crisis": made["crisis"], "token": token, "answer": "safe"}))
            for token in made["links"]]
        links_ok = sum(1 for status, data in answers if status == 200 and data.get("recorded"))
        observed = {}
        for n in (1, 2):  # a request with a host name not allowed: the node logs it at once, with its own clock
            http_get(f"http://127.0.0.1:{cluster.node_port(n)}/healthz", host="clock-probe.invalid")
            time.sleep(0.5)
            observed[f"node{n}"] = _log_clock_offset(cluster.logs / f"node{n}.log")
        with _db(cluster) as con:
            ids = [o.case_id for ledger in ledgers.values() for o in ledger.acked()]
            # When each SOS started waiting, by the database's clock: inside the window of the load, not 2 min off.
            inside = con.execute("SELECT COUNT(*) FROM sos_case WHERE id = ANY(%s) AND waiting_since BETWEEN %s AND %s",
                                 [ids, before, after]).fetchone()[0]
            # Escalation: the scheduler (clock 2 min ahead) must escalate after `wait`, neither 2 min early nor late.
            deadline = time.monotonic() + wait + 90
            while time.monotonic() < deadline:
                pending = con.execute("SELECT COUNT(*) FROM sos_case WHERE id = ANY(%s) AND escalated_at IS NULL",
                                      [ids]).fetchone()[0]
                if not pending:
                    break
                time.sleep(2)
            escalated = [float(r[0]) for r in con.execute(
                "SELECT EXTRACT(EPOCH FROM (escalated_at - waiting_since)) FROM sos_case WHERE id = ANY(%s) "
                "AND escalated_at IS NOT NULL", [ids]).fetchall()]
        cluster.manage("shell", "-c", f"from embassy.crises.models import Crisis; Crisis.objects.filter(pk={made['crisis']}).delete()")
    finally:
        for name in skews:
            cluster.restart_with(name, {"LD_PRELOAD": None, "FAKETIME": None, "FAKETIME_DONT_FAKE_MONOTONIC": None,
                                        "FAKETIME_DONT_RESET": None})
    ok = (links_ok == len(made["links"]) and inside == len(ids) > 0 and len(escalated) == len(ids)
          and all(wait - 1 <= e <= wait + 45 for e in escalated))
    return {"ok": ok, "skews_s": skews, "clock_offset_seen_in_node_logs_s": observed, "sos_cases": len(ids), "links_signed_ahead_answered_behind": links_ok,
            "links": len(made["links"]), "escalate_after_s": wait,
            "escalated_after_s_min": min(escalated) if escalated else None,
            "escalated_after_s_max": max(escalated) if escalated else None,
            "waiting_since_inside_the_load_window": inside}


@drill("worker-kill")
def worker_kill(cluster: Cluster, pool: Pool, args: argparse.Namespace) -> dict[str, Any]:
    """Last: it replaces the demo population (seed_demo --force); the other drills' citizens are not part of it."""
    affected = getattr(args, "affected", None) or (10_000 if args.quick else 100_000)
    cluster.manage("seed_demo", "--citizens", str(affected * 3 // 2), "--seed", "1", "--quiet", "--force")
    out, staff = cluster.run_dir / "crisis.json", cluster.run_dir / "staff.txt"
    cluster.manage("shell", "-c", PHASE_A, env={"BENCH_OUT": str(out), "BENCH_AFFECTED": str(affected),
                                               "BENCH_REPEAT": "1"})
    crisis = json.loads(out.read_text())
    cluster.manage("shell", "-c", STAFF, env={"BENCH_OUT": str(staff)})
    sink = cluster.run_dir / "var" / "notify" / "sink.jsonl"
    counter = SinkCounter(sink)
    expected = int(crisis["inside"])
    began = time.perf_counter()
    status, data = asyncio.run(Client(cluster.base_port).request(f"/api/v1/crises/{crisis['crisis']}/rollcall",
                                                                 staff.read_text().strip(), {}))
    if status != 200:
        return {"ok": False, "error": f"starting the roll-call: {status} {data}"}
    killed_at = restarted_at = done_at = None
    left = -1
    with _db(cluster) as con:
        while time.perf_counter() - began < 900:
            sent = counter.poll()
            if killed_at is None and sent >= expected * 0.3:
                cluster.kill("worker1")  # kill -9 in the middle of the broadcast
                killed_at = time.perf_counter() - began
                cluster.start_process("worker1")  # and a new one
                restarted_at = time.perf_counter() - began
            if sent >= expected:
                left = con.execute("SELECT COUNT(*) FROM notify_message WHERE kind = 'crisis.rollcall' "
                                   "AND status IN ('queued', 'sending')").fetchone()[0]
                if not left:
                    done_at = time.perf_counter() - began
                    break
            time.sleep(0.5)
        outbox = dict(con.execute("SELECT status, COUNT(*) FROM notify_message WHERE kind = 'crisis.rollcall' "
                                  "GROUP BY status").fetchall())
    _links, per_person = _sink_links(sink, int(crisis["crisis"]))
    cluster.manage("shell", "-c", f"from embassy.crises.models import Crisis; Crisis.objects.filter(pk={crisis['crisis']}).delete()")
    absorbed = sum(path.read_text(errors="replace").count("already in the sink")
                   for path in cluster.logs.glob("worker*.log"))
    twice = sum(1 for n in per_person.values() if n > 1)
    result = {"affected": expected, "people_with_a_question": len(per_person), "people_asked_twice": twice,
              "outbox": outbox, "killed_at_s": killed_at, "new_worker_at_s": restarted_at,
              "all_sent_at_s": done_at, "sent_again_and_absorbed_by_the_sink": absorbed,
              "lease_s": cluster.env().get("NOTIFY_LEASE_SECONDS")}
    result["ok"] = bool(killed_at and done_at and twice == 0 and len(per_person) == expected)
    return result


def _upload(port: int, token: str, case_id: int) -> dict[str, Any]:
    import urllib.error
    import urllib.request

    boundary = "----drill"
    photo = PNG_1PX
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/sos/my-cases/{case_id}/attachments", data=body,
                                     headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1",
                                              "Content-Type": f"multipart/form-data; boundary={boundary}",
                                              "Accept-Language": "id"})
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            status, data = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        status, data = error.code, json.loads(error.read() or b"{}")
    return {"status": status, "detail": data.get("detail", ""), "seconds": round(time.perf_counter() - began, 2)}


# Roll-call questions to the sink (a file, rate limit lifted), as benchmarks/crisis does; a dead worker's messages
# are taken over after 30 s rather than production's 300 (a batch to the sink takes milliseconds); the clock-skew
# drill waits for escalations: one minute instead of five.
DRILL_ENV = {"ROLLCALL_CHANNELS": "sink", "NOTIFY_RATE_LIMITS": "sink=0", "CRISIS_FEEDS_ENABLED": "0",
             "NOTIFY_LEASE_SECONDS": "30", "SOS_ESCALATE_AFTER_SECONDS": "60"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"drills to run (default: all): {' '.join(DRILLS)}")
    parser.add_argument("--rate", type=float, default=100.0, help="SOS alerts per second during a drill")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--base-port", type=int, default=8500)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    unknown = [n for n in args.names if n not in DRILLS]
    if unknown:
        parser.error(f"unknown drill(s) {unknown}; known: {' '.join(DRILLS)}")
    names = [name for name in DRILLS if name in set(args.names)] if args.names else list(DRILLS)  # registration order
    cluster = Cluster(base_port=args.base_port, run_dir=ROOT / "var" / "faults-cluster", extra_env=DRILL_ENV)
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                              "rate": args.rate, "drills": {}}
    with cluster.running(fresh=True):
        people_file = cluster.run_dir / "people.json"
        cluster.manage("shell", "-c", SETUP, env={"BENCH_SOS_OUT": str(people_file), "BENCH_SOS_USERS": "20000"})
        pool = Pool(json.loads(people_file.read_text()))
        for name in names:
            print(f"== {name}", flush=True)
            try:
                result = DRILLS[name](cluster, pool, args)
            except Exception as error:  # one broken drill must not hide the others' reports
                result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
            report["drills"][name] = result
            print(json.dumps(result, indent=1, default=str), flush=True)
            for proc in ("postgres", "redis", "s3", *(f"node{n}" for n in range(1, cluster.nodes + 1))):
                cluster.start_process(proc)  # whatever a drill left stopped
            cluster.wait_ready(cluster.url, 120)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "faults.json").write_text(json.dumps(report, indent=1, default=str))
    print("\n".join(f"{name:12} {'survived' if r.get('ok') else 'FAILED'}" for name, r in report["drills"].items()))
    shutil.rmtree(cluster.run_dir / "var" / "media", ignore_errors=True)
    return 0 if all(r.get("ok") for r in report["drills"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
