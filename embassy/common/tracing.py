"""The request id: one id per web request, in every log line written while it is served and in every task it
enqueues (and the tasks those enqueue), so that one grep follows an SOS from the proxy to the SMS.

- `ops.middleware.ObservabilityMiddleware` takes the proxy's X-Request-ID (when it is a sane token) or makes
  one, binds it for the request and returns it in the response's X-Request-ID.
- `common.tasking.task` is django-tasks' decorator with the id carried along: `enqueue` adds the current id
  as a keyword argument, and the worker binds it again while the task runs (a task enqueued outside any
  request, e.g. by the scheduler, gets an id of its own).
- `RequestIdFilter` puts the id on every log record (`%(request_id)s`, or the `request_id` key of JSON logs).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SANE = re.compile(r"[A-Za-z0-9._:-]{8,64}")

current_id: ContextVar[str] = ContextVar("request_id", default="")


def new_id() -> str:
    return uuid.uuid4().hex


def accept(header: str | None) -> str:
    """The id a proxy sent, when it is a sane token (letters, digits and . _ : -, 8 to 64 long); else a new one."""
    return header if header and _SANE.fullmatch(header) else new_id()


@contextmanager
def bound(request_id: str) -> Iterator[str]:
    token = current_id.set(request_id)
    try:
        yield request_id
    finally:
        current_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_id.get() or "-"
        return True
