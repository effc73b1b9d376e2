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


SKIPPABLE = textwrap.dedent(
    """
    import os, threading, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from embassy.common.bulk import unless_busy
    from embassy.common.models import Marker
    call_command("migrate", verbosity=0)
    held, done = threading.Event(), threading.Event()

    def other_writer():
        with transaction.atomic():  # holds the write lock until told
            Marker.objects.create(key="other", value={})
            held.set()
            done.wait(10)
        connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    held.wait(10)
    with unless_busy() as free:
        print("busy", free)
    done.set()
    thread.join()
    with unless_busy() as free:
        print("free", free)
        if free:
            Marker.objects.create(key="mine", value={})  # written under the lock taken for the block
    with transaction.atomic(), unless_busy() as free:
        print("in transaction", free)
    print("written", sorted(Marker.objects.filter(key__in=["other", "mine"]).values_list("key", flat=True)))
    """
)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite-specific")
def test_a_write_that_can_wait_is_skipped_while_another_writer_holds_the_database(tmp_path: Path) -> None:
    """The last use of a token is written only when no other writer is at work (common.bulk.unless_busy):
    the request does not queue behind a long write; with the lock free it writes as usual."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(VAR_DIR=str(tmp_path), DEBUG="1")
    done = subprocess.run([sys.executable, "-c", SKIPPABLE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "busy False" in lines and "free True" in lines and "in transaction True" in lines
    assert "written ['mine', 'other']" in lines
