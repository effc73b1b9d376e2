"""Many unacknowledged SOS at once (a disaster in a city full of workers): escalation climbs them in batches, and
each person at the next level gets one summary rather than one message per case; two workers running the job
at the same time share the work and never escalate a case twice."""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role
from embassy.notify.models import Message
from embassy.sos.models import Case, Event
from embassy.sos.notices import DIGEST_FROM
from embassy.sos.services import cases_escalate_overdue
from embassy.sos.tests.helpers import KL, _post

ON_POSTGRES = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
STORM = DIGEST_FROM + 4


def _storm(client: Client, n: int) -> list[int]:
    ids = []
    for i in range(n):
        user = make_citizen_user(f"warga.storm{i}@example.com")
        response = _post(client, "/api/v1/sos/alerts", {"idempotency_key": f"storm-{i}", **KL}, bearer(user))
        assert response.status_code in (200, 201), response.content
        ids.append(response.json()["id"])
    return ids


@pytest.mark.django_db
def test_a_storm_of_unacknowledged_sos_climbs_with_one_summary_per_person(client: Client, settings: Any) -> None:
    settings.SOS_ESCALATE_AFTER_SECONDS = 300
    settings.BATCH_JOB_ROWS = 4  # several batches
    make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.kl")
    head = make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION, username="head.kl")
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="analyst.hq")
    ids = _storm(client, STORM)
    now = timezone.now()
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=5, seconds=1)) == STORM
    assert set(Case.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)) == {1}
    assert Event.objects.filter(case_id__in=ids, kind=Event.Kind.ESCALATED).count() == STORM
    event = Event.objects.filter(case_id=ids[0], kind=Event.Kind.ESCALATED).get()
    assert event.data["level"] == 1 and event.data["recipients"] >= 2 and " 5 " in event.text
    # The head of mission hears of them in summaries: one per batch of the run (BATCH_JOB_ROWS = 4 here, so the
    # last batch of three is still a summary), never one message per case.
    told = Message.objects.filter(user=head, kind="sos.escalated", channel="email")
    assert told.count() == -(-STORM // 4)
    first = told.order_by("id").first()
    assert first is not None and Case.objects.get(pk=ids[0]).reference in first.body
    assert not Message.objects.filter(user=analyst).exists()
    # A second run within the wait does nothing; after another full wait the cases reach headquarters.
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=6)) == 0
    settings.BATCH_JOB_ROWS = 100
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=10, seconds=2)) == STORM
    assert Message.objects.filter(user=analyst, kind="sos.escalated", channel="email").count() == 1
    assert str(STORM) in Message.objects.get(user=analyst, kind="sos.escalated", channel="email").subject
    assert cases_escalate_overdue(now=now + dt.timedelta(hours=1)) == 0  # headquarters is the top


@pytest.mark.django_db
def test_a_few_unacknowledged_sos_are_told_one_by_one(client: Client, settings: Any) -> None:
    settings.SOS_ESCALATE_AFTER_SECONDS = 300
    head = make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION, username="head.kl")
    ids = _storm(client, DIGEST_FROM - 1)
    assert cases_escalate_overdue(now=timezone.now() + dt.timedelta(minutes=5, seconds=1)) == len(ids)
    told = Message.objects.filter(user=head, kind="sos.escalated", channel="email")
    assert sorted(m.data["case"] for m in told) == sorted(ids)


# Committed for real, so that the two workers' connections see the cases and each other's locks (the tables are
# flushed afterwards; conftest loads the reference data again for the next transactional test). SQLite's write
# transactions are serialised by BEGIN IMMEDIATE, so two runs there cannot interleave at all.
@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's row locks (SKIP LOCKED); SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_two_workers_escalating_at_once_share_the_cases(client: Client, settings: Any) -> None:
    settings.SOS_ESCALATE_AFTER_SECONDS = 300
    settings.BATCH_JOB_ROWS = 3
    make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION, username="head.kl")
    ids = _storm(client, 30)
    at = timezone.now() + dt.timedelta(minutes=5, seconds=1)
    start = threading.Barrier(2)
    done: list[int] = []
    errors: list[str] = []

    def worker() -> None:
        try:
            start.wait()
            done.append(cases_escalate_overdue(now=at))
        except Exception as exc:  # reported to the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and sum(done) == len(ids)
    assert Event.objects.filter(case_id__in=ids, kind=Event.Kind.ESCALATED).count() == len(ids)
    assert set(Case.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)) == {1}


@pytest.mark.django_db
def test_alerts_arriving_together_share_one_fan_out_run_started_a_moment_later(settings: Any) -> None:
    """SOS_ALERT_COALESCE_SECONDS: where the backend can defer, the fan-out waits a moment after the first alert,
    and the alerts in between kick nothing more (one run, not one per alert)."""
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from embassy.sos import notices

    settings.SOS_ALERT_COALESCE_SECONDS = 0.25
    original = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "notify", "bulk"]}}
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends.__dict__.pop("_backends", None)
    try:
        before = timezone.now()
        for _ in range(5):
            notices.kick()
        [queued] = DBTaskResult.objects.filter(status="READY", task_path__endswith="alert_new_cases")
        assert queued.run_after is not None
        assert dt.timedelta(seconds=0.2) <= queued.run_after - before <= dt.timedelta(seconds=2)
    finally:
        settings.TASKS = original
        task_backends._settings = None  # type: ignore[attr-defined]
        task_backends.__dict__.pop("_backends", None)
