from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from embassy.notify.models import Message
from embassy.notify.selectors import mask_address


class VapidKeyOut(Schema):
    public_key: str = Field(..., description="applicationServerKey for pushManager.subscribe (URL-safe base64)")


class PushKeysIn(Schema):
    p256dh: str = Field(..., max_length=200)
    auth: str = Field(..., max_length=100)


class PushSubscriptionIn(Schema):
    """The browser's PushSubscription.toJSON()."""

    endpoint: str = Field(..., max_length=1000)
    keys: PushKeysIn
    expirationTime: int | float | None = None  # the browser's name


class PushEndpointIn(Schema):
    endpoint: str = Field(..., max_length=1000)


class PushSubscriptionOut(Schema):
    id: int
    endpoint: str
    created_at: dt.datetime


class MessageOut(Schema):
    id: int
    channel: str
    address: str = Field(..., description="masked")
    kind: str
    priority: int
    status: str
    attempts: int
    subject: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str

    @staticmethod
    def resolve_address(obj: Message) -> str:
        return mask_address(obj.channel, obj.address)

    @staticmethod
    def resolve_next_attempt_at(obj: Message) -> dt.datetime | None:
        active = obj.status in ("queued", "sending")
        return obj.next_attempt_at if active else None
