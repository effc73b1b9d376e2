"""Infobip SMS, both ways: sending through Infobip's official Python SDK (infobip-api-python-client v6, its
`SmsApi.send_sms_messages`, which wraps POST /sms/3/messages), delivery reports and inbound SMS (MO) from
Infobip's webhooks.

Account
    credentials: ``api_key`` (sent by the SDK as ``Authorization: App <key>``); ``webhook_username`` and
    ``webhook_password`` (the HTTP Basic credentials Infobip presents to our webhook, below).
    options: ``base_url``, the account's personal base URL (``https://xxxxx.api.infobip.com``; required:
    Infobip routes each account by it). Tests point it at the local vendor server: the SDK itself accepts a
    plain ``http://`` host only for localhost/127.0.0.1 (its ``Configuration._ensure_https``), so nothing
    here weakens TLS for a real base URL.
    sender: the default sender (alphanumeric sender id or number); ``Outgoing.sender`` wins.

Sending
    One message, one destination. Its ``messageId`` is ours (``<prefix><Outgoing.message_id>``, prefix
    option ``message_id_prefix``, default ``se-<account key>-``), so the provider id is known before the
    answer, receipts name it, and a retried send after a lost answer is refused by Infobip as
    REJECTED_DUPLICATE_MESSAGE_ID instead of reaching the person twice: that refusal counts as sent.
    ``callbackData`` carries our message id too; ``webhooks.delivery.url`` is ``Outgoing.status_url`` when
    set (else the subscription configured at Infobip applies). Status groups PENDING/ACCEPTED: sent;
    REJECTED: failed with the status name and description. HTTP 429, 408 and 5xx, timeouts and connection
    errors: retry; other 4xx: failed.

Webhooks (POST JSON ``{"results": [...]}``, batched)
    A result with a ``status`` object is a delivery report: DELIVERED: delivered; PENDING/ACCEPTED: sent;
    UNDELIVERABLE/EXPIRED/REJECTED: failed with the status and error names and descriptions. A result with
    ``from`` is an inbound SMS: ``from`` comes without "+", so it is made E.164; the whole ``text`` is kept
    (``cleanText`` drops the keyword, which the SOS flow needs).

Authentication
    Infobip authenticates itself to a customer's webhook with the security settings of the subscription's
    notification profile (Subscriptions API, security type BASIC, HMAC or OAUTH) or with userinfo in a
    per-message notify URL. We check HTTP Basic: ``Authorization: Basic base64(webhook_username:
    webhook_password)``, compared in constant time. Infobip's public documentation does not describe the
    header or the signed string of its HMAC type, and OAUTH needs our own token server, so neither is
    accepted: a request without the Basic credentials, or an account without them configured, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from embassy.notify import conf
from embassy.notify.channels import Result, retry_after_seconds
from embassy.notify.providers import (
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

if TYPE_CHECKING:
    from infobip_api_client import SmsApi

SENT_GROUPS = frozenset({"PENDING", "ACCEPTED"})
FAILED_GROUPS = frozenset({"UNDELIVERABLE", "EXPIRED", "REJECTED"})
DUPLICATE_ID = "REJECTED_DUPLICATE_MESSAGE_ID"
RETRY_STATUSES = frozenset({0, 408, 429})  # 0: the SDK's code for a TLS failure before any answer


@lru_cache(maxsize=32)
def _sms_api(host: str, api_key: str) -> SmsApi:
    """One SDK client per account: it holds a urllib3 pool (thread-safe), so connections are reused.
    retries=0: the outbox schedules retries itself, with backoff, instead of urllib3 retrying in place."""
    from infobip_api_client import ApiClient, Configuration, SmsApi

    return SmsApi(ApiClient(Configuration(host=host, api_key=api_key, retries=0)))


def _message_id(account: Account, out: Outgoing) -> str:
    prefix = str(account.option("message_id_prefix", f"se-{account.key}-"))
    return f"{prefix}{out.message_id}"


def _status_text(status: Mapping[str, Any] | None, error: Mapping[str, Any] | None = None) -> str:
    """The vendor's reason in words: "REJECTED_DESTINATION: Invalid destination address", plus the error
    when there is one (error id 0, NO_ERROR, says nothing)."""
    parts = []
    if status:
        name, description = status.get("name") or status.get("groupName") or "", status.get("description") or ""
        parts.append(f"{name}: {description}" if description else str(name))
    if error and error.get("id") not in (0, None) and error.get("name") != "NO_ERROR":
        name, description = error.get("name") or "", error.get("description") or ""
        parts.append(f"{name}: {description}" if description else str(name))
    return "; ".join(p for p in parts if p)


def _status_fields(status: Any) -> dict[str, str]:
    """The SDK's status model as the webhook's plain fields (its groupName is an enum)."""
    group = getattr(status, "group_name", None)
    return {
        "groupName": str(getattr(group, "value", group) or ""),
        "name": str(getattr(status, "name", "") or ""),
        "description": str(getattr(status, "description", "") or ""),
    }


def _error_detail(status: int, body: str | None) -> str:
    """An API error in words, from either of Infobip's error bodies: the v3 problem ({"errorCode",
    "description"}) or the older {"requestError": {"serviceException": {"messageId", "text"}}}."""
    detail = (body or "")[:300]
    try:
        data = json.loads(body or "")
    except ValueError:
        data = None
    if isinstance(data, dict):
        request_error = data.get("requestError")
        exception = request_error.get("serviceException") if isinstance(request_error, dict) else None
        if isinstance(exception, dict) and (exception.get("messageId") or exception.get("text")):
            detail = f"{exception.get('messageId', '')}: {exception.get('text', '')}"
        elif data.get("errorCode") or data.get("description"):
            detail = f"{data.get('errorCode', '')}: {data.get('description', '')}"
    return f"Infobip HTTP {status}: {detail}".strip()


class InfobipVendor(BaseVendor):
    name = "infobip"
    channels = ("sms",)

    def send(self, account: Account, out: Outgoing) -> Result:
        host, api_key = str(account.option("base_url", "") or "").rstrip("/"), account.secret("api_key")
        if not host or not api_key:
            return Result.failed(
                "the Infobip account needs its api_key and base_url (its personal https://xxxxx.api.infobip.com)"
            )
        if not out.text.strip():
            return Result.failed("the message has no text")
        message_id = _message_id(account, out)
        try:
            api = _sms_api(host, api_key)  # the SDK refuses a plain http:// base URL (ValueError)
            request = self._request(account, out, message_id)  # pydantic's ValidationError is a ValueError
        except ValueError as exc:
            return Result.failed(f"Infobip request not valid: {exc}")
        return self._call(api, request, message_id)

    def _request(self, account: Account, out: Outgoing, message_id: str) -> Any:
        from infobip_api_client import (
            SmsDestination,
            SmsMessage,
            SmsMessageContent,
            SmsMessageDeliveryReporting,
            SmsRequest,
            SmsTextContent,
            SmsWebhooks,
        )

        webhooks = SmsWebhooks(
            delivery=SmsMessageDeliveryReporting(url=out.status_url) if out.status_url else None,
            contentType="application/json",  # the models' aliases: what mypy sees without pydantic's plugin
            callbackData=str(out.message_id),
        )
        message = SmsMessage(
            sender=out.sender or account.sender or None,
            destinations=[SmsDestination(to=out.to.lstrip("+"), messageId=message_id)],
            content=SmsMessageContent(actual_instance=SmsTextContent(text=out.text)),
            webhooks=webhooks,
        )
        return SmsRequest(messages=[message])

    def _call(self, api: SmsApi, request: Any, message_id: str) -> Result:
        import pydantic
        import urllib3
        from infobip_api_client.exceptions import ApiException

        timeout = conf.http_timeout()
        try:
            response = api.send_sms_messages_with_http_info(
                sms_request=request, _request_timeout=(min(5.0, timeout), timeout)
            )
        except ApiException as exc:
            return self._refused(exc)
        except urllib3.exceptions.HTTPError as exc:
            return Result.retry(f"Infobip unreachable: {exc!r}")
        except pydantic.ValidationError:
            # A 2xx whose body the SDK cannot read: Infobip took the message, and its id is ours.
            return Result.sent(provider_id=message_id)
        return self._accepted(response.status_code, response.data, message_id)

    def _refused(self, exc: Any) -> Result:
        status = int(exc.status or 0)
        detail = _error_detail(status, exc.body)
        if status in RETRY_STATUSES or status >= 500:
            headers = exc.headers or {}
            return Result.retry(detail, status_code=status, retry_after=retry_after_seconds(headers.get("Retry-After")))
        return Result.failed(detail, status_code=status)

    def _accepted(self, code: int, data: Any, message_id: str) -> Result:
        details = list(getattr(data, "messages", None) or [])
        if not details:
            return Result.sent(status_code=code, provider_id=message_id)
        first = details[0]
        provider_id = first.message_id or message_id
        status = _status_fields(first.status)
        group = status["groupName"]
        if group == "REJECTED" and status.get("name") != DUPLICATE_ID:
            return Result.failed(f"Infobip rejected the message: {_status_text(status)}", status_code=code)
        return Result.sent(status_code=code, provider_id=provider_id)

    def verify(self, account: Account, hook: Hook) -> bool:
        username, password = account.secret("webhook_username"), account.secret("webhook_password")
        if not username or not password:
            return False
        scheme, _, token = hook.header("Authorization").strip().partition(" ")
        if scheme.lower() != "basic" or not token:
            return False
        try:
            given_user, sep, given_password = base64.b64decode(token.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        user_ok = hmac.compare_digest(given_user, username.encode())
        password_ok = hmac.compare_digest(given_password, password.encode())
        return bool(sep) and user_ok and password_ok

    def parse(self, account: Account, hook: Hook) -> Parsed:
        body = hook.json()
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise BadHook('an Infobip webhook carries a "results" list')
        parsed = Parsed()
        for result in results:
            if not isinstance(result, dict) or not isinstance(result.get("messageId"), str) or not result["messageId"]:
                raise BadHook("each Infobip result needs its messageId")
            if isinstance(result.get("status"), dict):
                receipt = _receipt(result)
                if receipt is not None:
                    parsed.receipts.append(receipt)
            elif isinstance(result.get("from"), str):
                parsed.inbound.append(_inbound(result))
            else:
                raise BadHook("an Infobip result is neither a delivery report nor an inbound message")
        return parsed


def _receipt(result: Mapping[str, Any]) -> Receipt | None:
    """A delivery report as a receipt; None for a status group we do not know (nothing to record)."""
    status = result["status"]
    group = str(status.get("groupName") or "")
    at = parse_time(result.get("doneAt")) or parse_time(result.get("sentAt"))
    error = result.get("error") if isinstance(result.get("error"), dict) else None
    if group == "DELIVERED":
        return Receipt(result["messageId"], "delivered", at=at)
    if group in SENT_GROUPS:
        return Receipt(result["messageId"], "sent", at=at)
    if group in FAILED_GROUPS:
        return Receipt(result["messageId"], "failed", error=f"{group} {_status_text(status, error)}", at=at)
    return None


def _inbound(result: Mapping[str, Any]) -> Inbound:
    sender = result["from"].strip()
    sender = sender if sender.startswith("+") else f"+{sender}"
    text = result.get("text")
    if not isinstance(text, str):
        clean = result.get("cleanText")
        text = clean if isinstance(clean, str) else ""
    return Inbound(
        provider_id=result["messageId"], sender=sender, to=str(result.get("to") or ""), text=text,
        at=parse_time(result.get("receivedAt")),
    )
