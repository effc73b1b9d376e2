"""SQLite under concurrent writers (web requests and the worker): WAL, BEGIN IMMEDIATE and the busy
timeout must make them wait for each other, never fail with "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = textwrap.dedent(
    """
    import os, threading, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from embassy.accounts.audit import audit_record
    from embassy.common.models import Marker
    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        c.execute("PRAGMA journal_mode")
        assert c.fetchone()[0] == "wal"
    errors = []

    def writer(n):
        try:
            for i in range(60):
                with transaction.atomic():  # read-then-write: the pattern that upgrades locks
                    Marker.objects.filter(key=f"k{n}").exists()
                    Marker.objects.update_or_create(key=f"k{n}", defaults={"value": {"i": i}})
                    audit_record(actor=None, action="test.concurrent", detail={"n": n, "i": i})
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    def reader():
        try:
            for _ in range(200):
                Marker.objects.count()
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)] + [threading.Thread(target=reader)]
    for t in threads: t.start()
    for t in threads: t.join()
    from embassy.accounts.models import AuditEvent
    print("errors", errors)
    print("events", AuditEvent.objects.filter(action="test.concurrent").count())
    """
)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite-specific")
def test_concurrent_writers_never_see_database_is_locked(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "errors []" in out.stdout, out.stdout
    assert "events 480" in out.stdout
