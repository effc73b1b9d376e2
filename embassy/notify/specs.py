"""What a queued message is: its specification (MessageSpec) and the checks that turn one into the field values
of an outbox row (addresses, links, the one-segment SMS text, the fallback channels). Used by notify.services,
which stores them."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.common.sms import gsm_clean, septets, sms_fit, sms_link
from embassy.notify import conf
from embassy.notify.models import CHANNELS, Message, Priority

log = logging.getLogger(__name__)
MAX_BODY = 20_000
MAX_DATA_BYTES = 2_000
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class SmsTooLong(ValueError):
    """A message queued for SMS does not fit one GSM-7 segment: a bug in its text builder. Raised only with
    NOTIFY_SMS_STRICT (on in tests); otherwise the text is cut to fit and a warning logged."""


@dataclass(frozen=True)
class MessageSpec:
    """One message for notify_bulk: the fields of notify_address. `user_id` may stand in for `user`.
    `sms` is the text sent when the channel is "sms" (one GSM-7 segment, link included, see
    embassy.common.sms); without it an SMS is subject, body and url, cut to fit. `topic` groups messages for
    counts ("crisis:12"); `mission_id` is the mission it is sent for (provider routing, budgets). `then`: the
    channels to try in turn if it is not delivered within NOTIFY_RECEIPT_WAIT_MINUTES (notify.fallback), at the
    user's addresses, or at `then_to` (channel: address) for someone without an account."""

    channel: str
    address: str
    subject: str
    body: str
    url: str = ""
    priority: int = Priority.NORMAL
    kind: str = ""
    dedupe_key: str = ""
    data: dict[str, Any] | None = None
    user: User | None = None
    user_id: int | None = None
    sms: str = ""
    topic: str = ""
    mission_id: int | None = None
    then: tuple[str, ...] = ()
    then_to: dict[str, str] | None = None


# --- Validation ---------------------------------------------------------------------------------------------
def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise BadInput(_("Unknown notification channel."), field="channel")
    return channel


def check_priority(priority: int) -> int:
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 100:
        raise BadInput(_("Priority is a number from 0 (SOS) to 100."), field="priority")
    return int(priority)


def _check_url(url: str, *, field: str = "url") -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    relative = url.startswith("/") and not url.startswith("//")
    if len(url) > 500 or not (relative or (parts.scheme in ("http", "https") and parts.netloc)):
        raise BadInput(_("Enter a web address (https://… or a path starting with /)."), field=field)
    return url


def _check_address(channel: str, address: str, *, fast: bool = False) -> str:
    address = (address or "").strip()
    if not address:
        raise BadInput(_("An address is required."), field="address")
    if channel == "email":
        try:
            validate_email(address)
        except ValidationError as exc:
            raise BadInput(_("Enter a valid email address."), field="address") from exc
        local, _at, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"
    if channel in ("sms", "whatsapp"):
        if fast and _E164.match(address):
            return address
        return phone_normalise(address, field="address")
    if channel == "webhook":
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(address) > 500:
            raise BadInput(_("A webhook address is an http(s) URL."), field="address")
        return address
    if channel == "push" and not address.isdigit():
        raise BadInput(_("A push address is the id of a push subscription."), field="address")
    if len(address) > 500:
        raise BadInput(_("The address is too long."), field="address")
    return address


def _sms_text(spec: MessageSpec, subject: str, body: str, url: str) -> str:
    """What an SMS carries: the spec's own SMS text, else its subject, body and link; one GSM-7 segment."""
    link = sms_link(url) if url.startswith("/") else url
    raw = spec.sms or "\n".join(p for p in (subject, body, link) if p)
    text, cut = sms_fit(raw)
    if cut:
        size = septets(gsm_clean(raw)) or len(raw)
        if conf.sms_strict():
            raise SmsTooLong(f"SMS of kind {spec.kind!r} does not fit one GSM-7 segment ({size} septets > 160): "
                             f"{raw[:400]!r}")
        log.warning("notify: SMS of kind %r did not fit one segment (%s septets); cut to %r", spec.kind, size, text)
    return text


def message_values(spec: MessageSpec, *, fast: bool = False) -> dict[str, Any]:
    """The validated field values of a message. Raises BadInput on malformed input; an SMS that does not
    fit one segment is cut (SmsTooLong under NOTIFY_SMS_STRICT). An SMS row stores exactly the text sent."""
    channel = check_channel(spec.channel)
    subject = " ".join((spec.subject or "").split())[:300]
    body = (spec.body or "").strip()
    url = _check_url(spec.url)
    if channel == "sms" and (subject or body or spec.sms):
        subject, body, url = "", _sms_text(spec, subject, body, url), ""
    if not subject and not body:
        raise BadInput(_("Write a subject or a message."), field="body")
    if len(body) > MAX_BODY:
        raise BadInput(_("The message is too long."), field="body")
    data = dict(spec.data or {})
    then = [check_channel(c) for c in spec.then if c != channel]
    then_to = {c: _check_address(c, a, fast=fast) for c, a in (spec.then_to or {}).items() if c in then}
    if then and spec.user_id is None and spec.user is None and not then_to:
        raise BadInput(_("Only a message to a user can fall back to another channel."), field="then")
    if then:
        data["_then"] = then
        if then_to:
            data["_to"] = then_to
        if "sms" in then:
            data["_sms"] = _sms_text(spec, subject, body, url) if (subject or body or spec.sms) else ""
    try:
        encoded = json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise BadInput(_("Extra data must be JSON."), field="data") from exc
    if not isinstance(data, dict) or len(encoded) > MAX_DATA_BYTES:
        raise BadInput(_("Extra data must be a small JSON object."), field="data")
    if len(spec.kind or "") > 40 or len(spec.dedupe_key or "") > 200 or len(spec.topic or "") > 40:
        raise BadInput(_("Kind or de-duplication key too long."), field="kind")
    user_id = spec.user_id if spec.user_id is not None else getattr(spec.user, "pk", None)
    address = _check_address(channel, spec.address, fast=fast)
    return {
        "channel": channel, "address": address, "user_id": user_id, "subject": subject, "body": body,
        "url": url, "data": data, "kind": spec.kind or "", "priority": check_priority(spec.priority),
        "dedupe_key": spec.dedupe_key or "", "subscription_id": int(address) if channel == "push" else None,
        "topic": spec.topic or "", "mission_id": spec.mission_id,
        "fallback_at": timezone.now() + conf.receipt_wait(check_priority(spec.priority)) if then else None,
    }


def message_build(spec: MessageSpec) -> Message:
    """An unsaved, validated message."""
    return Message(**message_values(spec))
