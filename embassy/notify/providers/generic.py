"""The generic JSON contract, for a ministry's own adapter in front of a vendor we do not speak:

- send: POST <options.url> {"to": E.164, "from": sender, "text": ..., "reference": "<our id>",
  "status_url": <our webhook>} with `Authorization: Bearer <credentials.token>` and `Idempotency-Key`;
  2xx with {"id": ...} is sent, 429/5xx/408 retried, other answers refused.
- webhook: POST /hooks/notify/<key>/ with {"receipts": [{"id", "status": sent|delivered|read|failed,
  "error", "at"}], "inbound": [{"id", "from", "to", "text", "at"}]} signed
  `X-Signature-256: sha256=<hex HMAC-SHA256 of the body under credentials.webhook_secret>`.
Documented for adapter writers in docs/messaging.md."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import requests

from embassy.notify import conf
from embassy.notify.channels import Result, http_session, result_from_response
from embassy.notify.providers import (
    RECEIPT_STATUSES,
    Account,
    BadHook,
    BaseVendor,
    Hook,
    Inbound,
    Outgoing,
    Parsed,
    Receipt,
    parse_time,
)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class GenericVendor(BaseVendor):
    name = "generic"
    channels = ("sms", "whatsapp")

    def send(self, account: Account, out: Outgoing) -> Result:
        url = str(account.option("url", "") or "")
        if not url:
            return Result.failed(f"{account.key}: no adapter URL (options.url)")
        headers = {"Idempotency-Key": f"notify-{out.message_id}", "Accept": "application/json"}
        if account.secret("token"):
            headers["Authorization"] = f"Bearer {account.secret('token')}"
        body: dict[str, Any] = {"to": out.to, "from": out.sender, "text": out.text, "reference": str(out.message_id)}
        if out.status_url:
            body["status_url"] = out.status_url
        try:
            response = http_session().post(url, json=body, headers=headers, allow_redirects=False,
                                           timeout=(min(5.0, conf.http_timeout()), conf.http_timeout()))
        except requests.RequestException as exc:
            return Result.retry(f"{account.key} unreachable: {exc!r}")
        return result_from_response(response)

    def verify(self, account: Account, hook: Hook) -> bool:
        secret = account.secret("webhook_secret")
        given = hook.header("x-signature-256")
        return bool(secret and given) and hmac.compare_digest(given, signature(secret, hook.body))

    def parse(self, account: Account, hook: Hook) -> Parsed:
        data = hook.json()
        if not isinstance(data, dict):
            raise BadHook("the body is not a JSON object")
        receipts, inbound = [], []
        for item in data.get("receipts") or []:
            if not isinstance(item, dict) or not item.get("id") or item.get("status") not in RECEIPT_STATUSES:
                raise BadHook("a receipt needs an id and a status (sent, delivered, read, failed)")
            receipts.append(Receipt(str(item["id"]), str(item["status"]), str(item.get("error") or "")[:300],
                                    parse_time(item.get("at"))))
        for item in data.get("inbound") or []:
            if not isinstance(item, dict) or not item.get("id") or not item.get("from"):
                raise BadHook("an inbound message needs an id and a sender")
            inbound.append(Inbound(str(item["id"]), str(item["from"]), str(item.get("to") or ""),
                                   str(item.get("text") or ""), parse_time(item.get("at"))))
        return Parsed(receipts, inbound)
