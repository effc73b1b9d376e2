"""The database task worker: django-tasks-db's db_worker, same options, with this process's in-memory indexes
loaded first (embassy.ops.warmup): the first SOS by SMS a worker makes into a case must not wait seconds for the
country boundaries, and frozen indexes spare the worker the garbage collector's long pauses."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from embassy.ops.warmup import warm_up

READY = "run_worker: indexes loaded, taking tasks"


class Command(DbWorker):
    help = "Load the in-memory indexes, then run the database task worker (db_worker's options)."

    def handle(self, *args: Any, **options: Any) -> None:
        warm_up()
        self.stdout.write(READY)
        self.stdout.flush()
        super().handle(*args, **options)
