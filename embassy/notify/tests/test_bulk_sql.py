"""common.bulk's writers, through the outbox's table: both statement shapes of insert_many (a statement per
row; one statement per batch: unnest on PostgreSQL, json_each on SQLite) store what the ORM reads back, skip
conflicts the same way, and update_rows' compare-and-set changes a row once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from embassy.common.bulk import insert_many, prepare_value, update_rows
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db

COLUMNS = ("channel", "address", "user_id", "subscription_id", "subject", "body", "url", "data", "kind", "priority",
           "dedupe_key")


def _rows(n: int) -> list[tuple[object, ...]]:
    return [("sms", f"+6281200000{i}", None, None, "", f"body {i}", "", '{"n": 1}', "test", 5, f"dedupe-{i}")
            for i in range(n)]


@pytest.mark.parametrize("set_based", [(), ("postgresql", "sqlite")], ids=["per-row", "one-statement"])
def test_insert_many_stores_rows_and_skips_conflicts(set_based: tuple[str, ...]) -> None:
    now = timezone.now()
    constants = {"status": Message.Status.QUEUED, "attempts": 0, "next_attempt_at": now, "claimed_until": None,
                 "claimed_by": "", "last_error": "", "provider_id": "", "created_at": now, "sent_at": None}
    assert insert_many(Message, COLUMNS, _rows(3), constants=constants, ignore_conflicts=True,
                       set_based=set_based) == 3
    assert insert_many(Message, COLUMNS, _rows(4), constants=constants, ignore_conflicts=True,
                       set_based=set_based) == 1  # three already there
    stored = Message.objects.get(dedupe_key="dedupe-2")
    assert (stored.address, stored.body, stored.priority, stored.status) == ("+62812000002", "body 2", 5, "queued")
    assert stored.data == {"n": 1} and stored.next_attempt_at == now and stored.user_id is None


def test_update_rows_compare_and_set() -> None:
    now = timezone.now()
    message = Message.objects.create(channel="sms", address="+628120000001", body="b", created_at=now)
    at = prepare_value(Message, "sent_at", now)
    assert update_rows(Message, ("status", "sent_at"), [("sent", at, message.pk)], unless=("status", "sent")) == 1
    assert update_rows(Message, ("status", "sent_at"), [("sent", at, message.pk)], unless=("status", "sent")) == 0
    message.refresh_from_db()
    assert (message.status, message.sent_at) == ("sent", now)


@pytest.mark.parametrize("set_based", [(), ("postgresql",)], ids=["per-row", "one-statement"])
def test_update_rows_sets_each_row_its_own_values(set_based: tuple[str, ...]) -> None:
    now = timezone.now()
    messages = [Message.objects.create(channel="sms", address=f"+62812000000{i}", body="b", created_at=now)
                for i in range(4)]
    later = [now + dt.timedelta(minutes=i) for i in range(4)]
    rows = [(f"receipt-{i}", prepare_value(Message, "delivered_at", later[i]), m.pk) for i, m in enumerate(messages[:3])]
    assert update_rows(Message, ("receipt", "delivered_at"), rows, set_based=set_based) == 3
    stored = {m.pk: (m.receipt, m.delivered_at) for m in Message.objects.all()}
    assert stored == {**{m.pk: (f"receipt-{i}", later[i]) for i, m in enumerate(messages[:3])},
                      messages[3].pk: ("", None)}
    # The compare-and-set holds in one statement too: a row already "sent" is left alone.
    Message.objects.filter(pk=messages[0].pk).update(status="sent")
    at = prepare_value(Message, "sent_at", now)
    assert update_rows(Message, ("status", "sent_at"), [("sent", at, m.pk) for m in messages], unless=("status", "sent"),
                       set_based=set_based) == 3
    assert Message.objects.filter(status="sent", sent_at=now).count() == 3
    # A pk twice: one statement cannot say which value wins, so each row is updated in turn (the last wins).
    assert update_rows(Message, ("receipt",), [("x", messages[1].pk), ("y", messages[1].pk)], set_based=set_based) == 2
    assert Message.objects.get(pk=messages[1].pk).receipt == "y"
