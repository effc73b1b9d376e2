"""Rebuild the performance rollups now (the periodic task does it every hour): all missions, or those named."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from embassy.missions.models import Mission
from embassy.performance.rollup import rollup_all, rollup_mission


class Command(BaseCommand):
    help = "Rebuild the 12-month performance figures that the public pages read (all missions, or --mission)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mission", action="append", default=[], help="a mission code (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["mission"]:
            rows = 0
            for code in options["mission"]:
                mission = Mission.objects.filter(code=code).first()
                if mission is None:
                    raise CommandError(f"no mission {code!r}")
                rows += rollup_mission(mission=mission)
        else:
            rows = rollup_all()
        self.stdout.write(f"performance: {rows} rollup rows in {time.perf_counter() - started:.1f} s")
