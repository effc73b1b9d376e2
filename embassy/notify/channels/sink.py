"""Development sink: appends each message as one JSON line to VAR_DIR/notify/sink.jsonl and logs it, so
`make run` shows what would have been sent. Also the stand-in for SMS and WhatsApp without a provider."""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, TextIO

from django.utils import timezone

from embassy.notify import conf
from embassy.notify.channels import BaseChannel, Result

if TYPE_CHECKING:
    from embassy.notify.models import Message

log = logging.getLogger("embassy.notify.sink")
_lock = threading.Lock()


class SinkChannel(BaseChannel):
    name = "sink"
    concurrency = 1

    def __init__(self) -> None:
        self._file: TextIO | None = None

    def open(self) -> None:
        path = conf.sink_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        except OSError:
            self._file = None  # send() reports it per message

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def send(self, message: Message) -> Result:
        line = json.dumps({
            "at": timezone.now().isoformat(), "id": message.pk, "channel": message.channel,
            "address": message.address, "priority": message.priority, "kind": message.kind,
            "subject": message.subject, "body": message.body, "url": message.url, "data": message.data,
        }, ensure_ascii=False)
        try:
            with _lock:
                if self._file is not None:
                    self._file.write(line + "\n")
                    self._file.flush()
                else:
                    path = conf.sink_path()
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with path.open("a", encoding="utf-8") as fh:
                        fh.write(line + "\n")
        except OSError as exc:
            return Result.retry(f"sink not writable: {exc!r}")
        log.info("notify %s → %s: %s", message.channel, message.address, message.subject or message.body[:80])
        return Result.sent(receipt="delivered")  # the sink is the end of the line: delivered
