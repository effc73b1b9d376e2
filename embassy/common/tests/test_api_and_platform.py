from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from embassy.common.models import PeriodicRun
from embassy.common.scheduler import scheduler_tick
from embassy.common.tests.factories import bearer, make_citizen_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_openapi_document_and_docs_page(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/countries", "/api/v1/missions/route", "/api/v1/me/stays", "/api/v1/staff/citizens/{citizen_id}",
                 "/api/v1/auth/tokens", "/api/v1/auth/audit"):
        assert path in doc["paths"], path
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.content and b"cdn." not in page.content


def test_countries_and_routing_api(client: Client) -> None:
    countries = client.get("/api/v1/countries").json()
    assert len(countries) >= 249
    nl = client.get("/api/v1/countries/NLD").json()
    assert nl["code"] == "NL" and nl["name_id"] == "Belanda" and nl["calling_code"] == "31"
    assert client.get("/api/v1/countries/ZZ").status_code == 404
    route = client.get("/api/v1/missions/route", {"lat": "1.4927", "lon": "103.7414"}).json()
    assert route["mission"]["code"] == "KJRI-JOHOR-BAHRU" and route["rule"] == "subdivision" and route["country"] == "MY"
    sea = client.get("/api/v1/geo/resolve", {"lat": 0, "lon": -30}).json()
    assert sea["country"] is None
    assert client.get("/api/v1/missions/KBRI-SINGAPORE").json()["jurisdiction"][0]["country"] == "SG"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/missions/route", {"lat": "abc", "lon": 1}, "lat"),
        ("/api/v1/missions/route", {"lat": 95, "lon": 1}, "lat"),
        ("/api/v1/missions/route", {"lat": 1, "lon": -200}, "lon"),
        ("/api/v1/missions/route", {"lat": "nan", "lon": 1}, "lat"),
        ("/api/v1/missions/route", {"lon": 1}, "lat"),
        ("/api/v1/geo/resolve", {"lat": "1e999", "lon": 1}, "lat"),
    ],
)
def test_bad_query_input_is_a_clear_json_error(client: Client, path: str, params: dict, field: str) -> None:
    r = client.get(path, params)
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] and body["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[]",
        '{"start_date": "yesterday"}',
        '{"start_date": "2026-01-01", "lat": "x", "lon": 1}',
        '{"start_date": "2026-01-01", "lat": 200, "lon": 1}',
        '{"start_date": "2026-01-01", "country": "ZZ"}',
        '{"start_date": "2026-01-01", "country": "' + "M" * 5000 + '"}',
        '{"start_date": "2026-01-01", "lat": 1.29, "lon": 103.85, "purpose": "spying"}',
        '{"start_date": "2026-01-01"}',
    ],
)
def test_stay_api_never_answers_500(client: Client, payload: str) -> None:
    user = make_citizen_user()
    r = client.post("/api/v1/me/stays", payload, content_type="application/json", headers=bearer(user))
    assert r.status_code in (400, 422), r.content
    assert "detail" in r.json()


def test_citizen_registers_a_stay_through_the_api(client: Client) -> None:
    user = make_citizen_user()
    auth = bearer(user)
    r = client.post("/api/v1/me/stays", {"lat": 25.0330, "lon": 121.5654, "purpose": "work", "occupation": "caregiver",
                                         "start_date": "2026-03-01"}, content_type="application/json", headers=auth)
    assert r.status_code == 201, r.content
    stay = r.json()
    assert stay["country"] == "TW" and stay["mission"] == "KDEI-TAIPEI" and stay["routing_rule"] == "jurisdiction"
    assert client.post(f"/api/v1/me/stays/{stay['id']}/end", headers=auth).json()["status"] == "ended"
    other = make_citizen_user()
    assert client.get(f"/api/v1/me/stays/{stay['id']}", headers=bearer(other)).status_code == 404
    r = client.patch("/api/v1/me/profile", {"nik": "12"}, content_type="application/json", headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "nik"
    assert client.get("/api/v1/me/profile").status_code == 401


def test_health_check(client: Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert isinstance(body["warm"], bool)  # the in-memory indexes of this process are loaded (or not yet)


def test_scheduler_enqueues_due_jobs_once() -> None:
    started = scheduler_tick()
    assert "embassy.common.tasks.heartbeat" in started
    assert scheduler_tick() == []  # not due again yet
    assert PeriodicRun.objects.get(name="embassy.common.tasks.heartbeat").next_run_at is not None
    from embassy.common.models import Marker

    assert Marker.objects.filter(key="worker.heartbeat").exists()  # the immediate backend ran it


def test_database_queue_and_worker(settings, monkeypatch) -> None:
    from django.core.management import call_command
    from django_tasks import task_backends
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    from embassy.common.tasks import heartbeat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    task_backends._settings = None  # type: ignore[attr-defined]
    try:
        task_backends.__dict__.pop("_backends", None)
        result = heartbeat.using(backend="default").enqueue()
        assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
        # The worker closes connections between tasks; inside the test's transaction that would drop it
        # (Django's test client prevents the same for requests).
        monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    finally:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "notify", "bulk"]}}


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DEBUG": "0", "SECRET_KEY": "x" * 60 + "-production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "embassy.example.org", "FIELD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
        "FIELD_HASH_KEY": "B" * 43 + "=", "VAR_DIR": str(tmp_path), "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
    })
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout
    env.pop("SECRET_KEY")
    missing = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode != 0 and "SECRET_KEY must be set" in missing.stderr
