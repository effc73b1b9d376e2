from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from embassy.social.budget import pull_estimate
from embassy.social.models import Account
from embassy.social.pull import account_pull


class Command(BaseCommand):
    help = "Pull accounts from their platforms now (all due accounts, or those named), with the X cost estimate."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("accounts", nargs="*", help="ids or platform:handle; none: every active account")
        parser.add_argument("--estimate", action="store_true", help="only show what each pull would read and cost")

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = list(Account.objects.filter(active=True, demo=False))
        if options["accounts"]:
            wanted = {str(a).lower() for a in options["accounts"]}
            accounts = [a for a in accounts if str(a.pk) in wanted or f"{a.platform}:{a.handle}".lower() in wanted]
            if not accounts:
                raise CommandError("No such account")
        now = timezone.now()
        for account in accounts:
            estimate = pull_estimate(account, now=now)
            line = f"{account.platform}:{account.handle}: ~{estimate.reads} reads, ~{estimate.usd} USD"
            if options["estimate"]:
                self.stdout.write(line)
                continue
            pull = account_pull(account_id=account.pk, now=now)
            result = "not due" if pull is None else f"{pull.status} ({pull.posts} posts){' ' + pull.error if pull.error else ''}"
            self.stdout.write(f"{line}: {result}")
