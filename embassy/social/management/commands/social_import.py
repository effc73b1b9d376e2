from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embassy.social.importers import ImportFileError
from embassy.social.models import Account
from embassy.social.services import account_import


class Command(BaseCommand):
    help = ("Import a platform's own export into an account: an X archive (.zip or tweets.js), Instagram or "
            "Facebook 'Download your information' (JSON), a YouTube Studio CSV. Whole or nothing.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("account", help="the account's id, or platform:handle (e.g. x:Kemlu_RI)")
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        key = str(options["account"])
        platform, _, handle = key.partition(":")
        found = (Account.objects.filter(platform=platform, handle__iexact=handle) if handle
                 else Account.objects.filter(pk=int(key)) if key.isdigit() else Account.objects.none())
        account = found.first()
        if account is None:
            raise CommandError(f"No account {key!r}")
        path = Path(options["file"])
        try:
            pull = account_import(account=account, filename=path.name, data=path.read_bytes())
        except (ImportFileError, OSError) as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        self.stdout.write(f"{account}: {pull.posts} posts imported from {path.name} ({pull.source})")
