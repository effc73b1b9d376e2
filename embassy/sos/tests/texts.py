"""Texts people send the mission, delivered the way every provider's webhook delivers them: through
notify.inbound.inbound_store (stored once per vendor id, opt-out words first, then the apps' handlers in order),
with the transaction's on-commit work run as on a server (the duty officers' SOS fan-out)."""

from __future__ import annotations

import itertools
from typing import Any

from django.test import TestCase

from embassy.notify.inbound import inbound_store
from embassy.notify.models import Inbound, ProviderAccount
from embassy.notify.providers import Account
from embassy.notify.providers import Inbound as InboundItem

_ids = itertools.count(1)
# What static/sos/panic.js smsBody writes, with the person's name before it, in English and Indonesian.
PREFILLED_KL = ("Siti Aminah: SOS! I need help. My position: 3.13900,101.68690 (+/-12 m) "
                "https://osm.org/?mlat=3.13900&mlon=101.68690")
PREFILLED_NO_POSITION = "SOS! Saya butuh bantuan. Posisi saya: posisi tidak diketahui"


def text_in(text: str, *, sender: str, channel: str = "sms", vid: str = "", account: str = "kl-sms",
            mission_ids: tuple[int, ...] = ()) -> tuple[Inbound, bool]:
    """One inbound message (`vid`: the vendor's id; the same one again is a provider's retry)."""
    if mission_ids or ProviderAccount.objects.filter(key=account).exists():  # the missions the account serves
        row, _new = ProviderAccount.objects.get_or_create(key=account, defaults={  # off: it sends nothing here
            "name": account, "vendor": "generic", "channel": channel, "enabled": False})
        row.missions.set(mission_ids)
    item = InboundItem(provider_id=vid or f"vid-{next(_ids)}", sender=sender, to="+60312345678", text=text)
    with TestCase.captureOnCommitCallbacks(execute=True):
        stored, new = inbound_store(Account(key=account, vendor="generic", channel=channel), item)
    stored.refresh_from_db()  # handled by the worker's task, which the tests' immediate backend ran already
    return stored, new


def sink(settings: Any, tmp_path: Any) -> None:
    """SMS and WhatsApp go to the development sink (no provider in these tests); strict one-segment SMS."""
    settings.NOTIFY_DEV_SINK = True
    settings.NOTIFY_SINK_PATH = tmp_path / "sink.jsonl"
    settings.NOTIFY_SMS_STRICT = True
