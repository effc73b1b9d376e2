"""SMS and WhatsApp through the provider accounts a ministry contracts (notify.routing picks the account
for each message; embassy/notify/providers speak each vendor's API), else through the generic JSON contract
configured in settings (NOTIFY_SMS_URL / NOTIFY_WHATSAPP_URL: POST {"to": E.164, "text": ...} with
`Authorization: Bearer <token>` and an Idempotency-Key), else — with NOTIFY_DEV_SINK on (the default under
DEBUG) — the development sink.

`prepare` runs in the dispatcher's thread (it reads the accounts, the WhatsApp windows and the language of
each recipient); `send` runs in the thread pool and touches no database."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.utils import timezone

from embassy.accounts.models import User
from embassy.common.sms import sms_fit
from embassy.notify import conf, routing
from embassy.notify.channels import BaseChannel, Outcome, Result, http_session, result_from_response
from embassy.notify.channels.sink import SinkChannel
from embassy.notify.costs import calling_code_country
from embassy.notify.models import Inbound
from embassy.notify.providers import Account, Outgoing, Template, get_vendor

if TYPE_CHECKING:
    from embassy.notify.models import Message

log = logging.getLogger(__name__)
ACCOUNT_REFUSALS = (401, 402, 403)  # the account, not the message, was refused: the next account may take it


def provider_text(message: Message) -> str:
    """Subject, body and link on separate lines. An SMS row already holds its one-segment text (see
    notify.services); it is fitted again here for rows queued before that rule."""
    text = "\n".join(p for p in (message.subject.strip(), message.body.strip(), message.url) if p)
    return sms_fit(text)[0] if message.channel == "sms" else text


def whatsapp_template(message: Message, language: str) -> Template | None:
    """The approved template for this message's kind (NOTIFY_WHATSAPP_TEMPLATES), its parameters from the
    message's data["wa"] ("text": the message itself)."""
    spec = settings.NOTIFY_WHATSAPP_TEMPLATES.get(message.kind)
    if not spec:
        return None
    values: dict[str, Any] = dict((message.data or {}).get("wa") or {})
    text = " ".join(provider_text(message).split())
    params = tuple(str(values.get(name, text if name == "text" else "")) or "-" for name in spec.get("params", []))
    code = settings.NOTIFY_WHATSAPP_LANGUAGES.get(language, settings.NOTIFY_WHATSAPP_LANGUAGES.get("id", "id"))
    return Template(name=str(spec["name"]), language=code, params=params)


class ProviderChannel(BaseChannel):
    def __init__(self) -> None:
        self.concurrency = conf.concurrency()
        self._plan: dict[int, tuple[Account, Outgoing, bool]] = {}

    # --- Availability ------------------------------------------------------------------------------------
    def configured(self) -> bool:
        return routing.has_accounts(self.name) or bool(conf.provider(self.name)[0])

    def available(self) -> bool:
        return self.configured() or conf.dev_sink()

    # --- Planning (dispatcher thread) ----------------------------------------------------------------------
    def _windows(self, messages: Sequence[Message]) -> set[str]:
        """Addresses whose WhatsApp 24-hour window is open (they wrote to us recently)."""
        since = timezone.now() - dt.timedelta(hours=float(settings.NOTIFY_WHATSAPP_WINDOW_HOURS))
        addresses = list({m.address for m in messages})
        return set(Inbound.objects.filter(channel="whatsapp", sender__in=addresses, received_at__gte=since)
                   .values_list("sender", flat=True))

    def _languages(self, messages: Sequence[Message]) -> dict[int, str]:
        ids = {m.user_id for m in messages if m.user_id}
        found = dict(User.objects.filter(id__in=ids).values_list("id", "language")) if ids else {}
        return {m.pk: ((found.get(m.user_id) if m.user_id else None) or "id") for m in messages}

    def prepare(self, messages: Sequence[Message]) -> None:
        self._plan = {}
        if not routing.has_accounts(self.name):
            return
        open_windows = self._windows(messages) if self.name == "whatsapp" else set()
        languages = self._languages(messages) if self.name == "whatsapp" else {}
        for message in messages:
            found = routing.candidates(self.name, message.address, message.mission_id)
            if not found:
                continue
            index = (max(1, message.attempts) - 1) % len(found)
            route = found[index]
            sender = route.sender_for(calling_code_country(message.address))
            language = languages.get(message.pk, "id")
            out = Outgoing(
                message_id=message.pk, to=message.address, text=provider_text(message), sender=sender,
                kind=message.kind, language=language,
                template=whatsapp_template(message, language) if self.name == "whatsapp" else None,
                free_form=message.address in open_windows if self.name == "whatsapp" else True,
                status_url=routing.hook_url(route.account.key))
            self._plan[message.pk] = (route.account, out, index + 1 < len(found))

    # --- Sending (pool thread) --------------------------------------------------------------------------------
    def send(self, message: Message) -> Result:
        plan = self._plan.get(message.pk)
        if plan is not None:
            account, out, more = plan
            result = get_vendor(account.vendor).send(account, out)
            if result.outcome is Outcome.FAILED and more and result.status_code in ACCOUNT_REFUSALS:
                result = Result.retry(f"{account.key}: {result.error}", status_code=result.status_code)
            return replace(result, account=account.key)
        return self._send_generic(message)

    def _send_generic(self, message: Message) -> Result:
        url, token = conf.provider(self.name)
        if not url:
            if conf.dev_sink():
                return SinkChannel().send(message)
            return Result.failed(f"no {self.name} provider is configured")
        headers = {"Idempotency-Key": f"notify-{message.pk}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = http_session().post(
                url, json={"to": message.address, "text": provider_text(message)}, headers=headers,
                timeout=(min(5.0, conf.http_timeout()), conf.http_timeout()), allow_redirects=False,
            )
        except requests.RequestException as exc:
            return Result.retry(f"{self.name} provider unreachable: {exc!r}")
        return result_from_response(response)


HttpProviderChannel = ProviderChannel  # the name the SMS and WhatsApp channel modules import
