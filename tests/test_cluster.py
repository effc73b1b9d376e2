"""The production path on one machine (issue 17): scripts/cluster.py's PostgreSQL, two app nodes behind HAProxy,
Redis with two rq workers, two schedulers and moto S3 — started once for this module, driven over HTTP through the
proxy, and hurt by the fault drills of benchmarks/faults.py (the same functions `make faults` runs, with less load).

Skipped when haproxy, redis-server or PostgreSQL's initdb are missing; with REQUIRE_CLUSTER_TESTS=1 (.ci/run) that
fails instead."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bench_sos import SETUP, Pool
from benchmarks.faults import DRILL_ENV, DRILLS, FAKETIME_LIB
from benchmarks.load import Ledger, check_database, resilient_sos
from embassy.common.scheduler import LEADER_LOCK
from scripts.cluster import Cluster, http_get, missing_tools

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    missing = missing_tools()
    if missing:
        message = f"the cluster needs {', '.join(missing)} (apt-get install haproxy redis-server postgresql)"
        if os.environ.get("REQUIRE_CLUSTER_TESTS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    run_dir = Path(tempfile.mkdtemp(prefix="embassy-cluster-test-"))
    run_dir.chmod(0o755)  # PostgreSQL runs as its own user and must reach its data folder inside
    c = Cluster(nodes=2, workers=2, schedulers=2, base_port=int(os.environ.get("CLUSTER_TEST_PORT", "8700")),
                run_dir=run_dir, extra_env=DRILL_ENV)
    try:
        with c.running(fresh=True):
            yield c
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def pool(cluster: Cluster) -> Pool:
    out = cluster.run_dir / "people.json"
    cluster.manage("shell", "-c", SETUP, env={"BENCH_SOS_OUT": str(out), "BENCH_SOS_USERS": "2000"})
    return Pool(json.loads(out.read_text()))


def _db(cluster: Cluster) -> Any:
    import psycopg

    return psycopg.connect(cluster.dsn, autocommit=True)


def _wait(predicate: Any, timeout: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if predicate():
            return time.monotonic() - began
        time.sleep(0.25)
    return None


def test_the_proxy_serves_ready_nodes_and_keeps_metrics_to_itself(cluster: Cluster) -> None:
    status, body = http_get(f"{cluster.url}/readyz")
    assert status == 200
    assert body == {"status": "ready", "checks": {"database": "ok", "queue": "ok", "storage": "ok", "warm": "ok"}}
    assert http_get(f"{cluster.url}/metrics")[0] == 404
    import urllib.request

    token = cluster.env()["METRICS_TOKEN"]
    request = urllib.request.Request(f"http://127.0.0.1:{cluster.node_port(1)}/metrics",
                                     headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        text = response.read().decode()
    # The Redis queue's depth and age per queue, read from rq (TASKS_BACKEND=rq).
    for queue in ("inbound", "default", "notify", "bulk"):
        assert f'embassy_task_queue_depth{{queue="{queue}"}}' in text


def test_sos_through_the_proxy_is_stored_once_and_fanned_out_by_the_redis_workers(cluster: Cluster,
                                                                                    pool: Pool) -> None:
    ledger = Ledger()
    asyncio.run(resilient_sos(cluster.base_port, pool, 40.0, 3.0, ledger, clients=8))
    with _db(cluster) as con:
        checks = check_database(con, ledger)
        assert checks["acknowledged"] == checks["alerts_sent"] >= 100
        assert checks["lost"] == checks["duplicated"] == checks["wrong_case"] == 0
        ids = [o.case_id for o in ledger.acked()]

        def all_alerted() -> bool:
            left = con.execute("SELECT COUNT(*) FROM sos_case WHERE id = ANY(%s) AND alerted_at IS NULL",
                               [ids]).fetchone()[0]
            return left == 0

        assert _wait(all_alerted, 30) is not None  # alert_new_cases ran on an rq worker


def test_one_scheduler_leads_and_the_standby_takes_over(cluster: Cluster) -> None:
    def leaders() -> list[int]:
        with _db(cluster) as con:
            rows = con.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                               "AND ((classid::bigint << 32) | objid::bigint) = %s", [LEADER_LOCK]).fetchall()
        return [r[0] for r in rows]

    assert _wait(lambda: len(leaders()) == 1, 15) is not None
    first = leaders()
    cluster.kill("scheduler1")  # kill -9, not restarted
    cluster.kill("scheduler2")
    cluster.start_process("scheduler1")
    took_over = _wait(lambda: len(leaders()) == 1 and leaders() != first, 20)
    assert took_over is not None
    cluster.start_process("scheduler2")  # a second scheduler: a standby, never a second leader
    time.sleep(3)
    assert len(leaders()) == 1


def _args(**kw: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"rate": 40.0, "quick": True, **kw})


def test_drill_a_node_killed_under_load_loses_and_duplicates_nothing(cluster: Cluster, pool: Pool) -> None:
    result = DRILLS["node-kill"](cluster, pool, _args())
    assert result["acknowledged"] == result["alerts_sent"] > 0
    assert result["lost"] == result["duplicated"] == 0, result
    assert result["ok"], result


def test_drill_a_database_restart_fails_fast_with_retry_after_and_recovers(cluster: Cluster, pool: Pool) -> None:
    result = DRILLS["db-restart"](cluster, pool, _args())
    assert result["lost"] == result["duplicated"] == result["never_acknowledged"] == 0, result
    assert result["answered_503"] > 0 and result["503_with_retry_after"] == result["answered_503"], result
    assert result["failed_attempt_max_s"] <= 5.0, result
    assert result["service_back_after_db_s"] is not None and result["service_back_after_db_s"] <= 10.0, result
    cluster.wait_ready(cluster.url, 60)


def test_drill_without_redis_sos_is_stored_listed_and_fanned_out_later(cluster: Cluster, pool: Pool) -> None:
    result = DRILLS["redis-stop"](cluster, pool, _args())
    assert result["lost"] == result["duplicated"] == result["never_acknowledged"] == 0, result
    assert result["readyz_status"] == 200 and result["readyz"]["status"] == "degraded", result
    assert result["readyz"]["checks"]["queue"].startswith("error"), result
    assert result["listed_in_console"] == result["acknowledged"], result
    assert result["fan_out_caught_up_after_redis_s"] is not None, result
    cluster.wait_ready(cluster.url, 60)


def test_drill_the_attachment_store_down_fails_the_upload_clearly_and_keeps_the_sos(cluster: Cluster,
                                                                                   pool: Pool) -> None:
    result = DRILLS["store-down"](cluster, pool, _args())
    assert result["upload"]["status"] == 503, result
    assert result["upload"]["detail"], result
    assert result["acknowledged"] == 1 and result["lost"] == 0, result
    cluster.wait_ready(cluster.url, 60)


def test_drill_a_clock_two_minutes_off_breaks_neither_links_nor_escalation(cluster: Cluster, pool: Pool) -> None:
    if not Path(FAKETIME_LIB).exists():
        message = "the clock-skew drill needs libfaketime (apt-get install libfaketime)"
        if os.environ.get("REQUIRE_CLUSTER_TESTS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    result = DRILLS["clock-skew"](cluster, pool, _args())
    seen = result["clock_offset_seen_in_node_logs_s"]
    assert seen["node1"] > 100 and seen["node2"] < -100, result  # the skew was real
    assert result["links_signed_ahead_answered_behind"] == result["links"] == 3, result
    assert result["waiting_since_inside_the_load_window"] == result["sos_cases"] > 0, result
    assert 59 <= result["escalated_after_s_min"] <= result["escalated_after_s_max"] <= 105, result
    cluster.wait_ready(cluster.url, 60)


def test_drill_a_worker_killed_mid_roll_call_sends_every_question_exactly_once(cluster: Cluster, pool: Pool) -> None:
    result = DRILLS["worker-kill"](cluster, pool, _args(affected=3000))
    assert result["killed_at_s"] is not None and result["all_sent_at_s"] is not None, result
    # the zone is drawn to hold about 3,000 (people at the same distance all count)
    assert result["people_with_a_question"] == result["affected"] >= 3000, result
    assert result["people_asked_twice"] == 0, result
    assert result["outbox"] == {"sent": result["affected"]}, result
