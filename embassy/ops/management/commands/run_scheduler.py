from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from embassy.common.scheduler import Leadership, scheduler_tick
from embassy.common.sqlite.base import checkpoint

log = logging.getLogger("embassy.scheduler")


class Command(BaseCommand):
    help = "Run the periodic-job scheduler (enqueues due jobs for the task worker)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = {"now": False}

        def _stop(signum: int, frame: Any) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        last_checkpoint = time.monotonic()
        leadership = Leadership()
        try:
            while not stop["now"]:
                if leadership.hold():
                    try:
                        started = scheduler_tick()
                    except Exception:  # the queue or the database is away: log, and try again next round
                        log.exception("scheduler: this round failed; trying again in %.0f s", options["interval"])
                        leadership.release()  # the connection may be gone with the lock: take it afresh
                        started = []
                    if started and options["verbosity"] > 1:
                        self.stdout.write(f"enqueued: {', '.join(started)}")
                if options["once"]:
                    break
                deadline = time.monotonic() + options["interval"]
                while not stop["now"] and time.monotonic() < deadline:
                    time.sleep(0.2)
                    if time.monotonic() - last_checkpoint > settings.SQLITE_CHECKPOINT_SECONDS:
                        checkpoint()  # SQLite: keep the write-ahead log short, away from the writers
                        last_checkpoint = time.monotonic()
        finally:
            leadership.release()
