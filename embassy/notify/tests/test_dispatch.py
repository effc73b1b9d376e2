"""The outbox: priorities, rate limits, leases, de-duplication, bulk throughput, housekeeping."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from embassy.common.models import PendingKick
from embassy.common.tasks import REGISTRY
from embassy.common.tests.factories import make_citizen_user
from embassy.notify import conf, tasks
from embassy.notify.dispatch import claim_batch, dispatch_due, dispatch_run, purge_old
from embassy.notify.models import DeliveryAttempt, Message, Priority
from embassy.notify.selectors import addresses_for_users
from embassy.notify.services import MessageSpec, notify_address, notify_bulk, notify_user
from embassy.notify.tasks import kick

pytestmark = pytest.mark.django_db


def sink_lines(settings) -> list[dict]:
    path = settings.NOTIFY_SINK_PATH
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_sos_is_drained_before_bulk(settings) -> None:
    notify_bulk(messages=[MessageSpec(channel="sink", address=f"c{i}", subject="Are you safe?", body="Reply",
                                      priority=Priority.BULK) for i in range(5)])
    notify_address(channel="sink", address="n1", subject="Case update", body="x", priority=Priority.NORMAL)
    notify_address(channel="sink", address="duty", subject="SOS", body="Help", priority=Priority.SOS)
    assert dispatch_due(limit=1) == 1
    assert sink_lines(settings)[0]["subject"] == "SOS"
    assert dispatch_due(limit=1) == 1
    assert sink_lines(settings)[1]["subject"] == "Case update"
    assert dispatch_due(limit=10) == 5
    assert Message.objects.exclude(status=Message.Status.SENT).count() == 0


def test_rate_limit_defers_but_never_holds_back_sos(settings) -> None:
    settings.NOTIFY_RATE_LIMITS = {"sink": 2}
    for i in range(5):
        notify_address(channel="sink", address=f"a{i}", subject=f"m{i}", body="x")
    now = timezone.now()
    assert dispatch_due(limit=50, now=now) == 2
    waiting = Message.objects.filter(status=Message.Status.QUEUED)
    assert waiting.count() == 3
    assert all(m.attempts == 0 and m.last_error == "" for m in waiting)  # deferred, not failed
    notify_address(channel="sink", address="duty", subject="SOS", body="Help", priority=Priority.SOS)
    later = timezone.now()
    assert dispatch_due(limit=50, now=later) == 1  # the bucket is empty, SOS goes anyway
    assert sink_lines(settings)[-1]["subject"] == "SOS"
    assert dispatch_due(limit=50, now=later) == 0
    # the SOS drove the bucket below zero; two seconds later it is full again (two tokens)
    assert dispatch_due(limit=50, now=now + dt.timedelta(seconds=2)) == 2
    assert dispatch_due(limit=50, now=now + dt.timedelta(seconds=3)) == 1
    assert Message.objects.filter(status=Message.Status.SENT).count() == 6


def test_a_crashed_workers_messages_are_claimed_again_after_the_lease(settings) -> None:
    settings.NOTIFY_LEASE_SECONDS = 60
    message = notify_address(channel="sink", address="x", subject="SOS", body="b", priority=Priority.SOS)
    assert message is not None
    ids, _token, _wait = claim_batch(limit=10)  # a worker claims ... and dies before sending
    assert ids == [message.pk]
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING and message.claimed_until is not None
    assert dispatch_due() == 0  # still leased
    assert dispatch_due(now=timezone.now() + dt.timedelta(seconds=61)) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2
    outcomes = list(message.delivery_attempts.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["expired", "sent"]


def test_a_message_that_keeps_killing_workers_ends_dead(settings) -> None:
    settings.NOTIFY_LEASE_SECONDS = 60
    settings.NOTIFY_MAX_ATTEMPTS = {"sink": 2}
    message = notify_address(channel="sink", address="x", subject="s", body="b")
    assert message is not None
    now = timezone.now()
    claim_batch(limit=1, now=now)
    claim_batch(limit=1, now=now + dt.timedelta(seconds=61))
    assert claim_batch(limit=1, now=now + dt.timedelta(seconds=122))[0] == []
    message.refresh_from_db()
    assert message.status == Message.Status.DEAD and "lease" in message.last_error


def test_a_late_worker_does_not_overwrite_the_new_owner(settings) -> None:
    settings.NOTIFY_LEASE_SECONDS = 60
    from embassy.notify.channels import Result
    from embassy.notify.dispatch import record_results

    message = notify_address(channel="sink", address="x", subject="s", body="b")
    assert message is not None
    _ids, slow_token, _ = claim_batch(limit=1)
    assert dispatch_due(now=timezone.now() + dt.timedelta(seconds=61)) == 1  # another worker takes over
    record_results([(message, Result.retry("timeout"), 5)], token=slow_token)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_dedupe_key_makes_queuing_idempotent() -> None:
    user = make_citizen_user()
    first = notify_address(channel="email", address="a@example.org", subject="s", body="b", dedupe_key="sos-1:ack")
    again = notify_address(channel="email", address="A@EXAMPLE.org".replace("A@", "a@"), subject="s2", body="b2",
                           dedupe_key="sos-1:ack")
    assert first is not None and again is not None and again.pk == first.pk
    other = notify_address(channel="email", address="a@example.org", subject="s", body="b", dedupe_key="sos-2:ack")
    assert other is not None and other.pk != first.pk
    one = notify_user(user=user, subject="s", body="b", channels=("email",), dedupe_key="case-9:update-3")
    two = notify_user(user=user, subject="s", body="b", channels=("email",), dedupe_key="case-9:update-3")
    assert [m.pk for m in one] == [m.pk for m in two]
    specs = [MessageSpec(channel="email", address="a@example.org", subject="s", body="b", dedupe_key=k)
             for k in ("sos-1:ack", "bulk-1", "bulk-1", "bulk-2")]
    assert notify_bulk(messages=specs) == 2
    assert notify_bulk(messages=specs) == 0
    assert Message.objects.count() == 5


def test_bulk_insert_of_10000_is_fast_and_dispatch_claims_in_batches(settings) -> None:
    specs = (MessageSpec(channel="sink", address=f"user:{i}", subject="Apakah Anda aman?", body="Balas YA",
                         priority=Priority.BULK, kind="safety-check", dedupe_key=f"check-1:{i}") for i in range(10_000))
    start = time.perf_counter()
    assert notify_bulk(messages=specs, batch_size=1000) == 10_000
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"bulk insert took {elapsed:.1f}s"
    assert Message.objects.filter(status=Message.Status.QUEUED).count() == 10_000
    notify_address(channel="sink", address="duty", subject="SOS", body="Help", priority=Priority.SOS)
    with CaptureQueriesContext(connection) as ctx:
        assert dispatch_due(limit=500) == 500
    assert len(ctx.captured_queries) < 40, len(ctx.captured_queries)  # per batch, not per message
    assert sink_lines(settings)[0]["subject"] == "SOS"
    assert Message.objects.filter(status=Message.Status.SENT).count() == 500
    assert DeliveryAttempt.objects.count() == 500


def test_notify_user_queues_one_message_per_reachable_channel() -> None:
    user = make_citizen_user("siti@example.com")
    user.phone = "+6281234567890"
    user.save()
    queued = notify_user(user=user, subject="s", body="b", channels=("push", "email", "sms"))
    assert [(m.channel, m.address, m.user_id) for m in queued] == [("email", "siti@example.com", user.pk)]
    user.is_active = False
    user.save()
    assert notify_user(user=user, subject="s", body="b") == []
    assert addresses_for_users(user_ids=[user.pk], channels=("email", "sms")) == {user.pk: []}


def test_queuing_kicks_one_dispatch_task_on_commit(django_capture_on_commit_callbacks, settings) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_bulk(messages=[MessageSpec(channel="sink", address=f"a{i}", subject="s", body="b") for i in range(3)])
    assert len(callbacks) == 1
    # the immediate backend ran the task: everything was sent and the lane is free again
    assert Message.objects.filter(status=Message.Status.SENT).count() == 3
    assert PendingKick.objects.get(name="notify.notify").pending_since is None
    PendingKick.objects.filter(name="notify.notify").update(pending_since=timezone.now())  # a task is waiting
    assert kick("notify") is False
    PendingKick.objects.filter(name="notify.notify").update(pending_since=timezone.now() - dt.timedelta(minutes=5))
    assert kick("notify") is True  # a stale flag does not block


def test_periodic_safety_net_and_purge_are_registered_and_work(settings) -> None:
    assert REGISTRY["embassy.notify.tasks.dispatch_pending"].every <= dt.timedelta(seconds=15)
    assert "embassy.notify.tasks.purge_old_messages" in REGISTRY
    notify_address(channel="sink", address="x", subject="s", body="b")
    assert tasks.dispatch_pending.call() == 1
    old = notify_address(channel="sink", address="y", subject="old", body="b")
    assert old is not None
    dispatch_due()
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    dead = notify_address(channel="sink", address="z", subject="dead", body="b")
    assert dead is not None
    Message.objects.filter(pk=dead.pk).update(status=Message.Status.DEAD, created_at=timezone.now() - dt.timedelta(days=31))
    assert purge_old() == 1  # the old sent one; dead messages are kept longer
    assert not Message.objects.filter(pk=old.pk).exists() and Message.objects.filter(pk=dead.pk).exists()
    assert not DeliveryAttempt.objects.filter(message_id=old.pk).exists()


def test_database_queue_coalesces_kicks_and_the_worker_sends(settings, monkeypatch,
                                                             django_capture_on_commit_callbacks) -> None:
    from django.core.management import call_command
    from django_tasks import task_backends
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "notify", "bulk"]}}
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends.__dict__.pop("_backends", None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify_bulk(messages=[MessageSpec(channel="sink", address=f"u{i}", subject="Are you safe?", body="b",
                                              priority=Priority.BULK) for i in range(50)], batch_size=10)
        with django_capture_on_commit_callbacks(execute=True):
            notify_address(channel="sink", address="duty", subject="SOS", body="b", priority=Priority.SOS)
        tasks_queued = DBTaskResult.objects.filter(status="READY")
        # 6 kicks, 2 tasks: the broadcast's lane and the urgent one, both on "notify", the urgent one first
        assert sorted(tasks_queued.values_list("queue_name", "priority")) == [("notify", -10), ("notify", 50)]
        monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0, queue_name="*")
        assert Message.objects.filter(status=Message.Status.SENT).count() == 51
        assert sink_lines(settings)[0]["subject"] == "SOS"  # the urgent task ran first
    finally:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                      "QUEUES": ["default", "notify", "bulk"]}}
        task_backends._settings = None  # type: ignore[attr-defined]
        task_backends.__dict__.pop("_backends", None)


def test_a_broadcast_is_claimed_in_bigger_batches_once_only_bulk_is_due(settings) -> None:
    """NOTIFY_BULK_BATCH_SIZE: a round's fixed cost is spread over more messages while only a broadcast is due;
    a round that carried anything more urgent keeps the small batch. Each round's attempts share one time."""
    settings.NOTIFY_BATCH_SIZE = 5
    settings.NOTIFY_BULK_BATCH_SIZE = 40
    notify_bulk(messages=[MessageSpec(channel="sink", address=f"user:{i}", subject="Apakah Anda aman?", body="Balas YA",
                                      priority=Priority.BULK, kind="safety-check", dedupe_key=f"check-2:{i}")
                          for i in range(100)])
    notify_address(channel="sink", address="duty", subject="SOS", body="Help", priority=Priority.SOS)
    assert dispatch_run(max_seconds=60) == 101
    rounds = list(DeliveryAttempt.objects.order_by("at").values("at").annotate(n=Count("id")).values_list("n", flat=True))
    assert rounds == [5, 5, 40, 40, 11]
    assert sink_lines(settings)[0]["subject"] == "SOS"
    # Sent and delivered (the sink's receipt) in one write: every field of both outcomes is there.
    assert Message.objects.exclude(status=Message.Status.SENT).count() == 0
    assert Message.objects.filter(receipt="delivered", delivered_at__isnull=False, sent_at__isnull=False,
                                  claimed_by="", claimed_until__isnull=True, last_error="").count() == 101


def test_the_bulk_batch_follows_the_database_engine_unless_set(settings) -> None:
    settings.NOTIFY_BATCH_SIZE = 50
    settings.NOTIFY_BULK_BATCH_SIZE = 0
    assert conf.bulk_batch_size() == (50 if connection.vendor == "sqlite" else 500)
    settings.NOTIFY_BULK_BATCH_SIZE = 200
    assert conf.bulk_batch_size() == 200


def test_a_run_carrying_only_a_broadcast_hands_over_early_and_an_urgent_one_keeps_going(settings) -> None:
    """NOTIFY_BROADCAST_RUN_SECONDS: between two stretches of a broadcast the worker runs its other tasks."""
    settings.NOTIFY_BATCH_SIZE = 10
    settings.NOTIFY_BULK_BATCH_SIZE = 10
    settings.NOTIFY_BROADCAST_RUN_SECONDS = 0
    notify_bulk(messages=[MessageSpec(channel="sink", address=f"user:{i}", subject="Apakah Anda aman?", body="Balas YA",
                                      priority=Priority.BULK, kind="safety-check", dedupe_key=f"check-3:{i}")
                          for i in range(30)])
    handed_over: list[bool] = []
    assert dispatch_run(max_seconds=60, hand_over=lambda: handed_over.append(True)) == 10
    assert handed_over == [True]
    for i in range(3):
        notify_address(channel="sink", address="duty", subject=f"SOS {i}", body="Help", priority=Priority.SOS)
    # The urgent ones and 7 of the broadcast (not a broadcast-only round), then 10 more: handed over again.
    assert dispatch_run(max_seconds=60, hand_over=lambda: handed_over.append(True)) == 20
    assert handed_over == [True, True]
    assert dispatch_run(max_seconds=60) == 3  # the rest: without anyone to hand over to, a run goes on to the end


def test_a_hand_over_on_the_database_queue_is_at_once_and_behind_waiting_tasks(settings) -> None:
    """The database queue orders by priority: the fresh task needs no deferral to let an SOS fan-out go first."""
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    assert tasks._hand_over("bulk")() is False  # immediate backend: cannot defer, the periodic job follows up
    original = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "notify", "bulk"]}}
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends.__dict__.pop("_backends", None)
    try:
        assert tasks._hand_over("bulk")() is True
        [queued] = DBTaskResult.objects.filter(status="READY")
        assert (queued.queue_name, queued.priority) == ("notify", -10)
        now = timezone.now()  # not deferred (the queue writes "no time" as year 9999)
        assert not now < queued.run_after < now + dt.timedelta(minutes=1)
    finally:
        settings.TASKS = original
        task_backends._settings = None  # type: ignore[attr-defined]
        task_backends.__dict__.pop("_backends", None)
