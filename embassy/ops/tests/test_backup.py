"""The backup and restore drill (issue 17, point 5), on the engine the suite runs on (SQLite, or PostgreSQL with
DATABASE_URL): back up with the keys apart, restore onto an empty machine (a fresh VAR_DIR, an empty database,
keys of its own), get the same counts and read the NIK and passport numbers; with the wrong keys, fail loudly
and restore nothing."""

from __future__ import annotations

import base64
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen
from embassy.common import crypto

REPO = Path(__file__).resolve().parents[3]
# The backup reads committed rows (pg_dump from its own connection; SQLite's backup waits for the writer), so the
# test commits: a transactional test. Its rows are made without services, which would write to the audit log:
# the flush after the test deletes every row, and the audit log refuses deletes.
pytestmark = pytest.mark.django_db(transaction=True)


def _citizen(name: str, nik: str, passport: str) -> Citizen:
    return Citizen.objects.create(
        full_name=name, nik=nik, nik_index=crypto.blind_index(nik, context=NIK_CONTEXT), passport_number=passport,
        passport_index=crypto.blind_index(passport, context=PASSPORT_CONTEXT))
PHOTO = b"\xff\xd8\xff\xe0 a photo sent with an SOS \xff\xd9"


@pytest.fixture
def empty_machine(tmp_path: Path) -> Iterator[Any]:
    """A function giving the environment of a new, empty machine: its own VAR_DIR (and so its own keys) and an
    empty database (a new SQLite file, or a new PostgreSQL database beside the test one)."""
    made: list[str] = []
    admin = ""

    def new(name: str) -> dict[str, str]:
        nonlocal admin
        var = tmp_path / name
        var.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER")}
        env.update(VAR_DIR=str(var), DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
        for key in ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "SECRET_KEY", "VAPID_PRIVATE_KEY"):
            env.pop(key, None)
        if os.environ.get("DATABASE_URL"):
            import psycopg

            parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
            admin = parts._replace(path="/postgres").geturl()
            database = f"test_restore_{os.getpid()}_{name}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
                conn.execute(f'CREATE DATABASE "{database}"')
            made.append(database)
            env["DATABASE_URL"] = parts._replace(path=f"/{database}").geturl()
        else:
            env["DATABASE_URL"] = f"sqlite:///{var / 'embassy.sqlite3'}"
        return env

    yield new
    if made:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            for database in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _tables(env: dict[str, str]) -> int:
    """Tables in the machine's database (0: nothing was restored)."""
    if env["DATABASE_URL"].startswith("sqlite"):
        path = env["DATABASE_URL"].removeprefix("sqlite:///")
        if not Path(path).exists():
            return 0
        with sqlite3.connect(path) as conn:
            return int(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        return int(row[0]) if row else 0


def test_the_drill_restores_everything_and_wrong_keys_restore_nothing(tmp_path: Path, settings: Any,
                                                                      empty_machine: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    siti = _citizen("Siti Aminah", "3171014101900001", "X7654321")
    _citizen("Budi Santoso", "3273012003850002", "C1234567")
    default_storage.save("sos/2026/12/photo.jpg", ContentFile(PHOTO))
    citizens = Citizen.objects.count()

    call_command("backup_create", out=str(tmp_path / "backup"), keys_out=str(tmp_path / "keys.json"))
    backup, keys_file = tmp_path / "backup", tmp_path / "keys.json"
    assert (keys_file.stat().st_mode & 0o777) == 0o600
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["counts"]["citizens.Citizen"] == citizens
    assert manifest["attachments"] == 1
    keys = json.loads(keys_file.read_text())
    assert not any(value in (backup / "manifest.json").read_text() for value in keys.values())  # fingerprints only

    # Restore onto an empty machine: it generated keys of its own; the backup's keys come from the file.
    machine = empty_machine("restored")
    done = _manage(machine, "backup_restore", str(backup), "--keys", str(keys_file))
    assert done.returncode == 0, done.stderr
    assert "restored and checked" in done.stdout
    assert f"{sum(manifest['counts'].values())} rows" in done.stdout
    opened = int(done.stdout.split(" attachments, ")[1].split(" sealed")[0])
    assert opened >= 4  # two NIK, two passport numbers at least
    assert (Path(machine["VAR_DIR"]) / "media" / "sos/2026/12/photo.jpg").read_bytes() == PHOTO

    # With the keys set in its environment, the restored machine reads NIK and passport numbers and finds by them.
    with_keys = {**machine, **{k: v for k, v in keys.items() if k.startswith("FIELD_")}}
    read = _manage(with_keys, "shell", "-c",
                   "from embassy.citizens.models import Citizen\n"
                   f"c = Citizen.objects.get(pk={siti.pk}); print(c.nik, c.passport_number)")
    assert read.returncode == 0, read.stderr
    assert read.stdout.splitlines()[-1].split() == ["3171014101900001", "X7654321"]

    # The wrong keys: refused before anything is touched.
    wrong = {**keys, "FIELD_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}
    (tmp_path / "wrong.json").write_text(json.dumps(wrong))
    other = empty_machine("wrong-keys")
    failed = _manage(other, "backup_restore", str(backup), "--keys", str(tmp_path / "wrong.json"))
    assert failed.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in failed.stderr
    assert "Nothing was restored" in failed.stderr
    assert _tables(other) == 0
    assert not (Path(other["VAR_DIR"]) / "media" / "sos").exists()

    # A machine that is not empty is refused too.
    again = _manage(machine, "backup_restore", str(backup), "--keys", str(keys_file))
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_restore_notices_sealed_values_that_do_not_open(tmp_path: Path, settings: Any) -> None:
    """The check after a restore opens the sealed values with the keys given: a backup made under one key and
    checked with another (same fingerprints forged) says which column does not open."""
    from embassy.ops.backup import verify

    settings.MEDIA_ROOT = str(tmp_path / "media")
    _citizen("Siti Aminah", "3171014101900001", "X7654321")
    manifest = {"counts": {}, "attachments": 0}
    stranger = {"FIELD_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                "FIELD_HASH_KEY": settings.FIELD_HASH_KEY}
    report = verify(manifest=manifest, keys=stranger)
    assert any("citizens.Citizen.nik" in p and "does not open" in p for p in report.problems), report.problems
