"""Give missions new signing keys; the old ones stay published, so what they signed still verifies."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from embassy.credentials.models import SigningKey
from embassy.credentials.services import signing_key_rotate
from embassy.missions.models import Mission


class Command(BaseCommand):
    help = "Rotate the Ed25519 signing key of the named missions (or of every mission that has one: --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="mission codes, e.g. KBRI-KUALA-LUMPUR")
        parser.add_argument("--all", action="store_true", help="every mission that has a current key")

    def handle(self, *args: Any, codes: list[str], **options: Any) -> None:
        if options["all"]:
            missions = list(
                Mission.objects.filter(
                    pk__in=SigningKey.objects.filter(retired_at__isnull=True).values("mission_id")
                )
            )
        elif codes:
            missions = list(Mission.objects.filter(code__in=codes))
            missing = set(codes) - {m.code for m in missions}
            if missing:
                raise CommandError(f"no such mission: {', '.join(sorted(missing))}")
        else:
            raise CommandError("name the missions, or give --all")
        for mission in missions:
            key = signing_key_rotate(mission=mission)
            self.stdout.write(f"{mission.code}: new key {key.kid}")
