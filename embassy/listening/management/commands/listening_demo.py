"""`manage.py listening_demo`: make run's listening week. The demo's replay server is started here for the
moment of the pull (serve_all starts it again for the site), and the standard keyword streams are pulled from
it through the real collectors and ingest: simulated public posts (authors demo.warga…, names marked
"(simulasi)"), some of them asking for help, which land in the missions' triage queues."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from embassy.listening.collect import stream_pull
from embassy.listening.models import Stream
from embassy.social.replay import Replay, make_server


class Command(BaseCommand):
    help = "Pull the standard keyword streams once from the demo's replay server (make run; DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG or not settings.SOCIAL_REPLAY_PORT:
            raise CommandError("listening_demo reads the demo's replay server: DEBUG and SOCIAL_REPLAY_PORT only.")
        try:
            server = make_server(Replay(seed=1), port=settings.SOCIAL_REPLAY_PORT)
        except OSError as exc:
            raise CommandError(f"listening demo: port {settings.SOCIAL_REPLAY_PORT}: {exc}") from exc
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per search otherwise
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        heard = errors = 0
        try:
            streams = Stream.objects.filter(builtin=True, active=True, kind=Stream.Kind.KEYWORD, unit__isnull=True)
            for stream_id in streams.order_by("pk").values_list("pk", flat=True):
                pulled = stream_pull(stream_id=stream_id, force=True)
                if pulled is not None:
                    heard += getattr(pulled.result, "stored", 0)
                    errors += bool(pulled.errors)
        finally:
            server.shutdown()
            server.server_close()
        self.stdout.write(f"listening demo: {heard} simulated posts heard ({errors} streams with errors)")
