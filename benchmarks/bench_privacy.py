"""benchmarks/privacy: the two privacy jobs of lapor diri over a registry of 2,000,000 citizens, with SOS alerts
arriving meanwhile (issue 17, point 6).

Set-up (not measured, made once and copied for each run: var/bench/privacy-<N>/ from the crisis benchmark's
registry, `seed_demo --citizens N --seed 1`; on PostgreSQL the template database bench_privacy_seed_<N>): the
registry, 20,000 SOS senders with tokens, and a worst case that a ministry meets after the jobs were off for a while:
  - every second citizen has an app account (as 45 % of the demo population has an e-mail address, those
    get e-mail; the rest signed up with a phone number only and are reminded by SMS), a quarter of them in
    English;
  - a fifth of the stays were last confirmed 200 days ago (due for the six-monthly reminder: half of them
    belong to people with an account, who are reminded, the others cannot be reached and are skipped);
  - a tenth of the stays are trips that ended 100 days ago, with 7, 30 or 90 days chosen before their
    location is deleted (all of them due).
Measured: the server as `make run` starts it (serve_all: Granian ×2, the task worker, the scheduler). SOS
alerts arrive open-loop at --sos-rate from different citizens, first 20 s with nothing else going on
(idle, the baseline), then while the jobs run in their own process as the task worker runs them
(purge_stay_locations, then remind_stay_confirmations; SQLITE_WRITER=background and WORKER_NICE, as serve_all
starts the worker). Reports each job's time, the SOS p99 during the jobs against idle, and the time of a second
run when nothing is due (what the periodic job costs every day). Checks: every due location deleted
once with one audit event, every reachable person reminded exactly once (outbox), no SOS failed.

`--postgres URL`: the same on PostgreSQL (the server, worker and jobs on DATABASE_URL), written as
privacy-postgres. `make bench` runs both (BENCH_POSTGRES_URL). `--quick`: 200,000 citizens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from benchmarks.bench_crisis import _idle, _seed, _sos_until
from benchmarks.bench_sos import SETUP, Pool, _free_port, _manage, _pct, start_server, stop_server
from benchmarks.common import write_result

ROOT = Path(__file__).resolve().parents[1]

# Accounts, due confirmations and ended trips, made with plain SQL on both databases (ids of users made
# here: the citizen's id + OFFSET, above every id the set-up made before).
PREPARE = r"""
import datetime as dt, json, os
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from embassy.accounts.models import User
from embassy.common.bulk import insert_many
now = timezone.now()
OFFSET = 50_000_000
if connection.vendor == "sqlite":  # a cache that holds the big UPDATEs: no page written to the log twice
    with connection.cursor() as c:
        c.execute("PRAGMA cache_size = -4000000")
with connection.cursor() as c:
    c.execute("SELECT id, email FROM citizens_citizen WHERE source = 'demo' AND id %% %s = 0 ORDER BY id", [2])
    people = c.fetchall()
rows = [(cid + OFFSET, "!", False, f"warga-{cid}", "", "", False, True, "citizen", email or None,
         None if email else f"+6281{cid:09d}", "en" if cid % 8 == 0 else "id") for cid, email in people]
columns = ("id", "password", "is_superuser", "username", "first_name", "last_name", "is_staff", "is_active",
           "kind", "email", "phone", "language")
for i in range(0, len(rows), 20000):
    insert_many(User, columns, rows[i:i + 20000], constants={"date_joined": now}, set_based=("postgresql",))
old = connection.ops.adapt_datetimefield_value(now - dt.timedelta(days=200))
ended = (now - dt.timedelta(days=100)).date()
with connection.cursor() as c:
    c.execute("UPDATE citizens_citizen SET user_id = id + %s WHERE source = 'demo' AND id %% %s = 0", [OFFSET, 2])
    c.execute("UPDATE citizens_stay SET confirmed_at = %s WHERE status = 'active' AND id %% %s = 0", [old, 5])
    c.execute("UPDATE citizens_stay SET status = 'ended', end_date = %s, location_purge_days = "
              "CASE id %% %s WHEN 0 THEN 7 WHEN 1 THEN 30 ELSE 90 END WHERE id %% %s = 1", [ended, 3, 10])
    for sql in connection.ops.sequence_reset_sql(no_style(), [User]):
        c.execute(sql)
    c.execute("ANALYZE")
    if connection.vendor == "sqlite":
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
"""

# Each run: what is due (the scenario's dates are relative to when it was made, cached), and the server's
# scheduler told to leave the two jobs alone (the benchmark runs them itself, as the worker runs them).
SCENARIO = r"""
import datetime as dt, json, os
from django.db import connection
from django.utils import timezone
from embassy.citizens import tasks
from embassy.citizens.validation import CONFIRM_EVERY
from embassy.common.models import PeriodicRun
now = timezone.now()
for job in (tasks.purge_stay_locations, tasks.remind_stay_confirmations):
    PeriodicRun.objects.update_or_create(name=job.module_path, defaults={"next_run_at": now + dt.timedelta(days=1)})
with connection.cursor() as c:
    def one(sql, *args):
        c.execute(sql, args)
        return c.fetchone()[0]
    out = {
        "purge": one("SELECT COUNT(*) FROM citizens_stay WHERE location_purged_at IS NULL AND end_date IS NOT NULL "
                     "AND location_purge_days IS NOT NULL AND end_date < %s", now.date() - dt.timedelta(days=90)),
        "remind": one("SELECT COUNT(*) FROM citizens_stay s JOIN citizens_citizen z ON z.id = s.citizen_id "
                      "WHERE s.status = 'active' AND s.confirmed_at <= %s AND z.user_id IS NOT NULL",
                      connection.ops.adapt_datetimefield_value(now - CONFIRM_EVERY)),
        "stays": one("SELECT COUNT(*) FROM citizens_stay"),
        "accounts": one("SELECT COUNT(*) FROM citizens_citizen WHERE user_id IS NOT NULL AND source = 'demo'"),
    }
open(os.environ["BENCH_OUT"], "w").write(json.dumps(out))
"""

JOBS = r"""
import json, os, time
from embassy.citizens.tasks import purge_stay_locations, remind_stay_confirmations
out = {}
for name, job in (("purge", purge_stay_locations), ("remind", remind_stay_confirmations)):
    t = time.perf_counter()
    out[name] = job.call()
    out[name + "_s"] = time.perf_counter() - t
    out[name + "_at"] = [t, time.perf_counter()]  # the clock of the benchmark's SOS samples (CLOCK_MONOTONIC)
open(os.environ["BENCH_OUT"], "w").write(json.dumps(out))
"""

CHECK = r"""
import json, os
from django.db import connection
with connection.cursor() as c:
    def one(sql, *args):
        c.execute(sql, args)
        return c.fetchone()[0]
    out = {
        "locations_left": one("SELECT COUNT(*) FROM citizens_stay WHERE end_date IS NOT NULL AND location_purge_days "
                              "IS NOT NULL AND status = 'ended' AND lat IS NOT NULL"),
        "purge_events": one("SELECT COUNT(*) FROM accounts_auditevent WHERE action = 'stay.location.purge'"),
        "purge_events_distinct": one("SELECT COUNT(DISTINCT object_id) FROM accounts_auditevent "
                                     "WHERE action = 'stay.location.purge'"),
        "reminders": one("SELECT COUNT(*) FROM notify_message WHERE kind = 'stay-confirm'"),
        "reminded_people": one("SELECT COUNT(DISTINCT user_id) FROM notify_message WHERE kind = 'stay-confirm'"),
        "reminder_keys_distinct": one("SELECT COUNT(*) FROM (SELECT DISTINCT channel, address, dedupe_key FROM "
                                      "notify_message WHERE kind = 'stay-confirm') k"),
        "reminders_sms": one("SELECT COUNT(*) FROM notify_message WHERE kind = 'stay-confirm' AND channel = 'sms'"),
    }
open(os.environ["BENCH_OUT"], "w").write(json.dumps(out))
"""


def _script(env: dict[str, str], folder: Path, name: str, code: str, timeout: float = 3600) -> dict[str, Any]:
    env = {**env, "BENCH_OUT": str(folder / f"{name}.json")}
    _manage(env, "shell", "-c", code, timeout=timeout)
    return json.loads((folder / f"{name}.json").read_text())


def _as_worker() -> None:
    os.nice(settings.WORKER_NICE)  # as serve_all starts the task worker


async def _during_jobs(port: int, pool: Pool, rate: float, env: dict[str, str], out: Path) -> dict[str, Any]:
    """SOS at `rate` from 2 s before the jobs start until they end; the jobs in their own process."""
    samples: list[tuple[float, float, int]] = []
    stop = asyncio.Event()
    sos = asyncio.create_task(_sos_until(port, pool, rate, stop, samples, 3600))
    await asyncio.sleep(2.0)
    t0 = time.perf_counter()
    job = await asyncio.create_subprocess_exec(
        sys.executable, "manage.py", "shell", "-c", JOBS, cwd=ROOT, stderr=asyncio.subprocess.PIPE,
        env={**env, "SQLITE_WRITER": "background", "BENCH_OUT": str(out)}, preexec_fn=_as_worker)
    _out, err = await job.communicate()
    end = time.perf_counter()
    await asyncio.sleep(1.0)
    stop.set()
    await sos
    if job.returncode:
        raise RuntimeError(f"the jobs failed:\n{err.decode()[-3000:]}")
    during = [lat for due, lat, _status in samples if t0 <= due <= end]
    if trace := os.environ.get("BENCH_PRIVACY_TRACE"):
        Path(f"{trace}.{out.stem}").write_text(json.dumps({"t0": t0, "end": end, "samples": samples,
                                                           "jobs": json.loads(out.read_text()), "log": err.decode()}))
    return {"jobs": json.loads(out.read_text()), "wall_s": end - t0, "sos_p99_ms": _pct(during, 99) * 1000,
            "sos_p50_ms": _pct(during, 50) * 1000, "sos_requests": len(during),
            "sos_errors": sum(1 for _d, _l, s in samples if s not in (200, 201))}


def _prepare(env: dict[str, str], folder: Path, people: Path) -> None:
    """The set-up on a freshly seeded registry: SOS senders with tokens (written to `people`), accounts, due
    confirmations and ended trips (PREPARE)."""
    _manage({**env, "BENCH_SOS_OUT": str(people), "BENCH_SOS_USERS": "20000"}, "shell", "-c", SETUP)
    started = time.perf_counter()
    _manage(env, "shell", "-c", PREPARE, timeout=3600)
    print(f"scenario prepared in {time.perf_counter() - started:.0f} s", flush=True)


def _sqlite_prepared(citizens: int, env: dict[str, str], fresh: bool) -> Path:
    """var/bench/privacy-<N>/: the crisis benchmark's seeded registry with the scenario prepared (made once)."""
    cache = ROOT / "var" / "bench" / f"privacy-{citizens}"
    if fresh and cache.exists():
        shutil.rmtree(cache)
    if (cache / "prepared").exists():
        return cache
    seeded = ROOT / "var" / "bench" / f"crisis-seed-{citizens}"  # the crisis benchmark's registry
    _seed(seeded, citizens, env, fresh)
    work = cache.with_name(cache.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(seeded, work)
    work_env = {**env, "VAR_DIR": str(work)}
    _manage(work_env, "migrate", "--noinput", "-v0")
    _prepare(work_env, work, work / "people.json")
    (work / "prepared").write_text("1")
    work.rename(cache)
    return cache


def _pg_database(url: str, citizens: int, env: dict[str, str], fresh: bool) -> str:
    """A copy of the template database bench_privacy_seed_<N> (seeded and prepared once, on first use) as
    bench_privacy; its URL."""
    import psycopg

    base = url.rsplit("/", 1)[0]
    template = f"bench_privacy_seed_{citizens}"
    with psycopg.connect(base + "/postgres", autocommit=True) as con:
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        if exists and fresh:
            con.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
            exists = None
        if not exists:
            con.execute(f'CREATE DATABASE "{template}"')
            seed_env = {**env, "DATABASE_URL": f"{base}/{template}"}
            started = time.perf_counter()
            try:
                _manage(seed_env, "migrate", "--noinput", "-v0")
                _manage(seed_env, "load_reference")
                _manage(seed_env, "seed_demo", "--citizens", str(citizens), "--seed", "1", "--quiet", timeout=7200)
                with tempfile.TemporaryDirectory(prefix="bench-privacy-prepare-") as tmp:
                    _prepare({**seed_env, "VAR_DIR": tmp}, Path(tmp),
                             ROOT / "var" / "bench" / f"privacy-postgres-{citizens}-people.json")
            except BaseException:
                con.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
                raise
            print(f"seeded {citizens:,} citizens on PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
        con.execute("DROP DATABASE IF EXISTS bench_privacy WITH (FORCE)")
        con.execute(f'CREATE DATABASE bench_privacy TEMPLATE "{template}"')
    return f"{base}/bench_privacy"


def run(args: argparse.Namespace, postgres: str = "") -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS",
                                                            "FIELD_HASH_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings", CRISIS_FEEDS_ENABLED="0", NOTIFY_RATE_LIMITS="")
    folder = Path(tempfile.mkdtemp(prefix="embassy-bench-privacy-"))
    if postgres:
        env["DATABASE_URL"] = _pg_database(postgres, args.citizens, env, args.fresh)
        people_file = ROOT / "var" / "bench" / f"privacy-postgres-{args.citizens}-people.json"
    else:
        cache = _sqlite_prepared(args.citizens, env, args.fresh)
        shutil.copytree(cache, folder, dirs_exist_ok=True)
        people_file = folder / "people.json"
    port = _free_port()
    env.update(VAR_DIR=str(folder), HOST="127.0.0.1", PORT=str(port))
    server = None
    try:
        _manage(env, "migrate", "--noinput", "-v0")  # the cache may predate the newest migrations
        people = json.loads(people_file.read_text())
        scenario = _script(env, folder, "scenario", SCENARIO)
        print(f"scenario: {scenario}", flush=True)
        server = start_server(env, port)
        pool = Pool(people)
        asyncio.run(_idle(port, pool, args.sos_rate, 5.0))  # warm-up
        idle = asyncio.run(_idle(port, pool, args.sos_rate, 20.0))
        print(f"idle SOS: {idle}", flush=True)
        first = asyncio.run(_during_jobs(port, pool, args.sos_rate, env, folder / "jobs.json"))
        print(f"jobs: {first['jobs']}; SOS p99 {first['sos_p99_ms']:.1f} ms (idle {idle['p99_ms']:.1f})", flush=True)
        again = asyncio.run(_during_jobs(port, pool, args.sos_rate, env, folder / "again.json"))
        print(f"again (nothing due): {again['jobs']}", flush=True)
    finally:
        if server is not None:
            stop_server(server)
    check = _script(env, folder, "check", CHECK)
    print(f"check: {check}", flush=True)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    jobs = first["jobs"]
    results = {
        "jobs_s": round(jobs["purge_s"] + jobs["remind_s"], 1), "purge_s": round(jobs["purge_s"], 1),
        "remind_s": round(jobs["remind_s"], 1), "purged": jobs["purge"], "reminded": jobs["remind"],
        "purge_per_s": round(jobs["purge"] / jobs["purge_s"]) if jobs["purge_s"] else 0,
        "remind_per_s": round(jobs["remind"] / jobs["remind_s"]) if jobs["remind_s"] else 0,
        "sos_p99_jobs_ms": round(first["sos_p99_ms"], 1), "sos_p99_idle_ms": round(idle["p99_ms"], 1),
        "sos_p99_ratio": round(first["sos_p99_ms"] / idle["p99_ms"], 2) if idle["p99_ms"] else float("nan"),
        "sos_errors": idle["errors"] + first["sos_errors"] + again["sos_errors"],
        "purge_missed": scenario["purge"] - jobs["purge"], "remind_missed": scenario["remind"] - jobs["remind"],
        "locations_left": check["locations_left"],
        "audit_events_extra": check["purge_events"] - scenario["purge"],
        "audit_events_duplicated": check["purge_events"] - check["purge_events_distinct"],
        "reminders_duplicated": check["reminders"] - check["reminder_keys_distinct"],
        "reminded_people": check["reminded_people"], "reminders_sms": check["reminders_sms"],
        "again_s": round(again["jobs"]["purge_s"] + again["jobs"]["remind_s"], 2),
        "again_work": again["jobs"]["purge"] + again["jobs"]["remind"],
    }
    name = "privacy-postgres" if postgres else "privacy"
    return write_result(
        name, {"citizens": args.citizens, "stays": scenario["stays"], "accounts": scenario["accounts"],
               "sos_rate": args.sos_rate, "database": "postgresql" if postgres else "sqlite",
               "cores": os.cpu_count()},
        results, {"sos_p99_idle_ms": round(idle["p99_ms"], 1)},
        [("jobs_s", "<=", 60), ("sos_p99_ratio", "<=", 2.0), ("sos_errors", "==", 0), ("purge_missed", "==", 0),
         ("remind_missed", "==", 0), ("locations_left", "==", 0), ("audit_events_extra", "==", 0),
         ("audit_events_duplicated", "==", 0), ("reminders_duplicated", "==", 0), ("again_work", "==", 0)],
    )


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench privacy")
    parser.add_argument("--citizens", type=int, default=2_000_000)
    parser.add_argument("--sos-rate", type=float, default=50.0)
    parser.add_argument("--postgres", metavar="URL", help="measure on this PostgreSQL server only")
    parser.add_argument("--sqlite-only", action="store_true", help="do not measure on BENCH_POSTGRES_URL as well")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached seeded registry")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.citizens = 200_000
    if args.postgres:
        return run(args, args.postgres)
    doc = run(args)
    if (url := os.environ.get("BENCH_POSTGRES_URL", "")) and not args.sqlite_only:
        try:
            run(args, url)
        except Exception as error:  # no server here: SQLite only
            print(f"privacy on PostgreSQL skipped: {type(error).__name__}: {error}")
    return doc


if __name__ == "__main__":
    main(sys.argv[1:])
