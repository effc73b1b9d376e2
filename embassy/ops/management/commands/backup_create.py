"""manage.py backup_create --out DIR [--keys-out FILE]: the drill in docs/operations.md#backups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embassy.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database (online), the attachments and a manifest into a new directory; the keys go to "
            "--keys-out, to be kept apart from the backup.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="a new directory for the backup")
        parser.add_argument("--keys-out", default="", help="a new file for the keys (mode 0600); keep it elsewhere")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(out=Path(options["out"]),
                                     keys_out=Path(options["keys_out"]) if options["keys_out"] else None)
        except (BackupError, FileExistsError) as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"backup of {manifest['engine']} in {options['out']}: {rows} rows in "
                          f"{len(manifest['counts'])} tables, {manifest['attachments']} attachments")
        if not options["keys_out"]:
            self.stdout.write("no --keys-out: make sure the keys (FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY, SECRET_KEY, "
                              "VAPID_PRIVATE_KEY) are kept elsewhere, or this backup cannot be read")
