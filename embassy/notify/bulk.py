"""The bulk INSERT behind notify_bulk: plain values, one statement per batch, duplicates skipped by the
outbox's unique constraint. The SQL is common.bulk's."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from embassy.common.bulk import insert_many, prepare_value
from embassy.notify.models import Message

_COLUMNS = ("channel", "address", "user_id", "subscription_id", "subject", "body", "url", "data", "kind", "priority",
            "dedupe_key", "topic", "mission_id", "fallback_at", "cost")


def _insert(rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite) from plain values: several times
    faster than bulk_create, which builds a model instance per row and prepares every value through its
    field. On PostgreSQL the batch is one statement (one array per column, unnest: an order of magnitude
    faster than a statement per row); on SQLite one executemany. Returns the number of rows inserted (a
    de-duplication key that raced in from elsewhere is not counted)."""
    now = timezone.now()
    constants = {"status": Message.Status.QUEUED.value, "attempts": 0, "next_attempt_at": now, "claimed_until": None,
                 "claimed_by": "", "last_error": "", "provider_id": "", "created_at": now, "sent_at": None, "provider": "", "receipt": "",
                 "receipt_error": "", "delivered_at": None, "read_at": None}
    values = [(r["channel"], r["address"], r["user_id"], r["subscription_id"], r["subject"], r["body"], r["url"],
               json.dumps(r["data"]), r["kind"], r["priority"], r["dedupe_key"], r["topic"], r["mission_id"],
               prepare_value(Message, "fallback_at", r["fallback_at"]), r.get("cost"))
              for r in rows]
    return insert_many(Message, _COLUMNS, values, constants=constants, ignore_conflicts=True,
                       set_based=("postgresql",))
