"""Vonage's SMS API (the former Nexmo SMS API), through the SMS part of Vonage's SDK v4: `vonage-sms` on
`vonage-http-client`.

Account:
- credentials: `api_key` and `api_secret` (sending, HTTP Basic auth); `signature_secret` (checking signed
  webhooks).
- options: `signature_method`, the account's setting in the Vonage dashboard: "md5hash" (Vonage's default:
  MD5 of the parameters followed by the secret), or the HMACs "md5", "sha1", "sha256", "sha512";
  `rest_host` (host[:port], default rest.nexmo.com) or `base_url` (https://host[:port]), which the tests
  point at the local vendor server; `timeout` in seconds (default NOTIFY_HTTP_TIMEOUT).
- sender: a number (digits, a leading "+" is dropped) or an alphanumeric sender id.

How the SDK reaches another host: vonage-http-client takes the REST host as an option but always speaks
HTTPS (it builds https://{rest_host}{path}). So nothing here changes the SDK: the tests serve the local
vendor server over TLS with a throw-away certificate that they trust through REQUESTS_CA_BUNDLE, which the
SDK's requests session honours.

Sending: Sms.send(SmsMessage(to=digits, from_=sender, text, type="unicode" when the text is not GSM-7,
client-ref = our message id, callback = the receipt URL)). Vonage answers 200 with a status per part:
"0" → sent (provider_id = the message-id of the first part: the text is fitted to one segment before it
gets here, so there is one part); "1" throttled, "5" internal error and "10" too many binds are temporary
(Vonage: "back-off and retry") → retry; any other status → failed with its error-text. A long text that Vonage
split and only partly accepted is failed, not retried: a retry would send the accepted parts twice. HTTP 429
and 5xx, timeouts and connection errors → retry; other HTTP errors (401 bad credentials...) → failed. Vonage
takes a callback URL of at most 100 characters; a longer one is left out (the dashboard's receipt URL then
applies) and logged.

Webhooks: Vonage calls them with GET (query), POST (form) or POST-JSON, as the dashboard says; all three
are read.
- Delivery receipts (messageId, status, err-code, message-timestamp, client-ref): delivered → delivered;
  accepted (taken by the carrier) and buffered (the carrier holds it for later) → sent; expired, failed,
  rejected and unknown → failed with err-code and its meaning (Vonage's Messages API likewise maps unknown
  to rejected).
- Inbound SMS (msisdn, to, messageId, text, type, message-timestamp): one Inbound each; a binary message
  reads "[binary]". A long text arrives as several requests, one per part (concat, concat-ref,
  concat-total, concat-part), each with its own messageId (stable across Vonage's retries): each part is an
  Inbound carrying (concat-ref, concat-total, concat-part), and notify.inbound stores the parts and hands
  the text over once it is whole (or after a minute with the gaps marked).
- verify: the `sig` parameter over the sorted parameters (Vonage's "signed webhooks"), with the signature
  secret and the account's method; HMAC methods go through the SDK's own `Auth.check_signature`, and
  "md5hash", which the v4 SDK dropped, is computed here as the v3 SDK did (`vonage.Client.signature`).
  A `timestamp` more than 5 minutes away from now is refused (replay). Unsigned → False.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError
from vonage_http_client.auth import Auth
from vonage_http_client.errors import HttpRequestError
from vonage_http_client.http_client import HttpClient
from vonage_sms import Sms, SmsError, SmsMessage

from embassy.common.sms import is_gsm
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

log = logging.getLogger(__name__)

REST_HOST = "rest.nexmo.com"
MAX_AGE = 300  # seconds: a signed webhook's timestamp older (or further ahead) than this is a replay
CALLBACK_MAX = 100  # characters: the SMS API's limit on `callback`
TEMPORARY = frozenset({"1", "5", "10"})  # throttled, internal error, too many binds
HMAC_METHODS = ("md5", "sha1", "sha256", "sha512")

# The SMS API's per-message status codes (https://developer.vonage.com/api-errors/sms).
SEND_ERRORS = {
    "1": "throttled", "2": "missing parameters", "3": "invalid parameters", "4": "invalid credentials",
    "5": "internal error", "6": "invalid message", "7": "number barred", "8": "partner account barred",
    "9": "partner quota violation (not enough credit)", "10": "too many existing binds",
    "11": "account not enabled for HTTP", "12": "message too long", "14": "invalid signature",
    "15": "invalid sender address", "22": "invalid network code", "23": "invalid callback URL",
    "29": "non-whitelisted destination (the account is in demo mode)",
    "32": "signature and API secret disallowed", "33": "number de-activated",
}

# Delivery receipt err-code meanings (Vonage support: "SMS Delivery Error Codes").
DLR_ERRORS = {
    "1": "unknown", "2": "absent subscriber (temporary)", "3": "absent subscriber (permanent)",
    "4": "call barred by user", "5": "portability error", "6": "anti-spam rejection", "7": "handset busy",
    "8": "network error", "9": "illegal number", "10": "illegal message", "11": "unroutable",
    "12": "destination unreachable", "13": "subscriber age restriction", "14": "number blocked by carrier",
    "15": "pre-paid: insufficient funds", "99": "general error",
}

# DLR status → our receipt status.
STATUSES = {
    "delivered": "delivered", "accepted": "sent", "buffered": "sent",
    "expired": "failed", "failed": "failed", "rejected": "failed", "unknown": "failed",
}


def _rest_host(account: Account) -> str:
    host = str(account.option("rest_host") or "")
    base = str(account.option("base_url") or "")
    if not host and base:
        parts = urlsplit(base)
        if parts.scheme != "https":
            raise ValueError(f"the Vonage SDK speaks HTTPS only; base_url {base!r} must start with https://")
        host = parts.netloc
    return host or REST_HOST


_clients = threading.local()


def _client(account: Account) -> tuple[Sms, HttpClient]:
    """One SDK client per account and thread: the SDK's HttpClient keeps per-request state (headers, the
    last response) that two threads must not share."""
    key, secret, host = account.secret("api_key"), account.secret("api_secret"), _rest_host(account)
    timeout = math.ceil(float(account.option("timeout") or conf.http_timeout()))
    cache: dict[tuple[str, ...], tuple[Sms, HttpClient]] = _clients.__dict__.setdefault("cache", {})
    cache_key = (key, secret, host, str(timeout))
    if cache_key not in cache:
        # No signature secret here: the SDK would then sign requests with it, and only as an HMAC.
        http = HttpClient(Auth(api_key=key, api_secret=secret), {"rest_host": host, "timeout": timeout})
        cache[cache_key] = (Sms(http), http)
    return cache[cache_key]


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


def _part_error(part: dict[str, Any]) -> str:
    code = str(part.get("status", ""))
    words = [f"Vonage status {code}"]
    if code in SEND_ERRORS:
        words.append(SEND_ERRORS[code])
    if part.get("error-text"):
        words.append(str(part["error-text"]))
    return ": ".join(words)


def _refused(body: Any) -> Result:
    """A 200 answer in which Vonage refused the message (or some of its parts)."""
    parts = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(parts, list) or not parts:
        return Result.retry(f"Vonage answered without per-message statuses: {str(body)[:200]}", status_code=200)
    refused = [p for p in parts if isinstance(p, dict) and str(p.get("status")) != "0"]
    if not refused:
        return Result.retry("Vonage refused the message without saying why", status_code=200)
    if len(refused) < len(parts):
        return Result.failed(f"Vonage sent {len(parts) - len(refused)} of {len(parts)} parts; "
                             + _part_error(refused[0]), status_code=200)
    if all(str(p.get("status")) in TEMPORARY for p in refused):
        return Result.retry(_part_error(refused[0]), status_code=200)
    return Result.failed(_part_error(refused[0]), status_code=200)


def _http_error(exc: HttpRequestError) -> Result:
    response = exc.response
    code = int(response.status_code)
    detail = f"Vonage HTTP {code}: {response.text[:300]}".strip()
    if code in (408, 429) or code >= 500:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return Result.retry(detail, status_code=code, retry_after=wait)
    return Result.failed(detail, status_code=code)


def _params(hook: Hook) -> dict[str, str]:
    """The webhook's parameters, as Vonage sent them: the query of a GET, else the form or JSON body."""
    if hook.method.upper() == "GET":
        return {str(k): str(v) for k, v in hook.query.items()}
    if "json" in hook.header("Content-Type").lower() or hook.body.lstrip()[:1] == b"{":
        body = hook.json()
        if not isinstance(body, dict):
            raise BadHook("the JSON body is not an object")
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    return hook.form()


def _signed_string(params: dict[str, str]) -> str:
    """Vonage's signing input: "&name=value" for every parameter but sig, sorted by name, with "&" and "="
    in values replaced by "_"."""
    return "".join(
        f"&{k}={params[k].replace('&', '_').replace('=', '_')}" for k in sorted(params) if k != "sig"
    )


def md5hash(params: dict[str, str], secret: str) -> str:
    """Vonage's "MD5 hash" signature (the dashboard's default, which the v4 SDK no longer computes): the MD5
    of the signing input followed by the secret, in hex."""
    return hashlib.md5((_signed_string(params) + secret).encode(), usedforsecurity=False).hexdigest()


class VonageVendor(BaseVendor):
    name = "vonage"
    channels = ("sms",)

    def send(self, account: Account, out: Outgoing) -> Result:
        problem = self._problem(account, out)
        if problem:
            return Result.failed(problem)
        callback = out.status_url or None
        if callback and len(callback) > CALLBACK_MAX:
            log.warning("Vonage callback URLs hold at most %d characters: the dashboard's applies", CALLBACK_MAX)
            callback = None
        try:
            sms, http = _client(account)
        except ValueError as exc:
            return Result.failed(f"Vonage account misconfigured: {exc}")
        try:
            message = SmsMessage(
                to=_digits(out.to), from_=(out.sender or account.sender).strip().removeprefix("+"),
                text=out.text, type=None if is_gsm(out.text) else "unicode", client_ref=str(out.message_id),
                callback=callback,
            )
        except (ValueError, ValidationError) as exc:  # pydantic's ValidationError is a ValueError too
            return Result.failed(f"Vonage message not valid: {exc}")
        return self._submit(sms, http, message)

    @staticmethod
    def _problem(account: Account, out: Outgoing) -> str:
        """Why this message cannot be handed to Vonage at all ("" when it can)."""
        if not out.text:
            return "empty text: the Vonage SMS API refuses a message without text (status 2)"
        if not (out.sender or account.sender).strip():
            return "no Vonage sender (number or sender id) is set"
        if not account.secret("api_key") or not account.secret("api_secret"):
            return "the Vonage account needs api_key and api_secret to send"
        return ""

    def _submit(self, sms: Sms, http: HttpClient, message: SmsMessage) -> Result:
        try:
            response = sms.send(message)
        except SmsError:
            return _refused(self._last_json(http))
        except HttpRequestError as exc:
            return _http_error(exc)
        except (requests.Timeout, requests.ConnectionError) as exc:
            return Result.retry(f"Vonage unreachable: {exc!r}")
        except requests.RequestException as exc:
            return Result.retry(f"Vonage request failed: {exc!r}")
        except (TypeError, KeyError, ValueError) as exc:  # a 2xx the SDK could not read: it may have been sent
            return Result.retry(f"Vonage answered with a body the SDK could not read: {exc!r}")
        first = response.messages[0] if response.messages else None
        return Result.sent(status_code=200, provider_id=str(getattr(first, "message_id", "") or ""))

    @staticmethod
    def _last_json(http: HttpClient) -> Any:
        try:
            return http.last_response.json()
        except (AttributeError, ValueError):
            return None

    def verify(self, account: Account, hook: Hook) -> bool:
        secret = account.secret("signature_secret")
        method = str(account.option("signature_method") or "md5hash").lower()
        if not secret:
            return False
        try:
            params = _params(hook)
        except BadHook:
            return False
        sig, stamp = params.get("sig", ""), params.get("timestamp", "")
        if not sig or not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_AGE:
            return False
        if method == "md5hash":
            return hmac.compare_digest(sig.lower(), md5hash(params, secret))
        if method not in HMAC_METHODS:
            log.warning("Vonage account has an unknown signature_method %r", method)
            return False
        auth = Auth(api_key=account.secret("api_key") or "-", signature_secret=secret, signature_method=method)
        return bool(auth.check_signature(dict(params)))

    def parse(self, account: Account, hook: Hook) -> Parsed:
        params = _params(hook)
        if "status" in params:
            return Parsed(receipts=[self._receipt(params)])
        if "msisdn" in params or "text" in params or "type" in params:
            return Parsed(inbound=[self._inbound(params)])
        raise BadHook("neither a Vonage delivery receipt (status) nor an inbound SMS (msisdn, text)")

    @staticmethod
    def _receipt(params: dict[str, str]) -> Receipt:
        provider_id = params.get("messageId", "").strip()
        if not provider_id:
            raise BadHook("a delivery receipt without messageId")
        status = params["status"].strip().lower()
        if status not in STATUSES:
            raise BadHook(f"a delivery receipt with an unknown status {status!r}")
        ours, error = STATUSES[status], ""
        if ours == "failed":
            code = params.get("err-code", "").strip()
            error = f"{status}: err-code {code}" + (f" ({DLR_ERRORS[code]})" if code in DLR_ERRORS else "")
        at = parse_time(params.get("message-timestamp"))
        return Receipt(provider_id=provider_id, status=ours, error=error, at=at)

    @staticmethod
    def _inbound(params: dict[str, str]) -> Inbound:
        provider_id, msisdn = params.get("messageId", "").strip(), _digits(params.get("msisdn", ""))
        if not provider_id:
            raise BadHook("an inbound SMS without messageId")
        if not msisdn:
            raise BadHook(f"inbound SMS {provider_id} has no msisdn (sender)")
        to = params.get("to", "").strip()
        text = "[binary]" if params.get("type") == "binary" else params.get("text", "")
        return Inbound(
            provider_id=provider_id, sender="+" + msisdn, to="+" + to if to.isdigit() else to, text=text,
            at=parse_time(params.get("message-timestamp")), part=_part(provider_id, params),
        )


def _part(provider_id: str, params: dict[str, str]) -> tuple[str, int, int] | None:
    """(concat-ref, concat-total, concat-part) of one part of a long text; None for a text in one piece."""
    if params.get("concat", "").strip().lower() != "true":
        return None
    ref = params.get("concat-ref", "").strip()
    try:
        total, number = int(params.get("concat-total", "")), int(params.get("concat-part", ""))
    except ValueError:
        raise BadHook(f"inbound SMS {provider_id}: a part without a numeric concat-total and concat-part") from None
    if not ref or not 1 <= number <= total <= 255:
        raise BadHook(f"inbound SMS {provider_id}: part {number} of {total} (concat-ref {ref!r}) cannot be")
    return (ref[:20], total, number) if total > 1 else None
