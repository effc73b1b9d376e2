"""The sink takes each message once, as a provider with an Idempotency-Key does: a message sent again by another
worker process (its first worker was killed after writing and before storing the outcome) adds no second line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings

from embassy.notify.channels import sink as sink_module
from embassy.notify.channels.sink import SinkChannel
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db


def _message(n: int) -> Message:
    return Message.objects.create(channel="sms", address=f"+62812000000{n:02d}", body=f"Apakah Anda aman? ({n})",
                                  kind="crisis.rollcall")


def _lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in django_settings.NOTIFY_SINK_PATH.read_text().splitlines()]


def test_a_message_sent_twice_is_written_once_even_from_another_process() -> None:
    first, second = _message(1), _message(2)
    channel = SinkChannel()
    channel.open()
    assert channel.send(first).ok
    channel.close()
    sink_module._written.clear()  # what a fresh worker process knows: nothing, until it reads the ids file
    again = SinkChannel()
    again.open()
    assert again.send(first).ok  # "delivered": the outbox marks it sent, and nothing is written twice
    assert again.send(second).ok
    again.close()
    assert [row["id"] for row in _lines()] == [first.pk, second.pk]


def test_a_fresh_database_beside_an_old_sink_file_is_not_taken_for_the_old_one() -> None:
    message = _message(3)
    channel = SinkChannel()
    channel.open()
    assert channel.send(message).ok
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at.replace(year=2020))
    message.refresh_from_db()  # same id, another message (as after `make clean` kept the file)
    assert channel.send(message).ok
    channel.close()
    assert len(_lines()) == 2


def test_a_channel_not_opened_for_a_batch_still_writes_each_message_once() -> None:
    message = _message(4)
    channel = SinkChannel()  # open() not called: the files are opened per message
    assert channel.send(message).ok
    assert channel.send(message).ok
    assert [row["id"] for row in _lines()] == [message.pk]
