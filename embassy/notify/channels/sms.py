"""SMS through the configured HTTP provider (NOTIFY_SMS_URL, NOTIFY_SMS_TOKEN)."""

from __future__ import annotations

from embassy.notify.channels.provider import HttpProviderChannel


class SmsChannel(HttpProviderChannel):
    name = "sms"
