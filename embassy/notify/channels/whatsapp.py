"""WhatsApp through the configured HTTP provider (NOTIFY_WHATSAPP_URL, NOTIFY_WHATSAPP_TOKEN)."""

from __future__ import annotations

from embassy.notify.channels.provider import HttpProviderChannel


class WhatsAppChannel(HttpProviderChannel):
    name = "whatsapp"
