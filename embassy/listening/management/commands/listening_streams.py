from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from embassy.listening.streams import crisis_streams_sync, standard_streams_load


class Command(BaseCommand):
    help = "Create or refresh the standard listening streams (ministry, missions, WNI, TKI, PMI, KBRI, KJRI) and " \
           "the streams of active crises. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = standard_streams_load()
        synced = crisis_streams_sync()
        self.stdout.write(f"standard streams: {loaded.created} created, {loaded.updated} updated, "
                          f"{loaded.deactivated} stopped; crisis streams: {synced.created} created, "
                          f"{synced.updated} updated, {synced.ended} stopped")
