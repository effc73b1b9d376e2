"""One clock for timers that several machines compare: the database's.

On PostgreSQL every app node, worker and scheduler may run on its own machine, and their clocks drift. A time that
another process later measures against (when an SOS started waiting; whether its escalation is due) is taken from
the database server, so that a node whose clock runs two minutes ahead neither escalates early nor late. SQLite is
one machine: its clock is the database's."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

# A column that reads the database's clock in a SELECT the caller already makes (no extra round trip); NULL where
# the app's clock is the database's (SQLite).
SQL_NOW = {"postgresql": "statement_timestamp()"}


def sql_now() -> str:
    return SQL_NOW.get(connection.vendor, "NULL")


def db_now() -> dt.datetime:
    """The database server's time (a query on PostgreSQL), else this process's."""
    if connection.vendor not in SQL_NOW:
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SQL_NOW[connection.vendor]}")
        value = cursor.fetchone()[0]
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)
