"""A generic JSON-over-HTTP messaging provider (SMS, WhatsApp): POST {"to": E.164, "text": ...} with
`Authorization: Bearer <token>` and an Idempotency-Key, so a provider that honours it never sends a retried
message twice. Without a configured provider, and with NOTIFY_DEV_SINK on (the default under DEBUG),
messages go to the development sink instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests

from embassy.common.sms import sms_fit
from embassy.notify import conf
from embassy.notify.channels import BaseChannel, Result, http_session, result_from_response
from embassy.notify.channels.sink import SinkChannel

if TYPE_CHECKING:
    from embassy.notify.models import Message


def provider_text(message: Message) -> str:
    """Subject, body and link on separate lines. An SMS row already holds its one-segment text (see
    notify.services); it is fitted again here for rows queued before that rule."""
    text = "\n".join(p for p in (message.subject.strip(), message.body.strip(), message.url) if p)
    return sms_fit(text)[0] if message.channel == "sms" else text


class HttpProviderChannel(BaseChannel):
    def __init__(self) -> None:
        self.concurrency = conf.concurrency()

    def configured(self) -> bool:
        return bool(conf.provider(self.name)[0])

    def available(self) -> bool:
        return self.configured() or conf.dev_sink()

    def send(self, message: Message) -> Result:
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
