"""Delivery channels. Each module holds one channel; every channel answers `send(message) -> Result` and
never touches the database (the dispatcher records results), so HTTP channels can send from a thread
pool. A channel that needs a session for a batch (one SMTP connection) opens it in `open()`."""

from __future__ import annotations

import datetime as dt
import enum
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import requests

    from embassy.notify.models import Message


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # temporary: try again later (5xx, 429, timeouts, connection errors)
    FAILED = "failed"  # permanent: the provider refused the message (other 4xx, bad address)
    GONE = "gone"  # permanent and the address is dead (push subscription expired: 404/410)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status_code: int | None = None
    error: str = ""
    provider_id: str = ""
    retry_after: float | None = None
    account: str = ""  # the provider account that took (or refused) it
    receipt: str = ""  # a receipt known at hand-over ("delivered" for the development sink)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SENT

    @classmethod
    def sent(cls, *, status_code: int | None = None, provider_id: str = "", receipt: str = "") -> Result:
        return cls(Outcome.SENT, status_code, "", provider_id[:200], receipt=receipt)

    @classmethod
    def retry(cls, error: str, *, status_code: int | None = None, retry_after: float | None = None) -> Result:
        return cls(Outcome.RETRY, status_code, error[:500], "", retry_after)

    @classmethod
    def failed(cls, error: str, *, status_code: int | None = None) -> Result:
        return cls(Outcome.FAILED, status_code, error[:500])

    @classmethod
    def gone(cls, error: str, *, status_code: int | None = None) -> Result:
        return cls(Outcome.GONE, status_code, error[:500])


class Channel(Protocol):
    name: str
    concurrency: int  # 1: send one message at a time in the dispatcher's thread

    def available(self) -> bool: ...

    def open(self) -> None: ...

    def prepare(self, messages: Sequence[Message]) -> None: ...

    def close(self) -> None: ...

    def send(self, message: Message) -> Result: ...


class BaseChannel:
    name = ""
    concurrency = 8

    def available(self) -> bool:
        return True

    def open(self) -> None:
        return None

    def prepare(self, messages: Sequence[Message]) -> None:
        """Look up what sending needs from the database (provider accounts, WhatsApp windows), in the
        dispatcher's thread, before `send` runs in the pool."""
        return

    def close(self) -> None:
        return None

    def send(self, message: Message) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def result_from_response(response: requests.Response) -> Result:
    """The HTTP providers' contract: 2xx sent (provider id from the JSON "id"), 429 and 5xx retry, any
    other answer fails permanently."""
    code = response.status_code
    if 200 <= code < 300:
        provider_id = ""
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("id") is not None:
            provider_id = str(body["id"])
        return Result.sent(status_code=code, provider_id=provider_id)
    detail = f"HTTP {code}: {response.text[:300]}".strip()
    if code == 429 or code >= 500 or code == 408:
        return Result.retry(detail, status_code=code, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    return Result.failed(detail, status_code=code)


_local = threading.local()


def http_session() -> requests.Session:
    """One requests session per thread (connection reuse without sharing a session between threads)."""
    import requests  # here, not at the top: web processes import this package; only senders need requests

    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = "SmartEmbassy-notify/1"
        _local.session = session
    return session


def get_channel(name: str) -> Channel:
    # Imported on first use, not at the top: they import this package (BaseChannel), and they load requests,
    # pywebpush and smtplib, which only the dispatching worker needs, not every web process.
    from embassy.notify.channels.email import EmailChannel
    from embassy.notify.channels.push import PushChannel
    from embassy.notify.channels.sink import SinkChannel
    from embassy.notify.channels.sms import SmsChannel
    from embassy.notify.channels.webhook import WebhookChannel
    from embassy.notify.channels.whatsapp import WhatsAppChannel

    registry: dict[str, type[BaseChannel]] = {
        "email": EmailChannel, "push": PushChannel, "sms": SmsChannel, "whatsapp": WhatsAppChannel,
        "webhook": WebhookChannel, "sink": SinkChannel,
    }
    cls = registry.get(name)
    if cls is None:
        raise KeyError(name)
    return cls()


def channel_available(name: str) -> bool:
    """Whether messages on this channel can be delivered at all (e.g. an SMS provider is configured)."""
    try:
        return get_channel(name).available()
    except KeyError:
        return False
