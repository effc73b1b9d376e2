"""The WhatsApp Business Cloud API (Meta's Graph API), both ways. Meta publishes no official Python SDK, so
this is plain HTTPS with requests (ADR 0017).

Account
    credentials: ``access_token`` (a system-user token, sent as ``Authorization: Bearer``), ``app_secret``
    (the Meta app's secret: it signs webhooks), ``verify_token`` (ours, typed into the app's webhook setup:
    Meta echoes it in the subscription check).
    sender: the business phone number's ``phone_number_id`` (not the number itself).
    options: ``base_url`` (default https://graph.facebook.com; the local vendor server in tests) and
    ``api_version`` (default ``DEFAULT_API_VERSION``).

Sending: POST {base_url}/{api_version}/{phone_number_id}/messages
    Inside the 24-hour window a person's last message opened (``Outgoing.free_form``), a text message.
    Outside it WhatsApp delivers only pre-approved templates: the template's name, language code and body
    parameters in order. Meta refuses a parameter with a newline, a tab or more than four consecutive
    spaces, and an empty one, so parameters are cleaned first (whitespace runs become one space, an empty
    parameter becomes "-"). With neither, nothing is sent: the message fails at once, naming its kind, so
    the dispatcher can try the next channel. The answer's ``messages[0].id`` (``wamid.…``) is the provider id.
    Errors follow Meta's error-code page: throughput, pair and API rate limits (4, 80007, 130429, 131056)
    and temporary faults (2, 131000, 131016, 133004, any 5xx or 429) are retried; the rest fail with Meta's
    code, title and details, e.g. 131047 (re-engagement: more than 24 hours since the person last wrote)
    or 131026 (undeliverable).

Webhooks
    ``challenge``: Meta's subscription check, GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…,
    answered with the challenge when the token matches, 403 otherwise.
    ``verify``: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>``, constant time.
    ``parse``: entry[].changes[].value — ``statuses`` (sent, delivered, read, failed with the error) become
    receipts; ``messages`` become inbound messages from "+<wa_id>" to the ``metadata.phone_number_id``
    (text, a template's quick-reply button, an interactive reply's title; other types as "[type]").
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from embassy.notify import conf
from embassy.notify.channels import Result, http_session, retry_after_seconds
from embassy.notify.providers import (
    Account,
    BadHook,
    BaseVendor,
    Hook,
    Inbound,
    Outgoing,
    Parsed,
    Receipt,
    Reply,
    Template,
    parse_time,
)

if TYPE_CHECKING:
    import requests

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v26.0"  # Graph API, released 29 July 2026
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})
TEMPORARY_CODES = frozenset({2, 131000, 131016, 133004})
RECEIPT_STATUSES = frozenset({"sent", "delivered", "read", "failed"})
_WHITESPACE = re.compile(r"\s+")
_CODE_PREFIX = re.compile(r"^\(#\d+\)\s*")  # Graph API messages start with "(#<code>) "


def clean_param(value: str) -> str:
    """A template parameter as Meta accepts it: no newline, tab or run of spaces, never empty."""
    return _WHITESPACE.sub(" ", value).strip() or "-"


def _template_body(template: Template) -> dict[str, Any]:
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if template.params:
        parameters = [{"type": "text", "text": clean_param(p)} for p in template.params]
        body["components"] = [{"type": "body", "parameters": parameters}]
    return body


def _error_text(error: Mapping[str, Any]) -> str:
    """Meta's error in words: "131047 Re-engagement message: <details>". Titles sit in "title" (webhooks)
    or inside "message" (API answers); the details say what happened to this message."""
    code = error.get("code", "")
    title = error.get("title") or _CODE_PREFIX.sub("", str(error.get("message") or ""))
    data = error.get("error_data")
    details = data.get("details", "") if isinstance(data, dict) else ""
    text = f"{code} {title}".strip()
    return f"{text}: {details}" if details and details != title else text


class WhatsAppCloudVendor(BaseVendor):
    name = "whatsapp"
    channels = ("whatsapp",)

    def _url(self, account: Account) -> str:
        base = str(account.option("base_url", DEFAULT_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        version = str(account.option("api_version", DEFAULT_API_VERSION) or DEFAULT_API_VERSION).strip("/")
        return f"{base}/{version}/{account.sender}/messages"

    def payload(self, out: Outgoing) -> dict[str, Any] | str:
        """The request body, or why nothing can be sent."""
        common = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": out.to}
        if out.free_form and out.text.strip():
            return {**common, "type": "text", "text": {"preview_url": False, "body": out.text}}
        if out.template is not None:
            return {**common, "type": "template", "template": _template_body(out.template)}
        if out.free_form:
            return "the message has no text"
        return f"outside the 24-hour window and no approved template for {out.kind or 'this message'}"

    def send(self, account: Account, out: Outgoing) -> Result:
        import requests  # here, not at the top: web processes load this module for webhooks only

        token = account.secret("access_token")
        if not token or not account.sender:
            return Result.failed("the WhatsApp account needs its access_token and sender (the phone_number_id)")
        body = self.payload(out)
        if isinstance(body, str):
            return Result.failed(body)
        timeout = conf.http_timeout()
        try:
            response = http_session().post(
                self._url(account), json=body, headers={"Authorization": f"Bearer {token}"},
                timeout=(min(5.0, timeout), timeout), allow_redirects=False,
            )
        except requests.RequestException as exc:
            return Result.retry(f"WhatsApp unreachable: {exc!r}")
        return self._result(response)

    def _result(self, response: requests.Response) -> Result:
        code = response.status_code
        try:
            data: Any = response.json()
        except ValueError:
            data = None
        if 200 <= code < 300:
            messages = data.get("messages") if isinstance(data, dict) else None
            first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
            return Result.sent(status_code=code, provider_id=str(first.get("id") or ""))
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            detail = f"WhatsApp error {_error_text(error)}"
            error_code = error.get("code")
        else:
            detail, error_code = f"WhatsApp HTTP {code}: {response.text[:300]}", None
        if error_code in RATE_LIMIT_CODES or error_code in TEMPORARY_CODES or code in (408, 429) or code >= 500:
            return Result.retry(
                detail, status_code=code, retry_after=retry_after_seconds(response.headers.get("Retry-After"))
            )
        return Result.failed(detail, status_code=code)

    def challenge(self, account: Account, hook: Hook) -> Reply | None:
        if hook.method.upper() != "GET" or "hub.mode" not in hook.query:
            return None
        expected, given = account.secret("verify_token"), hook.query.get("hub.verify_token", "")
        if hook.query.get("hub.mode") == "subscribe" and expected and hmac.compare_digest(given, expected):
            return Reply(200, "text/plain", hook.query.get("hub.challenge", "").encode())
        return Reply(403)

    def verify(self, account: Account, hook: Hook) -> bool:
        secret = account.secret("app_secret")
        scheme, _, given = hook.header("X-Hub-Signature-256").strip().partition("=")
        if not secret or scheme.lower() != "sha256" or not given:
            return False
        expected = hmac.new(secret.encode(), hook.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.strip().lower().encode(), expected.encode())

    def parse(self, account: Account, hook: Hook) -> Parsed:
        body = hook.json()
        entries = body.get("entry") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            raise BadHook('a WhatsApp webhook carries an "entry" list')
        parsed = Parsed()
        for entry in entries:
            changes = entry.get("changes") if isinstance(entry, dict) else None
            if not isinstance(changes, list):
                raise BadHook('each WhatsApp entry carries a "changes" list')
            for change in changes:
                value = change.get("value") if isinstance(change, dict) else None
                if not isinstance(value, dict):
                    raise BadHook('each WhatsApp change carries a "value" object')
                _parse_value(value, parsed)
        return parsed


def _items(value: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    items = value.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadHook(f'"{key}" is not a list of objects')
    return items


def _parse_value(value: Mapping[str, Any], parsed: Parsed) -> None:
    for status in _items(value, "statuses"):
        if not isinstance(status.get("id"), str) or not status["id"]:
            raise BadHook("a WhatsApp status needs the message id")
        state = status.get("status")
        if state not in RECEIPT_STATUSES:
            continue  # e.g. "deleted", "played": nothing for the receipt vocabulary
        errors = status.get("errors")
        error = ""
        if state == "failed" and isinstance(errors, list) and errors and isinstance(errors[0], dict):
            error = _error_text(errors[0])
        parsed.receipts.append(Receipt(status["id"], state, error=error, at=parse_time(status.get("timestamp"))))
    metadata = value.get("metadata")
    to = str(metadata.get("phone_number_id") or "") if isinstance(metadata, dict) else ""
    for message in _items(value, "messages"):
        sender, message_id = message.get("from"), message.get("id")
        if not isinstance(sender, str) or not sender or not isinstance(message_id, str) or not message_id:
            raise BadHook("a WhatsApp message needs its id and sender")
        sender = sender if sender.startswith("+") else f"+{sender}"
        parsed.inbound.append(
            Inbound(message_id, sender, to, _message_text(message), at=parse_time(message.get("timestamp")))
        )


def _message_text(message: Mapping[str, Any]) -> str:
    """What the person wrote or chose; other message types (image, location…) as "[type]" so that the duty
    officer sees something arrived."""
    kind = str(message.get("type") or "unknown")
    content = message.get(kind)
    if kind == "text" and isinstance(content, dict):
        return str(content.get("body") or "")
    if kind == "button" and isinstance(content, dict):
        return str(content.get("text") or content.get("payload") or "")
    if kind == "interactive" and isinstance(content, dict):
        reply = content.get("button_reply") or content.get("list_reply")
        if isinstance(reply, dict) and reply.get("title"):
            return str(reply["title"])
    return f"[{kind}]"
