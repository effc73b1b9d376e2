"""Seeing it run (issue 17, point 4): /readyz, /metrics, the request id in logs and in the tasks a request starts."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks import task_backends
from prometheus_client.parser import text_string_to_metric_families

from embassy.common import tracing
from embassy.common.tasking import KWARG, task
from embassy.common.tests.factories import bearer, make_citizen_user
from embassy.notify.models import Message
from embassy.ops.warmup import WARM
from embassy.sos.models import Case

pytestmark = pytest.mark.django_db
SEEN: list[str] = []  # request ids seen by record_request_id, in order


@task(queue_name="default")
def record_request_id() -> str:
    SEEN.append(tracing.current_id.get())
    logging.getLogger("embassy.tests.trace").warning("task ran")
    return tracing.current_id.get()


@pytest.fixture
def warm() -> Iterator[None]:
    was = WARM.is_set()
    WARM.set()
    yield
    if not was:
        WARM.clear()


@pytest.fixture
def database_tasks(settings: Any) -> Iterator[None]:
    """The database task backend, as `make run` uses, instead of the tests' immediate one."""
    immediate = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "notify", "bulk"]}}
    settings.TASKS_BACKEND = "database"
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends.__dict__.pop("_backends", None)
    yield
    settings.TASKS = immediate
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends.__dict__.pop("_backends", None)


def _metrics(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}


# --- /readyz ------------------------------------------------------------------------------------------------------
def test_ready_when_database_queue_storage_and_indexes_answer(client: Client, warm: None, database_tasks: None,
                                                              settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.READYZ_STORAGE_SECONDS = 0  # probe every time
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok", "storage": "ok",
                                                             "warm": "ok"}}
    assert not list(tmp_path.rglob("*.txt"))  # the probe file is gone again


def test_not_ready_says_why_and_when_to_ask_again(client: Client, settings: Any, tmp_path: Any) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the attachment directory should be")
    settings.MEDIA_ROOT = str(blocker)  # attachments cannot be written: as good as a full or read-only disk
    settings.READYZ_STORAGE_SECONDS = 0
    was_warm = WARM.is_set()
    WARM.clear()
    try:
        response = client.get("/readyz")
    finally:
        if was_warm:
            WARM.set()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["storage"].startswith("error: ")
    assert checks["warm"] == "loading"
    assert client.get("/healthz").status_code == 200  # alive all the same: the node is not restarted for this


def test_a_shared_store_that_fails_degrades_but_keeps_the_node_in(client: Client, warm: None, database_tasks: None,
                                                                  settings: Any, tmp_path: Any) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the attachment directory should be")
    settings.MEDIA_ROOT = str(blocker)
    settings.READYZ_STORAGE_SECONDS = 0
    response = client.get("/readyz")
    assert response.status_code == 200  # every node shares the store: the proxy keeps them, SOS goes on
    assert "Retry-After" not in response
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["storage"].startswith("error: ")
    assert body["checks"]["database"] == body["checks"]["queue"] == body["checks"]["warm"] == "ok"


# --- /metrics -----------------------------------------------------------------------------------------------------
def test_metrics_need_the_token_when_one_is_set(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = "scrape-secret-for-tests"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-for-tests"}).status_code == 200


def test_without_a_token_only_this_machine_may_scrape_and_not_through_the_proxy(client: Client,
                                                                                settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_an_sos_is_timed_and_counted_and_the_backlogs_are_read_from_the_database(client: Client,
                                                                                 database_tasks: None) -> None:
    before = _metrics(client)
    sos_count = ("embassy_sos_request_seconds_count", ())
    user = make_citizen_user("metrics.sos@example.com")
    raised = client.post("/api/v1/sos/alerts", data=json.dumps({"lat": 3.139, "lon": 101.6869, "accuracy": 10}),
                         content_type="application/json", headers=bearer(user))
    assert raised.status_code == 201, raised.content
    now = timezone.now()
    Message.objects.create(channel="sms", address="+60123456789", body="Apakah Anda selamat?",
                           next_attempt_at=now - dt.timedelta(minutes=3))
    Message.objects.create(channel="sms", address="+60123456780", body="Apakah Anda selamat?",
                           next_attempt_at=now + dt.timedelta(minutes=10))  # not due yet: no lag of its own
    record_request_id.enqueue()
    after = _metrics(client)
    assert after[sos_count] == before.get(sos_count, 0) + 1
    assert after[("embassy_sos_request_seconds_bucket", (("le", "+Inf"),))] >= 1
    open_cases = Case.objects.filter(status__in=Case.OPEN).count()
    assert sum(v for (name, _), v in after.items() if name == "embassy_sos_open") == open_cases >= 1
    assert after[("embassy_outbox_pending", (("channel", "sms"),))] >= 2
    assert 170 <= after[("embassy_outbox_lag_seconds", (("channel", "sms"),))] <= 600
    assert after[("embassy_task_queue_depth", (("queue", "default"),))] >= 1
    assert after[("embassy_task_oldest_age_seconds", (("queue", "default"),))] >= 0
    assert after[("embassy_http_requests_total", (("status", "2xx"),))] > before.get(
        ("embassy_http_requests_total", (("status", "2xx"),)), 0)
    assert ("embassy_crises_open", (("status", "active"),)) in after
    assert ("embassy_worker_heartbeat_age_seconds", ()) in after


# --- The request id -----------------------------------------------------------------------------------------------
def test_every_response_carries_a_request_id_and_a_sane_one_from_the_proxy_is_kept(client: Client) -> None:
    mine = client.get("/healthz")["X-Request-ID"]
    assert len(mine) == 32
    assert client.get("/healthz")["X-Request-ID"] != mine
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-7f3a9c12"})["X-Request-ID"] == "proxy-7f3a9c12"
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"})["X-Request-ID"] != "<script>"


def test_the_request_id_follows_into_the_tasks_it_enqueues(database_tasks: None, monkeypatch: Any,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    SEEN.clear()
    with tracing.bound("req-0123456789abcdef"):
        record_request_id.enqueue()
    record_request_id.enqueue()  # enqueued outside a request (as the scheduler does): an id of its own
    kwargs = [r.args_kwargs["kwargs"][KWARG] for r in DBTaskResult.objects.order_by("enqueued_at")]
    assert kwargs[0] == "req-0123456789abcdef"
    assert len(kwargs[1]) == 32
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    with caplog.at_level(logging.WARNING, logger="embassy.tests.trace"):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0, queue_name="*")
    assert sorted(SEEN) == sorted(kwargs)  # the worker ran each task with the id it was enqueued with
    assert record_request_id.call() not in kwargs  # called directly: neither


def test_json_logs_carry_the_request_id(settings: Any) -> None:
    configurator = logging.config.DictConfigurator({})
    formatter = configurator.configure_formatter(dict(settings.LOGGING["formatters"]["json"]))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(configurator.configure_filter(dict(settings.LOGGING["filters"]["request_id"])))
    logger = logging.getLogger("embassy.tests.json")
    logger.addHandler(handler)
    try:
        with tracing.bound("req-fedcba9876543210"):
            logger.warning("SOS %s queued", 17)
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["request_id"] == "req-fedcba9876543210"
    assert first["message"] == "SOS 17 queued"
    assert first["level"] == "WARNING"
    assert first["logger"] == "embassy.tests.json"
    assert "time" in first
    assert second["request_id"] == "-"
