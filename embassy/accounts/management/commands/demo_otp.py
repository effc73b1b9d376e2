from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embassy.accounts.demo import DEMO_STAFF, demo_totp_now


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo staff account (demo installations only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        names = [u for u, *_ in DEMO_STAFF]
        wanted = [options["username"]] if options["username"] else names
        for name in wanted:
            if name not in names:
                raise CommandError(f"{name!r} is not a demo account ({', '.join(names)})")
            self.stdout.write(f"{name}: {demo_totp_now(name)}")
