"""Twilio Programmable Messaging (SMS), through Twilio's Python helper library (`twilio`).

Account:
- credentials: `account_sid` and `auth_token`; or `account_sid`, `api_key_sid` and `api_key_secret` to send
  with an API key (Twilio's advice for production), the auth token still being what Twilio signs webhooks
  with. Twilio's newer webhook shared keys (X-Twilio-Webhooks-Signature-Settings) are checked with
  `webhook_secret` when set, else with the auth token.
- sender: a phone number (E.164), an alphanumeric sender id, or a Messaging Service SID (MG + 32 hex digits),
  which is sent as MessagingServiceSid so that Twilio picks the number from the service's sender pool.
- options: `base_url` (default https://api.twilio.com): the tests point it at the local vendor server;
  `timeout` in seconds (default NOTIFY_HTTP_TIMEOUT).

How the SDK reaches another host: the helper library takes a caller's own `HttpClient` (Twilio documents this
for proxies: advanced-examples/custom-http-client.md in twilio-python). `_HttpClient` is the library's own
TwilioHttpClient with two changes: it swaps the https://api.twilio.com prefix of each URL for `base_url`, and
it keeps the last response, whose Retry-After header a TwilioRestException does not carry. Everything else
(paths, form encoding, Basic auth, error parsing) is the library's.

Outcomes of a send: 201 → sent (provider_id = the message SID, which status callbacks name); 408, 429, 5xx,
timeouts and connection errors → retry; any other 4xx → failed with Twilio's error code and message (21211
invalid 'To', 21610 the person replied STOP...). An empty text is refused here (Twilio answers 21602).

Webhooks (form-encoded, POST or GET as configured in the console):
- status callbacks: MessageSid + MessageStatus. queued/accepted/scheduled/sending are steps inside Twilio
  (our send already counts as handed over) and give no receipt; sent (the carrier took it) → sent;
  delivered → delivered; read → read; undelivered/failed/canceled → failed with ErrorCode and its meaning.
- inbound SMS: MessageSid, From, To, Body, NumMedia → Inbound; a picture with no text reads "[media]".
- verify: X-Twilio-Signature checked with `twilio.request_validator.RequestValidator` over the URL Twilio
  called and the form parameters (for a JSON body, the bodySHA256 variant Twilio documents).
- reply: an empty TwiML document, so Twilio sends no automatic answer to an inbound SMS.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.rest import Client

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
    Reply,
)

log = logging.getLogger(__name__)

API = "https://api.twilio.com"
SIGNATURE_HEADER = "X-Twilio-Signature"
TWIML_EMPTY = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")

# MessageStatus → our receipt status (None: a step inside Twilio, no receipt).
STATUSES: dict[str, str | None] = {
    "queued": None, "accepted": None, "scheduled": None, "sending": None,
    "sent": "sent", "delivered": "delivered", "read": "read",
    "undelivered": "failed", "failed": "failed", "canceled": "failed",
}
INBOUND_STATUSES = ("received", "receiving")

# Twilio error codes an operator meets most, in words (https://www.twilio.com/docs/api/errors/<code>).
ERRORS = {
    "20003": "authentication failed: check the account SID and auth token or API key",
    "20429": "too many requests",
    "21211": "invalid 'To' phone number",
    "21408": "sending to this region is not enabled on the account (geo permissions)",
    "21602": "the message body is required",
    "21606": "the 'From' number is not an SMS-capable number of this account",
    "21610": "the recipient has opted out (replied STOP); Twilio sends nothing to this number until they "
             "reply START",
    "21612": "the 'To' number cannot be reached by SMS from this sender",
    "21614": "the 'To' number is not a mobile number",
    "30001": "queue overflow: sent faster than the sender's throughput",
    "30002": "the Twilio account is suspended",
    "30003": "unreachable destination handset (switched off or out of coverage)",
    "30004": "message blocked (by the recipient or their carrier)",
    "30005": "unknown destination handset (the number does not exist or is no longer in service)",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier as spam or a policy violation",
    "30008": "unknown error from the carrier",
    "30010": "the message price exceeds the maximum price set",
}


def error_text(code: object, message: str = "") -> str:
    """`code` with its meaning when known, and Twilio's own message when given."""
    key = str(code or "").strip()
    words = [f"Twilio error {key}" if key else "Twilio error"]
    if key in ERRORS:
        words.append(ERRORS[key])
    if message:
        words.append(message)
    return ": ".join(words)


class _HttpClient(TwilioHttpClient):
    """The library's HTTP client, sending to `base_url` and keeping the last response (see the module doc)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.last: Any = None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.base_url != API and url.startswith(API):
            url = self.base_url + url[len(API):]
        self.last = None
        self.last = super().request(method, url, *args, **kwargs)
        return self.last


class _Params(dict[str, list[str]]):
    """Form parameters with every value of a repeated name, as RequestValidator reads them (`getlist`)."""

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> _Params:
        params = cls()
        for name, value in pairs:
            params.setdefault(name, []).append(value)
        return params

    def getlist(self, name: str) -> list[str]:
        return self[name]


_clients = threading.local()


def _client(account: Account) -> tuple[Any, _HttpClient]:
    """One SDK client per account and thread: the HTTP client's last response is then this send's."""
    sid = account.secret("account_sid")
    key, secret = account.secret("api_key_sid"), account.secret("api_key_secret")
    username, password = (key, secret) if key and secret else (sid, account.secret("auth_token"))
    base_url = str(account.option("base_url") or API)
    timeout = float(account.option("timeout") or conf.http_timeout())
    cache: dict[tuple[str, ...], tuple[Any, _HttpClient]] = _clients.__dict__.setdefault("cache", {})
    cache_key = (sid, username, password, base_url, str(timeout))
    if cache_key not in cache:
        http = _HttpClient(base_url, timeout)
        cache[cache_key] = (Client(username, password, account_sid=sid, http_client=http), http)
    return cache[cache_key]


def _refused(status: int, code: object, message: str, retry_after: float | None) -> Result:
    detail = f"HTTP {status}, {error_text(code, message)}"
    if status in (408, 429) or status >= 500:
        return Result.retry(detail, status_code=status, retry_after=retry_after)
    return Result.failed(detail, status_code=status)


def _form(hook: Hook) -> dict[str, str]:
    return dict(hook.query) if hook.method.upper() == "GET" else hook.form()


class TwilioVendor(BaseVendor):
    name = "twilio"
    channels = ("sms",)

    def send(self, account: Account, out: Outgoing) -> Result:
        if not out.text.strip():
            return Result.failed("empty text: " + error_text("21602"))
        sender = out.sender or account.sender
        if not sender:
            return Result.failed("no Twilio sender (number, sender id or MG… Messaging Service SID) is set")
        if not account.secret("account_sid") or not (
            account.secret("auth_token") or (account.secret("api_key_sid") and account.secret("api_key_secret"))
        ):
            return Result.failed("the Twilio account needs account_sid and auth_token (or an API key)")
        client, http = _client(account)
        fields: dict[str, str] = {"to": out.to, "body": out.text}
        fields["messaging_service_sid" if _SERVICE_SID.match(sender) else "from_"] = sender
        if out.status_url:
            fields["status_callback"] = out.status_url
        try:
            message = client.messages.create(**fields)
        except TwilioRestException as exc:
            text = str(exc.msg or "").removeprefix("Unable to create record: ")
            return _refused(int(exc.status), exc.code, text, self._retry_after(http))
        except TwilioServiceException as exc:
            text = ". ".join(str(p) for p in (exc.title, exc.detail) if p)
            return _refused(int(exc.status), exc.code, text, self._retry_after(http))
        except (requests.Timeout, requests.ConnectionError) as exc:
            return Result.retry(f"Twilio unreachable: {exc!r}")
        except requests.RequestException as exc:
            return Result.retry(f"Twilio request failed: {exc!r}")
        status = getattr(http.last, "status_code", 201)
        return Result.sent(status_code=status, provider_id=str(message.sid or ""))

    @staticmethod
    def _retry_after(http: _HttpClient) -> float | None:
        headers = getattr(http.last, "headers", None) or {}
        return retry_after_seconds(headers.get("Retry-After"))

    def verify(self, account: Account, hook: Hook) -> bool:
        signature = hook.header(SIGNATURE_HEADER)
        settings_header = hook.header(SIGNATURE_SETTINGS_HEADER)
        token = (account.secret("webhook_secret") if settings_header else "") or account.secret("auth_token")
        if not signature or not token:
            return False
        try:
            body = hook.body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        params: _Params | str
        if hook.method.upper() == "GET":
            params = _Params()
        elif "bodySHA256" in parse_qs(urlsplit(hook.url).query):
            params = body  # a JSON body: the URL carries its SHA-256, the signature covers the URL
        else:
            params = _Params.of(parse_qsl(body, keep_blank_values=True))
        validator = RequestValidator(token)
        algorithm = get_signature_algorithm(settings_header)
        if isinstance(params, _Params) and (algorithm or HMAC_SHA1).upper() in (HMAC_SHA1, HMAC_SHA256) and hmac.compare_digest(
                validator.compute_signature(hook.url, params, algorithm), signature):
            return True  # signed over the URL exactly as we are called: one HMAC (the usual case)
        # the library's full check: the URL with and without its port, the JSON body's hash
        return bool(validator.validate(hook.url, params, signature, algorithm))

    def parse(self, account: Account, hook: Hook) -> Parsed:
        form = _form(hook)
        sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid") or ""
        if not sid:
            raise BadHook("no MessageSid: neither a Twilio status callback nor an inbound message")
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
        if status in INBOUND_STATUSES or (not status and "Body" in form):
            return Parsed(inbound=[self._inbound(sid, form)])
        if not status:
            raise BadHook(f"{sid}: no MessageStatus (a status callback) and no Body (an inbound message)")
        if status not in STATUSES:
            log.warning("Twilio status callback for %s with an unknown MessageStatus %r: ignored", sid, status)
            return Parsed()
        ours = STATUSES[status]
        if ours is None:
            return Parsed()
        error = ""
        if ours == "failed":
            error = f"{status}: " + error_text(form.get("ErrorCode"))
        return Parsed(receipts=[Receipt(provider_id=sid, status=ours, error=error)])

    @staticmethod
    def _inbound(sid: str, form: dict[str, str]) -> Inbound:
        sender = form.get("From", "").strip()
        if not sender:
            raise BadHook(f"inbound message {sid} has no From")
        text = form.get("Body", "")
        if not text.strip() and (form.get("NumMedia") or "0").strip() not in ("", "0"):
            text = "[media]"
        return Inbound(provider_id=sid, sender=sender, to=form.get("To", ""), text=text)

    def reply(self, account: Account, hook: Hook, parsed: Parsed) -> Reply:
        return Reply(status=200, content_type="text/xml", body=TWIML_EMPTY)
