"""factory_boy factory for outbox messages written directly (the services write theirs through notify)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from embassy.notify.models import Message


class MessageFactory(DjangoModelFactory[Message]):
    """A queued outbox row; by default an SMS."""

    class Meta:
        model = Message

    channel = "sms"
    address = factory.Sequence(lambda n: f"+6012345{n:04d}")
    body = "x"
