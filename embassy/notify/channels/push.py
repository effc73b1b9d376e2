"""Web Push (RFC 8030) with message encryption (RFC 8291, aes128gcm) and VAPID (RFC 8292), via pywebpush.

The payload is the JSON the service worker expects: {"title", "body", "url", "tag", "data", "receipt"}; the
worker posts "receipt" to /hooks/push-shown/ once the notification is on screen (the delivery receipt). Answers:
201/200/202 sent; 404/410 the subscription is gone (the dispatcher disables it); 429 and 5xx retry;
anything else fails."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import requests
from pywebpush import WebPusher, WebPushException

from embassy.notify import conf, vapid
from embassy.notify.channels import BaseChannel, Result, http_session, retry_after_seconds
from embassy.notify.inbox import receipt_token
from embassy.notify.models import Priority

if TYPE_CHECKING:
    from embassy.notify.models import Message

# RFC 8291: one record of at most 4096 bytes, minus header (86), padding delimiter (1) and tag (16).
MAX_PAYLOAD_BYTES = 3993


def push_payload(message: Message) -> bytes:
    """The notification as the service worker reads it; a body too long for one record is shortened."""
    doc: dict[str, Any] = {"title": message.subject, "body": message.body, "url": message.url,
                           "tag": message.kind or "", "data": message.data, "receipt": receipt_token(message.pk)}
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    while len(raw) > MAX_PAYLOAD_BYTES and doc["body"]:
        excess = len(raw) - MAX_PAYLOAD_BYTES
        body = doc["body"].encode()[: max(0, len(doc["body"].encode()) - excess - 3)].decode(errors="ignore")
        doc["body"] = body + "…"
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return raw


def urgency(priority: int) -> str:
    return "high" if priority <= Priority.HIGH else "normal"


class PushChannel(BaseChannel):
    name = "push"

    def __init__(self) -> None:
        self.concurrency = conf.concurrency()

    def available(self) -> bool:
        return vapid.vapid() is not None

    def send(self, message: Message) -> Result:
        sub = message.subscription
        if sub is None or sub.disabled_at is not None:
            return Result.failed("push subscription removed or disabled")
        if vapid.vapid() is None:
            return Result.retry("VAPID keys are not configured")
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        headers = {**vapid.headers_for(sub.endpoint), "Urgency": urgency(message.priority)}
        try:
            response = WebPusher(info, requests_session=http_session()).send(
                push_payload(message), headers, ttl=conf.push_ttl_seconds(), content_encoding="aes128gcm",
                timeout=conf.http_timeout(),
            )
        except (WebPushException, ValueError) as exc:  # unusable keys stored for this subscription
            return Result.gone(f"invalid subscription: {exc}")
        except requests.RequestException as exc:
            return Result.retry(f"push service unreachable: {exc!r}")
        assert isinstance(response, requests.Response)
        code = response.status_code
        if code in (200, 201, 202):
            return Result.sent(status_code=code, provider_id=response.headers.get("Location", "")[-200:])
        detail = f"HTTP {code}: {response.text[:300]}"
        if code in (404, 410):
            return Result.gone(detail, status_code=code)
        if code in (408, 429) or code >= 500:
            return Result.retry(detail, status_code=code,
                                retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        return Result.failed(detail, status_code=code)
