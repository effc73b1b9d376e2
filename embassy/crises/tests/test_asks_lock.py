"""The lock a batch of roll-call questions holds on PostgreSQL: the close of the crisis waits for the batch (and a
second batch of the same crisis waits its turn), but an SOS position from inside the zone, which moves the
crisis's count with a plain UPDATE, goes through at once instead of waiting for every batch of a big roll-call."""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from embassy.crises.asking import _still_active
from embassy.crises.models import Crisis
from embassy.crises.tests.factories import CrisisRowFactory

ON_POSTGRES = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
pytestmark = [pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's row and advisory locks"),
              pytest.mark.django_db(transaction=True)]


def _while_a_batch_holds_the_lock(crisis_id: int, other: object) -> float:
    """Run `other` in a second connection while a batch's transaction holds the lock for 1.5 s; returns how long
    `other` took."""
    holding, released = threading.Event(), threading.Event()
    took: list[float] = []

    def batch() -> None:
        try:
            with transaction.atomic():
                assert _still_active(crisis_id)
                holding.set()
                released.wait(10)
                time.sleep(1.5)
        finally:
            connection.close()

    def second() -> None:
        try:
            holding.wait(10)
            released.set()
            start = time.monotonic()
            with transaction.atomic():
                other()  # type: ignore[operator]
            took.append(time.monotonic() - start)
        finally:
            connection.close()

    threads = [threading.Thread(target=batch), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return took[0]


def test_a_count_change_does_not_wait_for_a_batch_but_the_close_and_another_batch_do() -> None:
    crisis = CrisisRowFactory.create(status=Crisis.Status.ACTIVE, registered_inside=10)
    count = _while_a_batch_holds_the_lock(
        crisis.pk, lambda: Crisis.objects.filter(pk=crisis.pk).update(registered_inside=F("registered_inside") + 1))
    assert count < 1.0
    other_batch = _while_a_batch_holds_the_lock(crisis.pk, lambda: _still_active(crisis.pk))
    assert other_batch >= 1.0

    def close() -> None:  # as crises.services closes: the row locked for update, then changed
        row = Crisis.objects.select_for_update().get(pk=crisis.pk)
        row.status = Crisis.Status.CLOSED
        row.save(update_fields=["status"])

    assert _while_a_batch_holds_the_lock(crisis.pk, close) >= 1.0
    crisis.refresh_from_db()
    assert crisis.registered_inside == 11 and crisis.status == Crisis.Status.CLOSED
