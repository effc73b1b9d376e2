"""Development sink: appends each message as one JSON line to VAR_DIR/notify/sink.jsonl and logs it, so
`make run` shows what would have been sent. Also the stand-in for SMS and WhatsApp without a provider.

Like a provider that takes an Idempotency-Key, the sink takes each message once: the keys it has written are kept
beside the file (sink.jsonl.ids: the message id and its creation time in microseconds, so that a database made
afresh beside an old file is not mistaken for the old one; appended under a file lock shared by every worker
process), and a message sent again — its worker was killed after the write and before the outcome was stored, so the lease ran
out and another worker took it — is answered "delivered" without a second line."""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from django.utils import timezone

from embassy.notify import conf
from embassy.notify.channels import BaseChannel, Result

if TYPE_CHECKING:
    from embassy.notify.models import Message

log = logging.getLogger("embassy.notify.sink")
_lock = threading.Lock()
_written: dict[Path, tuple[set[tuple[int, int]], int]] = {}  # per ids file: the keys read so far, and their bytes
RECORD = 16  # two int64: message id, creation time in microseconds


def _seen_ids(ids: BinaryIO, path: Path) -> set[tuple[int, int]]:
    """The keys any process wrote to the ids file at `path`, read up to its end (call under the file lock)."""
    known, offset = _written.get(path, (set(), 0))
    end = ids.seek(0, 2)
    if end < offset:  # the file was removed and made again: start over
        known, offset = set(), 0
    if end % RECORD:  # a torn last record (a crash mid-write): drop it, so that the next one lines up
        ids.truncate(end - end % RECORD)
    ids.seek(offset)
    fresh = ids.read()
    numbers = array("q")
    numbers.frombytes(fresh[:len(fresh) - len(fresh) % RECORD])
    known.update(zip(numbers[::2], numbers[1::2], strict=True))
    _written[path] = (known, offset + len(numbers) * 8)
    return known


def _key(message: Message) -> tuple[int, int] | None:
    if message.pk is None:
        return None
    return message.pk, int(message.created_at.timestamp() * 1_000_000)


class SinkChannel(BaseChannel):
    name = "sink"
    concurrency = 1

    def __init__(self) -> None:
        self._file: TextIO | None = None
        self._ids: BinaryIO | None = None  # the ids file, open for a batch (locked per message)

    def open(self) -> None:
        path = conf.sink_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
            self._ids = path.with_name(path.name + ".ids").open("a+b")
        except OSError:
            self.close()  # send() reports it per message

    def close(self) -> None:
        for handle in (self._file, self._ids):
            if handle is not None:
                handle.close()
        self._file = self._ids = None

    @contextmanager
    def _locked_ids(self, path: Path) -> Iterator[BinaryIO]:
        """The ids file under the lock shared by every process: the batch's open one, else opened for this message."""
        if self._ids is not None:
            fcntl.flock(self._ids, fcntl.LOCK_EX)
            try:
                yield self._ids
            finally:
                fcntl.flock(self._ids, fcntl.LOCK_UN)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b") as ids:
            fcntl.flock(ids, fcntl.LOCK_EX)  # released when the file closes
            yield ids

    def send(self, message: Message) -> Result:
        line = json.dumps({
            "at": timezone.now().isoformat(), "id": message.pk, "channel": message.channel,
            "address": message.address, "priority": message.priority, "kind": message.kind,
            "subject": message.subject, "body": message.body, "url": message.url, "data": message.data,
        }, ensure_ascii=False)
        path = conf.sink_path()
        try:
            ids_path = path.with_name(path.name + ".ids")
            with _lock, self._locked_ids(ids_path) as ids:
                known = _seen_ids(ids, ids_path)
                key = _key(message)
                if key is not None and key in known:
                    log.info("notify %s → %s: already in the sink (message %s sent again)", message.channel,
                             message.address, message.pk)
                    return Result.sent(receipt="delivered")
                if self._file is not None:
                    self._file.write(line + "\n")
                    self._file.flush()
                else:
                    with path.open("a", encoding="utf-8") as fh:
                        fh.write(line + "\n")
                if key is not None:
                    ids.write(array("q", key).tobytes())  # "a+b": always at the end
                    ids.flush()
                    known.add(key)
                    _written[ids_path] = (known, _written[ids_path][1] + RECORD)
        except OSError as exc:
            return Result.retry(f"sink not writable: {exc!r}")
        log.info("notify %s → %s: %s", message.channel, message.address, message.subject or message.body[:80])
        return Result.sent(receipt="delivered")  # the sink is the end of the line: delivered
