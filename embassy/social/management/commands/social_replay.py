"""`manage.py social_replay`: the demo's platforms on loopback (embassy.social.replay), for "pull now" on the
demo accounts. serve_all starts it under make run (SOCIAL_REPLAY_PORT)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from embassy.social.replay import Replay, make_server


class Command(BaseCommand):
    help = ("Answer as X, the Graph API, YouTube and TikTok for the demo social-media accounts (demo only: "
            "demo tokens, simulated posts), so that 'pull now' on a demo account works with no network.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=settings.SOCIAL_REPLAY_PORT or 8030)
        parser.add_argument("--seed", type=int, default=1, help="the demo's seed (social_demo --seed)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = make_server(Replay(seed=options["seed"]), port=options["port"])
        except OSError as exc:
            raise CommandError(f"social replay: port {options['port']}: {exc}") from exc
        self.stdout.write(f"social replay: answering for the demo accounts at http://127.0.0.1:{server.server_port}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
