from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from embassy.social.demo import demo_seed
from embassy.social.models import Post


class Command(BaseCommand):
    help = ("Fill demo social-media accounts (labelled demo, handles demo.*) with a deterministic simulated year "
            "of posts and statistics, for the dashboard of make run.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--missions", type=int, default=20)
        parser.add_argument("--force", action="store_true", help="simulate again even if the demo is there")

    def handle(self, *args: Any, **options: Any) -> None:
        if Post.objects.filter(account__demo=True).exists() and not options["force"]:
            self.stdout.write("social demo: already there (--force to simulate again)")
            return
        t0 = time.perf_counter()
        result = demo_seed(today=timezone.now().date(), days=options["days"], seed=options["seed"],
                           missions=options["missions"])
        self.stdout.write(f"social demo: {result['accounts']} accounts, {result['posts']} posts, "
                          f"{result['readings']} readings in {time.perf_counter() - t0:.1f}s")
