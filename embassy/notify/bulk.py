"""The bulk INSERT behind notify_bulk: plain values, one statement per batch, duplicates skipped by the
outbox's unique constraint (moved out of notify.services unchanged)."""

from __future__ import annotations

import json
from typing import Any, cast

from django.db import connection
from django.db.models import Field
from django.db.models.constants import OnConflict
from django.utils import timezone

from embassy.notify.models import Message

_INSERT_FIELDS = ("channel", "address", "user", "subscription", "subject", "body", "url", "data", "kind", "priority",
                  "status", "attempts", "next_attempt_at", "claimed_until", "claimed_by", "last_error", "provider_id",
                  "dedupe_key", "created_at", "sent_at")


def _insert(rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite) through executemany, from plain
    values: several times faster than bulk_create, which builds a model instance per row and prepares every
    value through its field. Returns the number of rows inserted (a de-duplication key that raced in from
    elsewhere is not counted)."""
    if connection.vendor == "postgresql":
        return _insert_pg(rows)
    meta = Message._meta
    fields = [cast(Field, meta.get_field(name)) for name in _INSERT_FIELDS]
    ops = connection.ops
    prep_data = cast(Field, meta.get_field("data")).get_db_prep_save
    now = cast(Field, meta.get_field("created_at")).get_db_prep_save(timezone.now(), connection)
    queued = Message.Status.QUEUED.value
    sql = "{} {} ({}) VALUES ({}) {}".format(
        ops.insert_statement(on_conflict=OnConflict.IGNORE), ops.quote_name(meta.db_table),
        ", ".join(ops.quote_name(str(f.column)) for f in fields), ", ".join(["%s"] * len(fields)),
        ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None),
    )
    params = [
        (r["channel"], r["address"], r["user_id"], r["subscription_id"], r["subject"], r["body"], r["url"],
         prep_data(r["data"], connection), r["kind"], r["priority"], queued, 0, now, None, "", "", "",
         r["dedupe_key"], now, None)
        for r in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        inserted = cursor.rowcount
    return inserted if inserted is not None and inserted >= 0 else len(rows)


_PG_INSERT = """
INSERT INTO notify_message (channel, address, user_id, subscription_id, subject, body, url, data, kind, priority,
    dedupe_key, status, attempts, next_attempt_at, claimed_by, last_error, provider_id, created_at)
SELECT t.*, 'queued', 0, %s, '', '', '', %s
FROM unnest(%s::varchar[], %s::varchar[], %s::bigint[], %s::bigint[], %s::varchar[], %s::text[], %s::varchar[],
            %s::jsonb[], %s::varchar[], %s::smallint[], %s::varchar[]) AS t
ON CONFLICT DO NOTHING
"""


def _insert_pg(rows: list[dict[str, Any]]) -> int:
    """PostgreSQL: one statement per batch, the values passed as eleven arrays (unnest), which is an order
    of magnitude faster than a statement per row."""
    now = timezone.now()
    columns: list[list[Any]] = [[] for _ in range(11)]
    for r in rows:
        for i, value in enumerate((r["channel"], r["address"], r["user_id"], r["subscription_id"], r["subject"],
                                   r["body"], r["url"], json.dumps(r["data"]), r["kind"], r["priority"],
                                   r["dedupe_key"])):
            columns[i].append(value)
    with connection.cursor() as cursor:
        cursor.execute(_PG_INSERT, [now, now, *columns])
        return int(cursor.rowcount)
