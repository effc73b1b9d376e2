from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen, Dependant
from embassy.common import crypto


class Command(BaseCommand):
    help = ("Re-encrypt NIK and passport numbers (citizens and family members) under the current (first) key of FIELD_ENCRYPTION_KEYS. "
            "Safe to run while the application serves requests; run it again until it reports 0.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        current = crypto.keyring().current_id
        prefix = f"{crypto.PREFIX}:{current}:"
        fields = ("nik", "passport_number")
        total, last_id = 0, 0
        while True:
            # Read the raw column values (no decryption) to find rows sealed under an older key.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {', '.join(fields)} FROM {Citizen._meta.db_table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                    [last_id, options["batch"]],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            stale = [r[0] for r in rows if any(v and not v.startswith(prefix) for v in r[1:])]
            if stale:
                with transaction.atomic():
                    for citizen in Citizen.objects.select_for_update().filter(id__in=stale):
                        # Reading decrypts with whichever key sealed it; saving seals with the current key.
                        Citizen.objects.filter(pk=citizen.pk).update(
                            nik=crypto.encrypt(citizen.nik, context=NIK_CONTEXT) if citizen.nik else "",
                            passport_number=crypto.encrypt(citizen.passport_number, context=PASSPORT_CONTEXT)
                            if citizen.passport_number else "",
                        )
                total += len(stale)
        dependants = self._dependants(prefix, options["batch"])
        self.stdout.write(f"re-encrypted {total} citizen records and {dependants} family members under key {current!r}")

    def _dependants(self, prefix: str, batch: int) -> int:
        """Family members' passport numbers, the same way."""
        total, last_id = 0, 0
        table = Dependant._meta.db_table
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, passport_number FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                    [last_id, batch],
                )
                rows = cursor.fetchall()
            if not rows:
                return total
            last_id = rows[-1][0]
            stale = [r[0] for r in rows if r[1] and not r[1].startswith(prefix)]
            if stale:
                with transaction.atomic():
                    for dependant in Dependant.objects.select_for_update().filter(id__in=stale):
                        Dependant.objects.filter(pk=dependant.pk).update(
                            passport_number=crypto.encrypt(dependant.passport_number,
                                                           context="citizens.Dependant.passport_number"))
                total += len(stale)
