"""benchmarks/consular: consular work at a mission's scale (issue 14). Phases, each a function in PHASES; run
them all (default) or those named: `python -m benchmarks.run consular [--quick] [dashboard ...]`.

release (issue 14 point 2) — "a slot release raced by 1,000 concurrent clients: p99 ≤ 200 ms, zero double
bookings, zero 5xx": see benchmarks/consular_release.py (three races of --clients fresh citizens, each
double-submitting at the release instant, for 100 places; the floor is the same clients firing at /healthz).
`--quick`: one race.

dashboard (issue 14 point 6) — "the consular dashboard over 2,000,000 citizens and 1,000,000 applications
≤ 200 ms". A throwaway database: SQLite in a temporary VAR_DIR, and PostgreSQL as well when DATABASE_URL is set
(a database of its own, `bench_consular`, created and dropped on that server: never the URL's own database).
Migrated, reference data loaded (135 units), then seeded by bulk SQL (a recursive CTE on SQLite,
generate_series on PostgreSQL: no Python per row):
  - --citizens citizens (default 2,000,000);
  - --applications applications (default 1,000,000) over the ~130 missions abroad; the measured mission
    (KBRI-SINGAPORE) holds --mission-applications of them (default 40,000), spread through the table. Statuses as a year's work leaves
    them (80% collected, 4% ready, 2% returned, 2% refused, 12% open work of which about a third is late),
    due days around today for open work, in the past for the rest, 2% without a target;
  - the measured mission's year: one payment per collected or ready application, slots and bookings of every
    working day (14 slots of 10 places, 8 bookings each), queue tickets of every working day (150), and
    today: 14 slots (attended/no-show/cancelled before now, booked/held after), 200 tickets over 4 counters
    (done, serving, called, no-show, waiting), 150 payments in two currencies and three methods, a waiting
    list of 320 and 25 fixer flags (5 open).
PostgreSQL gets VACUUM ANALYZE after the bulk load (as autovacuum would); SQLite is left as Django leaves it.

Measured: the server as `make run` starts it (serve_all: Granian, DEBUG=1, as the other HTTP benchmarks), a
consular officer's signed-in session (password + second factor) GETting /konsol/dasbor-konsuler/?misi=… over
one keep-alive connection, sequentially: 10 warm-up requests, then --requests (default 60, ≥ 30) of the full
page, alternating with the same page for a mission that has no rows at all (the baseline: what the page costs
without data, so the ratio is what 2M/1M rows add) and with the htmx refresh (the #live part, every 30 s in
the browser). Median and p95 per database. Also: the selector alone in-process (median of 30), and the query
plans of the dashboard's queries (EXPLAIN QUERY PLAN / EXPLAIN): a plan that scans citizens, applications,
bookings, payments or tickets as a whole (SQLite "SCAN <table>", PostgreSQL "Seq Scan on <table>") is
counted in `<db>_plans_scanning` (goal 0) and the plans are written to var/bench/consular-plans-<db>.txt.

Goals: `<db>_dashboard_p95_ms <= 200` for each database run (the issue's goal, held at p95), plans_scanning 0.
`--quick`: 200,000 citizens, 100,000 applications (the mission's 40,000 kept), 30 requests — a CI-size run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks.bench_sos import _free_port, _manage, _pct, stop_server
from benchmarks.common import bench_dir, write_result
from benchmarks.consular_release import release_phase

ROOT = Path(__file__).resolve().parents[1]
MISSION = "KBRI-SINGAPORE"
EMPTY_MISSION = "KBRI-WELLINGTON"  # the baseline: a mission left without rows
PG_DATABASE = "bench_consular"
GOAL_MS = 200.0
BIG_TABLES = (
    "citizens_citizen",
    "applications_application",
    "applications_payment",
    "consular_booking",
    "counter_ticket",
)

Phase = tuple[dict[str, Any], dict[str, float], dict[str, float], list[tuple[str, str, float]]]

# --- Seeding (runs inside `manage.py shell`, on whichever database DATABASE_URL names) -----------------------
SEED = r"""
import datetime as dt, json, os, time
from zoneinfo import ZoneInfo
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from embassy.applications.models import Application, Payment
from embassy.common.tests.factories import make_staff, staff_client
from embassy.consular.models import Booking, Counter, FixerFlag, Service, Slot, WaitlistEntry
from embassy.counter.models import Ticket
from embassy.missions.models import Membership, Mission, Role

N_CIT, N_APP, N_MIS = (int(os.environ[k]) for k in ("BENCH_CITIZENS", "BENCH_APPLICATIONS", "BENCH_MISSION_APPS"))
PG = connection.vendor == "postgresql"
started = time.perf_counter()
timings = {}
mission = Mission.objects.get(code=os.environ["BENCH_MISSION"])
empty = Mission.objects.get(code=os.environ["BENCH_EMPTY_MISSION"])
others = list(Mission.objects.exclude(kind="hq").exclude(pk__in=[mission.pk, empty.pk]).order_by("id")
              .values_list("id", flat=True))
services = list(Service.objects.filter(mission__isnull=True).order_by("id").values_list("id", flat=True))
now = timezone.now().replace(microsecond=0)
tz = ZoneInfo(mission.timezone)
today = now.astimezone(tz).date()
day_start = dt.datetime.combine(today, dt.time(), tzinfo=tz).astimezone(dt.UTC)
NOW = now if PG else now.strftime("%Y-%m-%d %H:%M:%S")
TODAY = today if PG else today.isoformat()


def ts(seconds_ago):  # a timestamp `seconds_ago` (an SQL expression) before NOW (the first parameter)
    return f"(%s::timestamptz - make_interval(secs => {seconds_ago}))" if PG else \
        f"datetime(%s, '-' || ({seconds_ago}) || ' seconds')"


def day(offset):  # today + `offset` days (an SQL expression), TODAY the parameter
    return f"(%s::date + CAST(({offset}) AS integer))" if PG else f"date(%s, ({offset}) || ' days')"


def insert(table, columns, select, n, params=(), join=""):
    if PG:
        sql = f"INSERT INTO {table} ({columns}) SELECT {select} FROM generate_series(1::bigint, {n}) AS n(i) {join}"
    else:
        sql = (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "
               f"INSERT INTO {table} ({columns}) SELECT {select} FROM n {join}")
    with connection.cursor() as c:
        c.execute(sql, params)


t = time.perf_counter()
with transaction.atomic():
    insert("citizens_citizen",
           "full_name, gender, email, phone, nik, nik_index, passport_number, passport_index, home_address, source, "
           "created_at, updated_at, last_country, share_location, pending_email, pending_phone",
           f"'Warga ' || i, '', '', '', '', '', '', '', '', 'bench', {ts('i %% 31536000')}, {ts('i %% 31536000')}, "
           f"'', {'false' if PG else '0'}, '', ''", N_CIT, [NOW, NOW])
with connection.cursor() as c:
    c.execute("SELECT MIN(id), COUNT(*) FROM citizens_citizen")
    cmin, ncit = c.fetchone()
timings["citizens_s"] = time.perf_counter() - t

EVERY = max(N_APP // N_MIS, 1)  # every EVERY-th application is the measured mission's
# A status hash that also varies along the measured mission's rows (i = EVERY * m), unlike i itself.
H = f"((i * 7 + i / {EVERY} * 3) %% 100)"
STATUS = (f"CASE WHEN {H} < 80 THEN 'collected' WHEN {H} < 84 THEN 'ready' WHEN {H} < 86 THEN "
          f"'returned' WHEN {H} < 88 THEN 'rejected' WHEN {H} < 92 THEN 'submitted' WHEN {H} < 96 "
          "THEN 'documents_checked' ELSE 'in_process' END")
OPEN = f"{H} >= 88"
APP_COLUMNS = ("reference, status, status_note, answers, fee, currency, target_days, submitted_at, due_on, updated_at, "
               "client_key, credential_serial, citizen_id, mission_id, service_id")


def app_select(prefix, currency, mission_sql):
    due = (f"CASE WHEN (i / {EVERY}) %% 50 = 7 THEN NULL WHEN {OPEN} THEN {day(f'((i / {EVERY}) * 7 + i) %% 30 - 10')} "
           f"ELSE {day('-((i * 13) %% 365)')} END")
    return (f"'{prefix}' || i, {STATUS}, '', '{{}}', 100, '{currency}', 5, {ts('(i * 7919) %% 31536000')}, {due}, "
            f"{ts('(i * 7919) %% 31536000')}, '', '', {cmin} + ((i * 7) %% {ncit}), {mission_sql}, "
            f"{services[0]} + (i %% {len(services)})")


t = time.perf_counter()
with transaction.atomic():
    with connection.cursor() as c:
        c.execute("CREATE TEMPORARY TABLE bench_m (k integer PRIMARY KEY, id bigint)")
        for k, mid in enumerate(others):
            c.execute("INSERT INTO bench_m VALUES (%s, %s)", [k, mid])
    # Every EVERY-th application is the measured mission's, so that its rows lie spread over the table as years
    # of submissions leave them; the others go to the other missions in uneven shares (i*i mod their count), as
    # a few large missions hold most of the work.
    every = EVERY
    insert("applications_application", APP_COLUMNS,
           app_select("A", "SGD", f"CASE WHEN i %% {every} = 0 AND i <= {every * N_MIS} THEN {mission.pk} "
                                  "ELSE bench_m.id END"),
           N_APP, [NOW, TODAY, TODAY, NOW], join=f"JOIN bench_m ON bench_m.k = (i * i) %% {len(others)}")
timings["applications_s"] = time.perf_counter() - t

officer = make_staff(mission.code, Role.CONSULAR_OFFICER, username="bench-consul")
Membership.objects.create(user=officer, mission=empty, role=Role.CONSULAR_OFFICER)
counters = [Counter.objects.create(mission=mission, name=f"Loket {n}") for n in range(1, 5)]
Counter.objects.create(mission=empty, name="Loket 1")

t = time.perf_counter()
with transaction.atomic(), connection.cursor() as c:  # a payment for every collected or ready application
    cases = " ".join(f"WHEN {k} THEN {cid}" for k, cid in enumerate(x.pk for x in counters))
    c.execute(
        "INSERT INTO applications_payment (amount, currency, method, receipt_number, received_at, application_id, "
        "counter_id, mission_id, received_by_id) "
        f"SELECT 100, 'SGD', CASE id %% 3 WHEN 0 THEN 'cash' WHEN 1 THEN 'card' ELSE 'transfer' END, 'H' || id, "
        f"submitted_at, id, CASE id %% 4 {cases} END, mission_id, %s FROM applications_application "
        "WHERE mission_id = %s AND status IN ('collected', 'ready')", [officer.pk, mission.pk])
timings["payments_s"] = time.perf_counter() - t

# The mission's year of appointments and queue tickets (ORM bulk inserts: tens of thousands of rows).
t = time.perf_counter()
service_objs = list(Service.objects.filter(pk__in=services))
slots, bookings, tickets, n = [], [], [], 0
for back in range(365, 0, -1):
    d = today - dt.timedelta(days=back)
    if d.weekday() >= 5:
        continue
    start = dt.datetime.combine(d, dt.time(8), tzinfo=tz)
    for s in range(14):
        slots.append(Slot(mission=mission, starts_at=start + dt.timedelta(minutes=30 * s),
                          ends_at=start + dt.timedelta(minutes=30 * s + 30), capacity=10,
                          released_at=start - dt.timedelta(days=14)))
    for k in range(150):
        n += 1
        issued = start + dt.timedelta(minutes=2 * k)
        tickets.append(Ticket(mission=mission, day=d, letter="B", number=k + 1, kind="walk_in",
                              service=service_objs[k % len(service_objs)], status="done" if k % 20 else "no_show",
                              token=f"bench-h{n}", issued_at=issued, queued_at=issued,
                              called_at=issued + dt.timedelta(minutes=12), served_at=issued + dt.timedelta(minutes=13),
                              finished_at=issued + dt.timedelta(minutes=25), counter=counters[k % 4], calls=1))
Slot.objects.bulk_create(slots, batch_size=2000)
for s_i, slot in enumerate(Slot.objects.filter(mission=mission).order_by("id")):
    for place in range(1, 9):
        n += 1
        status = "attended" if place <= 6 else "no_show" if place == 7 else "cancelled"
        bookings.append(Booking(reference=f"H{n}", slot=slot, place=place, service=service_objs[n % len(service_objs)],
                                citizen_id=cmin + n % ncit, identity=f"bench:h{n}", status=status,
                                created_at=slot.starts_at - dt.timedelta(days=7),
                                checked_in_at=slot.starts_at if status == "attended" else None))
Booking.objects.bulk_create(bookings, batch_size=2000)
Ticket.objects.bulk_create(tickets, batch_size=2000)
timings["history_s"] = time.perf_counter() - t

# Today at the mission.
start = dt.datetime.combine(today, dt.time(8), tzinfo=tz)
bookings = []
for s in range(14):
    at = start + dt.timedelta(minutes=30 * s)
    slot = Slot.objects.create(mission=mission, starts_at=at, ends_at=at + dt.timedelta(minutes=30), capacity=10,
                               released_at=at - dt.timedelta(days=14))
    for place in range(1, 10):
        n += 1
        if at < now:
            status = "attended" if place <= 7 else "no_show" if place == 8 else "cancelled"
        else:
            status = "held" if place == 9 else "active"
        bookings.append(Booking(reference=f"T{n}", slot=slot, place=place, service=service_objs[place % 3],
                                citizen_id=cmin + n % ncit, identity=f"bench:t{n}", status=status,
                                created_at=at - dt.timedelta(days=5),
                                checked_in_at=at if status == "attended" else None))
Booking.objects.bulk_create(bookings)
tickets = []
for k in range(200):
    issued = start + dt.timedelta(minutes=2 * k)
    status = ("done" if k < 150 else "serving" if k < 153 else "called" if k < 155 else "no_show" if k < 165
              else "waiting")
    called = None if status == "waiting" else issued + dt.timedelta(minutes=5 + k % 20)
    tickets.append(Ticket(mission=mission, day=today, letter="B", number=k + 1, kind="walk_in",
                          service=service_objs[k % len(service_objs)], status=status, token=f"bench-t{k}",
                          issued_at=issued, queued_at=issued, called_at=called, announced_at=called,
                          calls=0 if called is None else 1,
                          served_at=called + dt.timedelta(minutes=1) if status in ("done", "serving") else None,
                          finished_at=called + dt.timedelta(minutes=12) if status == "done" else None,
                          counter=None if status == "waiting" else counters[k % 4]))
Ticket.objects.bulk_create(tickets)
apps = list(Application.objects.filter(mission=mission, status="in_process").values_list("id", flat=True)[:150])
Payment.objects.bulk_create([
    Payment(application_id=a, mission=mission, counter=counters[k % 4], amount=100 if k % 5 else 1500000,
            currency="SGD" if k % 5 else "IDR", method=("cash", "card", "transfer")[k % 3], receipt_number=f"T{k}",
            received_by=officer, received_at=start + dt.timedelta(minutes=3 * k))
    for k, a in enumerate(apps)])
WaitlistEntry.objects.bulk_create([
    WaitlistEntry(mission=mission, service=service_objs[k % 3], citizen_id=cmin + k, identity=f"bench:w{k}",
                  status="offered" if k < 20 else "waiting", created_at=now - dt.timedelta(hours=k))
    for k in range(320)])
FixerFlag.objects.bulk_create([
    FixerFlag(mission=mission, kind="device", key=f"device-{k}", bookings=6, people=6, first_seen=now,
              last_seen=now, created_at=now, reviewed_at=None if k < 5 else now) for k in range(25)])
if PG:  # what autovacuum does after a bulk load: statistics, and the visibility map for index-only scans
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
client = staff_client(officer)
out = {"cookie": settings.SESSION_COOKIE_NAME, "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
       "vendor": connection.vendor, "seconds": time.perf_counter() - started, "timings": timings,
       "counts": {"citizens": ncit,
                  "applications": Application.objects.count(),
                  "mission_applications": Application.objects.filter(mission=mission).count(),
                  "payments": Payment.objects.count(), "bookings": Booking.objects.count(),
                  "tickets": Ticket.objects.count()}}
with open(os.environ["BENCH_OUT"], "w") as fh:
    json.dump(out, fh)
"""

# The selector alone, and the plans of its queries (inside `manage.py shell`).
PLANS = r"""
import json, os, re, statistics, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from embassy.missions.models import Mission
from embassy.ops.consular_dashboard import consular_dashboard
mission = Mission.objects.get(code=os.environ["BENCH_MISSION"])
consular_dashboard(mission=mission)
times = []
for _ in range(30):
    t = time.perf_counter()
    consular_dashboard(mission=mission)
    times.append((time.perf_counter() - t) * 1000)
with CaptureQueriesContext(connection) as queries:
    consular_dashboard(mission=mission)
PG = connection.vendor == "postgresql"
big = json.loads(os.environ["BENCH_BIG_TABLES"])
bad = re.compile(r"Seq Scan on (%s)\b" % "|".join(big)) if PG else re.compile(r"\bSCAN (%s)\b" % "|".join(big))
report, scanning = [], 0
for q in queries.captured_queries:
    with connection.cursor() as c:
        c.execute(("EXPLAIN " if PG else "EXPLAIN QUERY PLAN ") + q["sql"])
        plan = [" | ".join(str(x) for x in row) for row in c.fetchall()]
    hit = any(bad.search(line) for line in plan)
    scanning += hit
    report.append(("SCANS A BIG TABLE\n" if hit else "") + q["sql"] + "\n  " + "\n  ".join(plan))
with open(os.environ["BENCH_OUT"], "w") as fh:
    json.dump({"selector_ms": statistics.median(times), "queries": len(queries), "scanning": scanning,
               "plans": "\n\n".join(report)}, fh)
"""


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, float, bytes]:
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    return response.status, (time.perf_counter() - t) * 1000, body


def _measure(port: int, cookie: str, requests: int) -> dict[str, list[float]]:
    """Sequential GETs on one keep-alive connection: page, empty mission's page, htmx refresh, in turn."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    base = {"Cookie": cookie, "Host": f"127.0.0.1:{port}", "Accept-Language": "id"}
    kinds = {
        "page": (f"/konsol/dasbor-konsuler/?misi={MISSION}", base),
        "empty": (f"/konsol/dasbor-konsuler/?misi={EMPTY_MISSION}", base),
        "refresh": (f"/konsol/dasbor-konsuler/?misi={MISSION}", {**base, "HX-Request": "true"}),
        "healthz": ("/healthz", {"Host": f"127.0.0.1:{port}"}),
    }
    samples: dict[str, list[float]] = {k: [] for k in kinds}
    for n in range(10 + requests):
        for kind, (path, headers) in kinds.items():
            status, ms, body = _get(conn, path, headers)
            if status != 200 or (kind == "page" and b'id="live"' not in body):
                raise RuntimeError(f"{kind}: HTTP {status} {body[:300]!r}")
            if n >= 10:
                samples[kind].append(ms)
    conn.close()
    return samples


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """serve_all on a free port, warm (bench_sos.start_server); tried twice, since on this busy machine a start
    has failed once for a port taken between choosing and binding it. A failed start is stopped, not left."""
    for attempt in (1, 2):
        port = _free_port()
        env.update(HOST="127.0.0.1", PORT=str(port))
        log = open(Path(env["VAR_DIR"]) / "server.log", "ab")  # noqa: SIM115 - open for the server's life
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve_all"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            ready = _warm(server, port)
        except BaseException:  # interrupted while it starts: do not leave it running
            stop_server(server)
            raise
        if ready:
            return server, port
        stop_server(server)
        print(f"(server start {attempt} failed; see {env['VAR_DIR']}/server.log)", flush=True)
    raise RuntimeError("the server did not start")


def _warm(server: subprocess.Popen[bytes], port: int, seconds: float = 180) -> bool:
    """True once /healthz has said "warm" 20 times in a row (both web workers have built their indexes)."""
    deadline, warm = time.time() + seconds, 0
    while warm < 20:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            warm = warm + 1 if json.loads(conn.getresponse().read()).get("warm") else 0
            conn.close()
        except (OSError, ValueError):
            warm = 0
        if time.time() > deadline or server.poll() is not None:
            return False
        time.sleep(0.05)
    return True


def _postgres_url(url: str) -> tuple[str, str]:
    """(the benchmark's own database URL on that server, the server's maintenance database URL)."""
    parts = urlsplit(url)
    return (urlunsplit(parts._replace(path=f"/{PG_DATABASE}")), urlunsplit(parts._replace(path="/postgres")))


def _postgres_database(admin_url: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")


def _one_database(label: str, env: dict[str, str], folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, load, seed, plan and measure on one database (env's DATABASE_URL, or SQLite in folder)."""
    cache = ROOT / "var" / "cache"  # the geography caches load_reference would otherwise rebuild (a minute)
    if cache.is_dir():
        shutil.copytree(cache, folder / "cache", dirs_exist_ok=True)
    t0 = time.perf_counter()
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_reference", timeout=1800)
    setup_s = time.perf_counter() - t0
    env = {
        **env,
        "BENCH_OUT": str(folder / f"seed-{label}.json"),
        "BENCH_CITIZENS": str(args.citizens),
        "BENCH_APPLICATIONS": str(args.applications),
        "BENCH_MISSION_APPS": str(args.mission_applications),
        "BENCH_MISSION": MISSION,
        "BENCH_EMPTY_MISSION": EMPTY_MISSION,
        "BENCH_BIG_TABLES": json.dumps(BIG_TABLES),
    }
    _manage(env, "shell", "-c", SEED, timeout=7200)
    seed = json.loads((folder / f"seed-{label}.json").read_text())
    print(
        f"[{label}] migrate + reference data {setup_s:.0f} s; seeded in {seed['seconds']:.0f} s "
        f"{seed['timings']}: {seed['counts']}",
        flush=True,
    )
    env["BENCH_OUT"] = str(folder / f"plans-{label}.json")
    _manage(env, "shell", "-c", PLANS, timeout=600)
    plans = json.loads((folder / f"plans-{label}.json").read_text())
    target = bench_dir()
    target.mkdir(parents=True, exist_ok=True)
    (target / f"consular-plans-{label}.txt").write_text(plans["plans"] + "\n")
    print(
        f"[{label}] selector {plans['selector_ms']:.1f} ms in-process, {plans['queries']} queries, "
        f"{plans['scanning']} plan(s) scanning a big table",
        flush=True,
    )
    server, port = _start(env)
    try:
        samples = _measure(port, f"{seed['cookie']}={seed['session']}", args.requests)
    finally:
        stop_server(server)
    return {"seed": seed, "plans": plans, "samples": samples}


def dashboard(args: argparse.Namespace) -> Phase:
    """The consular dashboard over --citizens and --applications, on SQLite (and PostgreSQL when
    DATABASE_URL is set)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "ALLOWED_HOSTS"}
    }
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings", CRISIS_FEEDS_ENABLED="0")
    databases: list[tuple[str, dict[str, str]]] = [("sqlite", {})] if "sqlite" in args.databases else []
    admin_url = ""
    if "postgresql" in args.databases and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        url, admin_url = _postgres_url(os.environ["DATABASE_URL"])
        databases.append(("postgresql", {"DATABASE_URL": url}))
    results: dict[str, float] = {}
    baseline: dict[str, float] = {}
    goals: list[tuple[str, str, float]] = []
    params: dict[str, Any] = {
        "citizens": args.citizens,
        "applications": args.applications,
        "mission_applications": args.mission_applications,
        "mission": MISSION,
        "baseline_mission": EMPTY_MISSION,
        "requests": args.requests,
        "server": "serve_all (granian WSGI), DEBUG=1",
        "cpus": os.cpu_count(),
    }
    for label, extra in databases:
        folder = Path(tempfile.mkdtemp(prefix=f"embassy-bench-consular-{label}-"))
        if label == "postgresql":
            _postgres_database(admin_url, create=True)
        try:
            run = _one_database(label, {**env, **extra, "VAR_DIR": str(folder)}, folder, args)
        finally:
            if label == "postgresql" and not args.keep:
                _postgres_database(admin_url, create=False)
            if args.keep:
                print(f"(kept {folder})")
            else:
                shutil.rmtree(folder, ignore_errors=True)
        s = run["samples"]
        for kind, name in (("page", "dashboard"), ("refresh", "dashboard_refresh")):
            for stat, q in (("p50", 50), ("p95", 95)):
                metric = f"{label}_{name}_{stat}_ms"
                results[metric] = round(_pct(s[kind], q), 1)
                baseline[metric] = round(_pct(s["empty"], q), 1)
        results[f"{label}_healthz_p50_ms"] = round(statistics.median(s["healthz"]), 2)
        results[f"{label}_selector_ms"] = round(run["plans"]["selector_ms"], 1)
        results[f"{label}_queries"] = run["plans"]["queries"]
        results[f"{label}_plans_scanning"] = run["plans"]["scanning"]
        results[f"{label}_seed_s"] = round(run["seed"]["seconds"], 1)
        params[f"{label}_counts"] = run["seed"]["counts"]
        goals += [(f"{label}_dashboard_p95_ms", "<=", GOAL_MS), (f"{label}_plans_scanning", "==", 0)]
    return params, results, baseline, goals


def release(args: argparse.Namespace) -> Phase:
    """A slot release raced by --clients concurrent clients (benchmarks/consular_release.py)."""
    results, baseline, goals, params = release_phase(clients=args.clients, quick=args.quick)
    return ({f"release_{k}": v for k, v in params.items()}, results, baseline, goals)


PHASES: dict[str, Callable[[argparse.Namespace], Phase]] = {"release": release, "dashboard": dashboard}


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.run consular", description=__doc__.splitlines()[0])
    parser.add_argument("phases", nargs="*", help=f"any of {', '.join(PHASES)} (default: all)")
    parser.add_argument("--citizens", type=int, default=2_000_000)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--mission-applications", type=int, default=40_000)
    parser.add_argument("--requests", type=int, default=60, help="measured requests per kind (≥ 30)")
    parser.add_argument("--clients", type=int, default=1000, help="release: clients racing for the places")
    parser.add_argument(
        "--quick", action="store_true", help="200,000 citizens, 100,000 applications, 30 requests"
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="which to run (postgresql only when DATABASE_URL names a PostgreSQL server)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders and database")
    args = parser.parse_args(argv)
    unknown = [p for p in args.phases if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")
    if args.quick:
        args.citizens, args.applications, args.requests = 200_000, 100_000, 30
    args.requests = max(args.requests, 30)
    params: dict[str, Any] = {"phases": args.phases or list(PHASES)}
    results: dict[str, float] = {}
    baseline: dict[str, float] = {}
    goals: list[tuple[str, str, float]] = []
    for name in args.phases or PHASES:
        p, r, b, g = PHASES[name](args)
        params.update(p)
        results.update(r)
        baseline.update(b)
        goals += g
    return write_result("consular", params, results, baseline, goals)


if __name__ == "__main__":
    from benchmarks.run import _setup_django

    _setup_django()
    main(sys.argv[1:])
