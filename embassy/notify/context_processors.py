"""Template context of notify: whether the console menu links to the outbox."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from embassy.notify.selectors import can_read_log


def outbox(request: HttpRequest) -> dict[str, Any]:
    # evaluated only by templates that ask (the console menu)
    return {"CAN_READ_OUTBOX": lambda: can_read_log(getattr(request, "user", None))}
