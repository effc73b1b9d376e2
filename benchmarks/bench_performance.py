"""benchmarks/performance: a mission's public performance page with a year of data (issue 16 point 5: "the public
performance page of a mission with a year of data answers in ≤ 200 ms").

A throwaway database (Django's test database: a temporary SQLite file, or `test_<name>` on the PostgreSQL server
of DATABASE_URL), migrated, reference data loaded, 5,000 citizens, then a year of a large mission's work at KBRI
Kuala Lumpur written in bulk by embassy.performance.synthetic (defaults: 60,000 appointments, 90,000 queue
tickets, 36,000 applications with their status history, 6,000 complaints, 2,500 SOS cases, 6,000 IKM answers).
Then the rollup of the mission (timed: what the hourly task costs for it), and the page:

- measured: GET /kinerja/KBRI-KUALA-LUMPUR/ through Django's test client in-process (the whole middleware stack
  and template, no HTTP socket), 10 warm-up requests then --requests (default 200) timed one by one;
- baseline, in the same run and alternating: the same page for KBRI Singapore, rolled up with no data at all
  (what the page costs without a year behind it);
- also: the rollup of the mission (`rollup_s`), which is what a page reading the source tables would cost on
  every request.

Goals: page_p95_ms <= 200. `--quick`: a tenth of the volume and 60 requests.

    python -m benchmarks.run performance [--quick] [--requests N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import setup_test_environment, teardown_test_environment
from django.utils import timezone

from benchmarks.common import write_result
from embassy.citizens.models import Citizen
from embassy.missions.models import Mission
from embassy.performance.rollup import rollup_mission
from embassy.performance.synthetic import Volume, year_of_activity

MISSION, BASELINE = "KBRI-KUALA-LUMPUR", "KBRI-SINGAPORE"
PLAIN_STATIC = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered) + 0.5) - 1))]


def _seed(quick: bool) -> dict[str, Any]:
    started = time.perf_counter()
    Citizen.objects.bulk_create([Citizen(full_name=f"Bench {i}", source="demo") for i in range(5000)],
                                batch_size=2000)
    citizens = list(Citizen.objects.values_list("id", flat=True))
    volume = Volume().scaled(0.1) if quick else Volume()
    made = year_of_activity(mission=Mission.objects.get(code=MISSION), volume=volume, citizens=citizens,
                            now=timezone.now(), seed=16)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {**made, "seed_s": round(time.perf_counter() - started, 1)}


def _measure(requests: int) -> tuple[list[float], list[float]]:
    client = Client()
    urls = (f"/kinerja/{MISSION}/", f"/kinerja/{BASELINE}/")
    for _i in range(10):
        for url in urls:
            assert client.get(url).status_code == 200
    page: list[float] = []
    base: list[float] = []
    for _i in range(requests):
        for url, out in zip(urls, (page, base), strict=True):
            started = time.perf_counter()
            response = client.get(url)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return page, base


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench performance")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--requests", type=int, default=0)
    args = parser.parse_args(argv or [])
    requests = args.requests or (60 if args.quick else 200)

    tmp = Path(tempfile.mkdtemp(prefix="bench-performance-"))
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        db.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(STORAGES=PLAIN_STATIC, DEBUG=False):
            call_command("load_reference", without_streams=True, verbosity=0)
            made = _seed(args.quick)
            mission = Mission.objects.get(code=MISSION)
            started = time.perf_counter()
            rows = rollup_mission(mission=mission)
            rollup_s = time.perf_counter() - started
            rollup_mission(mission=Mission.objects.get(code=BASELINE))
            page, base = _measure(requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(tmp, ignore_errors=True)
    results = {
        "page_p50_ms": round(statistics.median(page), 2),
        "page_p95_ms": round(_pct(page, 0.95), 2),
        "page_max_ms": round(max(page), 2),
        "rollup_s": round(rollup_s, 2),
        "rollup_rows": rows,
        "page_over_baseline_p50": round(statistics.median(page) / statistics.median(base), 2),
    }
    baseline = {"page_p50_ms": round(statistics.median(base), 2), "page_p95_ms": round(_pct(base, 0.95), 2),
                "page_max_ms": round(max(base), 2)}
    params = {"database": connection.vendor, "quick": args.quick, "requests": requests, "mission": MISSION,
              "baseline_mission": BASELINE, **made}
    write_result("performance", params, results, baseline, [("page_p95_ms", "<=", 200.0)])
