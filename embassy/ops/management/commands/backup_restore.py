"""manage.py backup_restore DIR --keys FILE: restore onto an empty deployment and check it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embassy.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup (backup_create) onto this deployment's empty database and attachment storage, then "
            "check every table's count and open the sealed NIK and passport numbers with the given keys.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="the backup directory")
        parser.add_argument("--keys", required=True, help="the keys file written by backup_create --keys-out")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            keys = json.loads(Path(options["keys"]).read_text())
            report = backup_restore(source=Path(options["source"]), keys=keys)
        except (BackupError, OSError, ValueError) as error:
            raise CommandError(f"restore failed: {error}") from error
        if report.problems:
            raise CommandError("restored, but it does not match the backup:\n  " + "\n  ".join(report.problems))
        self.stdout.write(f"restored and checked: {sum(report.counts.values())} rows in {len(report.counts)} "
                          f"tables as in the backup, {report.attachments} attachments, {report.decrypted} "
                          "sealed values opened")
        self.stdout.write("now set FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY, SECRET_KEY and VAPID_PRIVATE_KEY from the "
                          "keys file in this deployment's environment")
