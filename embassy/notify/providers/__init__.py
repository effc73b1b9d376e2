"""Messaging providers ministries contract (Twilio, Infobip, Vonage, SMPP, the WhatsApp Business Cloud API,
and the generic JSON contract for custom adapters), both ways.

One module per vendor; each answers the `Vendor` protocol below and never touches the database: the notify
channels (outbound) and the webhook views / SMPP listener (inbound) do, through `embassy.notify.inbound` (and `embassy.notify.inbox` for receipts).

- `send(account, out)`: hand one message to the vendor; a `Result` (channels) whose provider_id is the
  vendor's message id, which later receipts name.
- `verify(account, hook)`: whether a webhook request really comes from the vendor (its documented signature:
  X-Twilio-Signature, X-Hub-Signature-256, a signed JWT, a shared secret…). False → 403 and nothing changes.
- `parse(account, hook)`: the delivery receipts and inbound messages a verified request carries; raises
  `BadHook` (→ 400) on a malformed body. Receipts use one vocabulary: sent, delivered, read, failed.
- `reply(account, hook, parsed)`: the answer the vendor expects (Twilio: an empty TwiML document).
- `challenge(account, hook)`: a subscription check sent with GET (WhatsApp's hub.challenge), else None.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl

from django.utils.module_loading import import_string

from embassy.notify.channels import Result

RECEIPT_STATUSES = ("sent", "delivered", "read", "failed")


class BadHook(ValueError):
    """A webhook body that cannot be read (malformed JSON or form, required fields missing)."""


@dataclass(frozen=True)
class Account:
    """One configured provider account (a row of notify.ProviderAccount, credentials decrypted)."""

    key: str  # stable slug: it names the account in webhook URLs (/hooks/notify/<key>/)
    vendor: str  # twilio | infobip | vonage | smpp | whatsapp | generic
    channel: str  # sms | whatsapp
    sender: str = ""  # default sender: a number, an alphanumeric sender id, WhatsApp's phone_number_id
    credentials: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)  # e.g. "base_url" (tests, regional hosts)

    def secret(self, name: str) -> str:
        return str(self.credentials.get(name, "") or "")

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass(frozen=True)
class Template:
    """A pre-approved WhatsApp template: its name, language code and body parameters in order."""

    name: str
    language: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outgoing:
    """One message as a vendor sends it."""

    message_id: int  # ours: the idempotency key where the vendor takes one (client reference, callback data)
    to: str  # E.164
    text: str  # the text (an SMS: exactly one segment, already fitted)
    sender: str  # the sender for this recipient's country
    kind: str = ""
    language: str = "id"
    template: Template | None = None  # WhatsApp: set when the message starts a conversation
    free_form: bool = True  # WhatsApp: inside the 24-hour window a person's message opened
    status_url: str = ""  # absolute URL of our receipt webhook for this account ("" = the vendor's console setting)


@dataclass(frozen=True)
class Receipt:
    provider_id: str  # the vendor's id of our outbound message
    status: str  # one of RECEIPT_STATUSES
    error: str = ""  # the vendor's reason for a failure (code and words)
    at: dt.datetime | None = None


@dataclass(frozen=True)
class Inbound:
    provider_id: str  # the vendor's id of the inbound message: a retried webhook carries the same one
    sender: str  # E.164 of the person who wrote
    to: str  # our number / sender id / phone_number_id it was sent to
    text: str
    at: dt.datetime | None = None
    # One part of a long text that the vendor delivers part by part (Vonage): (the sender's reference for the
    # text, how many parts, this part's number from 1). notify.inbound keeps the parts until the text is whole.
    part: tuple[str, int, int] | None = None


@dataclass(frozen=True)
class Parsed:
    receipts: list[Receipt] = field(default_factory=list)
    inbound: list[Inbound] = field(default_factory=list)


@dataclass(frozen=True)
class Hook:
    """A webhook request as the vendor sent it."""

    method: str
    url: str  # absolute, as the vendor called it (signatures cover it)
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def form(self) -> dict[str, str]:
        try:
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise BadHook("the form is not UTF-8") from exc

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadHook("the body is not JSON") from exc


@dataclass(frozen=True)
class Reply:
    status: int = 200
    content_type: str = "text/plain"
    body: bytes = b""


class Vendor(Protocol):
    name: str
    channels: tuple[str, ...]

    def send(self, account: Account, out: Outgoing) -> Result: ...

    def verify(self, account: Account, hook: Hook) -> bool: ...

    def parse(self, account: Account, hook: Hook) -> Parsed: ...

    def reply(self, account: Account, hook: Hook, parsed: Parsed) -> Reply: ...

    def challenge(self, account: Account, hook: Hook) -> Reply | None: ...


class BaseVendor:
    name = ""
    channels: tuple[str, ...] = ("sms",)

    def reply(self, account: Account, hook: Hook, parsed: Parsed) -> Reply:
        return Reply()

    def challenge(self, account: Account, hook: Hook) -> Reply | None:
        return None


_VENDORS = {
    "twilio": "embassy.notify.providers.twilio.TwilioVendor",
    "vonage": "embassy.notify.providers.vonage.VonageVendor",
    "infobip": "embassy.notify.providers.infobip.InfobipVendor",
    "whatsapp": "embassy.notify.providers.whatsapp.WhatsAppCloudVendor",
    "smpp": "embassy.notify.providers.smpp.SmppVendor",
    "generic": "embassy.notify.providers.generic.GenericVendor",
}


@functools.cache
def get_vendor(name: str) -> Vendor:
    """The vendor's implementation, one per process. Its module is imported on first use: each loads its SDK,
    which only the dispatching worker and the webhook views need."""
    return cast(Vendor, import_string(_VENDORS[name])())


def parse_time(value: Any) -> dt.datetime | None:
    """A vendor's timestamp (ISO 8601, or Unix seconds) as an aware datetime; None when absent or unreadable."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
        text = str(value).strip().replace("Z", "+00:00")
        when = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
