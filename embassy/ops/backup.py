"""Backup and restore (docs/operations.md#backups): the database, the attachments and a manifest, with the keys
written to a separate file.

A backup is a directory:
- `database.sqlite3` (SQLite's online backup API: writers go on meanwhile) or `database.pgdump` (pg_dump's
  custom format, one consistent snapshot);
- `attachments.tar`: every file in the attachment storage (local disk or S3), walked through the storage API;
- `manifest.json`: when, which engine, the row count of every table, and fingerprints (not the keys) of the
  field encryption keys, the blind-index key and SECRET_KEY.
The keys go to a file of their own (`--keys-out`), kept apart from the data (another medium, the safe): a
backup without its keys is useless, a backup with its keys beside it is a leak.

Restore refuses keys whose fingerprints differ from the manifest before it touches anything, refuses a target
that is not empty, then loads the database and the attachments and checks: the same count in every table, and
every sealed NIK and passport number (a sample of each encrypted column) opens with the keys and matches its
blind index.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from embassy.common import crypto
from embassy.common.fields import EncryptedCharField

KEY_NAMES = ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "SECRET_KEY", "VAPID_PRIVATE_KEY")
SAMPLE = 200  # sealed values checked per encrypted column


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    attachments: int = 0
    decrypted: int = 0
    problems: list[str] = field(default_factory=list)


def fingerprint(value: str) -> str:
    return hashlib.sha256(("smart-embassy-key\x00" + value).encode()).hexdigest()[:16]


def _keys_now() -> dict[str, str]:
    return {name: str(getattr(settings, name)) for name in KEY_NAMES}


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's models (and Django's own), by model label."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy}


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432), "-U", str(db["USER"])]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def _storage_files(path: str = "") -> Iterator[str]:
    try:
        dirs, files = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for sub in sorted(dirs):
        yield from _storage_files(f"{path}/{sub}" if path else sub)


def backup_create(*, out: Path, keys_out: Path | None = None) -> dict[str, Any]:
    """Write a backup of this deployment into the new directory `out`; the keys into `keys_out` (mode 0600)."""
    out.mkdir(parents=True, exist_ok=False)
    engine = connection.vendor
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(out / "database.sqlite3")
        with target:
            connection.connection.backup(target)
        target.close()
    elif engine == "postgresql":
        args, env = _pg_args()
        _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", "-f",
              str(out / "database.pgdump"), str(settings.DATABASES["default"]["NAME"])], env)
    else:
        raise BackupError(f"no backup for the {engine} engine")
    attachments = 0
    with tarfile.open(out / "attachments.tar", "w") as tar:
        for name in _storage_files():
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            attachments += 1
    keys = _keys_now()
    manifest = {"format": 1, "created_at": timezone.now().isoformat(), "engine": engine,
                "counts": table_counts(), "attachments": attachments,
                "fingerprints": {name: fingerprint(value) for name, value in keys.items()}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    if keys_out is not None:
        keys_out.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(keys_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(keys, handle, indent=1)
    return manifest


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def keys_check(*, manifest: dict[str, Any], keys: dict[str, str]) -> None:
    """Raise BackupError naming every key that is not the one the backup was made with."""
    wrong = [name for name, expected in manifest["fingerprints"].items()
             if fingerprint(str(keys.get(name, ""))) != expected]
    if wrong:
        raise BackupError(
            f"these keys are not the ones this backup was made with: {', '.join(wrong)}. Nothing was restored. "
            "Without the right FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY the NIK and passport numbers cannot be read.")


def _target_empty() -> None:
    tables = set(connection.introspection.table_names())
    if "django_migrations" in tables:
        raise BackupError("the target database is not empty (it has tables); restore onto an empty one")
    if next(_storage_files(), None) is not None:
        raise BackupError("the attachment storage is not empty; restore onto an empty one")


def backup_restore(*, source: Path, keys: dict[str, str]) -> Report:
    """Restore the backup in `source` onto this (empty) deployment, with `keys`; then check it."""
    manifest = json.loads((source / "manifest.json").read_text())
    keys_check(manifest=manifest, keys=keys)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"the backup is of {manifest['engine']}, this deployment runs {connection.vendor}")
    _target_empty()
    if connection.vendor == "sqlite":
        path = Path(str(settings.DATABASES["default"]["NAME"]))
        connection.close()
        shutil.copyfile(source / "database.sqlite3", path)
    else:
        args, env = _pg_args()
        _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "-d",
              str(settings.DATABASES["default"]["NAME"]), str(source / "database.pgdump")], env)
    report = Report()
    with tarfile.open(source / "attachments.tar") as tar:
        for member in tar:
            handle = tar.extractfile(member)
            if handle is None:
                continue
            saved = default_storage.save(member.name, ContentFile(handle.read()))
            if saved != member.name:
                report.problems.append(f"attachment {member.name} was stored as {saved}")
            report.attachments += 1
    return verify(manifest=manifest, keys=keys, report=report)


def verify(*, manifest: dict[str, Any], keys: dict[str, str], report: Report | None = None) -> Report:
    """Compare the restored deployment with the manifest, and open a sample of every encrypted column."""
    report = report or Report()
    report.counts = table_counts()
    for label, expected in manifest["counts"].items():
        if report.counts.get(label) != expected:
            report.problems.append(f"{label}: {report.counts.get(label)} rows, the backup had {expected}")
    if report.attachments != manifest["attachments"]:
        report.problems.append(f"{report.attachments} attachments, the backup had {manifest['attachments']}")
    with _keys_in_use(keys):
        for model in apps.get_models():
            for column in (f for f in model._meta.fields if isinstance(f, EncryptedCharField)):
                report.decrypted += _open_sample(model, column, report)
    return report


@contextmanager
def _keys_in_use(keys: dict[str, str]) -> Iterator[None]:
    """The field keys of the backup for the check, whatever this process was started with."""
    before = settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_HASH_KEY
    settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_HASH_KEY = keys["FIELD_ENCRYPTION_KEYS"], keys["FIELD_HASH_KEY"]
    try:
        yield
    finally:
        settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_HASH_KEY = before


def _open_sample(model: Any, column: EncryptedCharField, report: Report) -> int:
    """Open up to SAMPLE sealed values of one column; where the model keeps a blind index beside it (`nik_index`
    for `nik`, `passport_index` for `passport_number`), check that it matches."""
    names = {f.name for f in model._meta.fields}
    index_name = next((n for n in (f"{column.name}_index", f"{column.name.removesuffix('_number')}_index")
                       if n in names), "")
    has_index = bool(index_name)
    fields = ["pk", column.name, *([index_name] if has_index else [])]
    rows = model._default_manager.exclude(**{column.name: ""}).values_list(*fields)[:SAMPLE]
    opened = 0
    try:
        for row in rows.iterator():
            opened += 1
            if has_index and row[2] and crypto.blind_index(row[1], context=column.crypto_context) != row[2]:
                report.problems.append(f"{model._meta.label}.{column.name} #{row[0]}: the blind index does not match")
                break
    except (ValueError, InvalidTag) as error:  # these keys do not open the data
        report.problems.append(
            f"{model._meta.label}.{column.name}: a sealed value does not open ({type(error).__name__})")
    return opened
