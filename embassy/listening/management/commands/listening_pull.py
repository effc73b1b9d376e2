from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from embassy.listening.collect import due_streams, stream_estimate, stream_pull
from embassy.listening.models import Stream


class Command(BaseCommand):
    help = "Pull listening streams now: every due stream, or the streams named by id (with the X cost estimate)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("streams", nargs="*", type=int, help="stream ids; none: every due stream")
        parser.add_argument("--force", action="store_true", help="do not wait out a backoff (rate limits still hold)")
        parser.add_argument("--estimate", action="store_true", help="only show what each pull may read and cost")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        ids = options["streams"] or due_streams(now=now)
        found = {s.pk: s for s in Stream.objects.filter(pk__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise CommandError(f"No such stream: {', '.join(map(str, missing))}")
        for stream_id in ids:
            stream = found[stream_id]
            costs = "; ".join(f"{e.platform}: ≤{e.reads} reads, ≤{e.usd} USD" for e in stream_estimate(stream, now=now))
            line = f"{stream.pk} {stream.name}" + (f" ({costs})" if costs else "")
            if options["estimate"]:
                self.stdout.write(line)
                continue
            pulled = stream_pull(stream_id=stream_id, now=now, force=options["force"])
            if pulled is None:
                self.stdout.write(f"{line}: inactive")
                continue
            stored = getattr(pulled.result, "stored", 0)
            errors = "; ".join(f"{p}: {e}" for p, e in pulled.errors.items())
            self.stdout.write(f"{line}: {len(pulled.items)} read, {stored} new" + (f"; failed: {errors}" if errors else ""))
