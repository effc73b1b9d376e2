"""Send a test notification through one channel and report what happened (for operators)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embassy.common.errors import DomainError
from embassy.notify.dispatch import dispatch_due
from embassy.notify.models import CHANNELS, Message, Priority
from embassy.notify.services import notify_address


class Command(BaseCommand):
    help = "Queue a test message on one channel and send it now, e.g. notify_test --channel email --to ops@example.org"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--channel", required=True, choices=CHANNELS)
        parser.add_argument("--to", required=True, help="email address, E.164 phone, webhook URL or push subscription id")
        parser.add_argument("--subject", default="Smart Embassy test notification")
        parser.add_argument("--body", default="This is a test message from Smart Embassy. No action is needed.")
        parser.add_argument("--priority", default="normal", choices=[p.name.lower() for p in Priority])
        parser.add_argument("--queue-only", action="store_true", help="only queue it; the worker sends it")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            message = notify_address(
                channel=options["channel"], address=options["to"], subject=options["subject"], body=options["body"],
                priority=Priority[options["priority"].upper()], kind="test",
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}") from exc
        if message is None:
            raise CommandError(f"The {options['channel']} channel is not configured (or the push subscription is gone).")
        self.stdout.write(f"queued message {message.pk} ({message.channel} → {options['to']})")
        if options["queue_only"]:
            return
        dispatch_due(channels=[message.channel])
        message = Message.objects.get(pk=message.pk)
        self.stdout.write(f"status: {message.status}; attempts: {message.attempts}"
                          + (f"; provider id: {message.provider_id}" if message.provider_id else "")
                          + (f"; error: {message.last_error}" if message.last_error else ""))
        if message.status in (Message.Status.FAILED, Message.Status.DEAD):
            raise CommandError(f"not sent ({message.status})")
        if message.status != Message.Status.SENT:
            self.stdout.write("the task worker is sending it (see /konsol/notify/)")
