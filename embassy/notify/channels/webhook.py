"""Webhook: POST the message as JSON to the address (a URL), signed with HMAC-SHA256.

Headers: `X-Embassy-Timestamp: <unix seconds>`, `X-Embassy-Signature: sha256=<hex HMAC of
"<timestamp>.<raw body>" under NOTIFY_WEBHOOK_SECRET>` (absent when no secret is set), and
`X-Embassy-Delivery: <message id>` (the same on every retry, for the receiver's de-duplication).
Answers follow the HTTP provider contract: 2xx sent, 429/5xx retry, other 4xx fail."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING

import requests

from embassy.notify import conf
from embassy.notify.channels import BaseChannel, Result, http_session, result_from_response

if TYPE_CHECKING:
    from embassy.notify.models import Message


def webhook_body(message: Message) -> bytes:
    doc = {
        "id": message.pk, "kind": message.kind, "priority": message.priority, "subject": message.subject,
        "body": message.body, "url": message.url, "data": message.data,
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookChannel(BaseChannel):
    name = "webhook"

    def __init__(self) -> None:
        self.concurrency = conf.concurrency()

    def send(self, message: Message) -> Result:
        body = webhook_body(message)
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Embassy-Timestamp": timestamp,
                   "X-Embassy-Delivery": str(message.pk)}
        secret = conf.webhook_secret()
        if secret:
            headers["X-Embassy-Signature"] = signature(secret, timestamp, body)
        try:
            response = http_session().post(message.address, data=body, headers=headers,
                                           timeout=(min(5.0, conf.http_timeout()), conf.http_timeout()),
                                           allow_redirects=False)
        except requests.RequestException as exc:
            return Result.retry(f"webhook unreachable: {exc!r}")
        return result_from_response(response)
