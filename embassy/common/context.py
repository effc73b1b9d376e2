"""Per-request context (client address, user agent) for the audit log, set by middleware."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str = ""
    user_agent: str = ""
    path: str = ""


current_request: ContextVar[RequestInfo] = ContextVar("current_request", default=RequestInfo())  # noqa: B039 - frozen
