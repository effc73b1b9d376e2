"""Keep a bind to every enabled SMPP account's SMSC and take its delivery receipts and inbound messages
(deliver_sm) into the inbox — SMPP's counterpart of the webhooks. Started by serve_all when an SMPP account
exists; accounts added, changed or disabled later are picked up within NOTIFY_PROVIDER_CACHE_SECONDS."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from embassy.notify import inbound, routing
from embassy.notify.providers import Account, Parsed
from embassy.notify.providers.smpp_listener import listen

log = logging.getLogger(__name__)


def _taker(account: Account) -> Any:
    def take(parsed: Parsed) -> None:
        close_old_connections()
        inbound.ingest(account, parsed)

    return take


class Command(BaseCommand):
    help = "Listen on the SMPP accounts' binds for delivery receipts and inbound messages."

    def handle(self, *args: Any, **options: Any) -> None:
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        signal.signal(signal.SIGINT, lambda *_: done.set())
        running: dict[str, tuple[Account, threading.Thread, threading.Event]] = {}
        while not done.is_set():
            routing.invalidate()
            wanted = {r.account.key: r.account for r in routing.routes() if r.account.vendor == "smpp"}
            for key, (account, thread, stop) in list(running.items()):
                if wanted.get(key) != account or not thread.is_alive():  # removed, changed, or crashed
                    stop.set()
                    thread.join(timeout=10)
                    del running[key]
            for key, account in wanted.items():
                if key in running:
                    continue
                stop = threading.Event()
                thread = threading.Thread(target=listen, args=(account, _taker(account), stop),
                                          name=f"smpp-{key}", daemon=True)
                thread.start()
                running[key] = (account, thread, stop)
                log.info("smpp: listening for %s", key)
            done.wait(max(5.0, float(settings.NOTIFY_PROVIDER_CACHE_SECONDS)))
        for _account, thread, stop in running.values():
            stop.set()
            thread.join(timeout=10)
