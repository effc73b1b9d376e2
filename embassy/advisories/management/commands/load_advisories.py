from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from embassy.advisories.services import advisories_load
from embassy.common.errors import DomainError


class Command(BaseCommand):
    help = ("Load the country-information seed (demo content): a published version for every country that "
            "has none yet. Idempotent; never touches a country headquarters has published.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--path", default=str(Path(settings.DATA_DIR) / "advisories" / "demo_advisories.json"))

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.perf_counter()
        try:
            result = advisories_load(path=Path(options["path"]))
        except DomainError as exc:
            raise CommandError(f"Nothing loaded: {exc.message}") from exc
        self.stdout.write(
            f"advisories: {result['loaded']} countries loaded, {result['skipped']} already had one "
            f"({result['countries']} in the file) in {time.perf_counter() - t0:.2f}s"
        )
