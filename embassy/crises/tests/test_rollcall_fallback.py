"""A roll-call question that is not delivered in time goes on the next channel (push → WhatsApp → SMS,
NOTIFY_FALLBACK_ORDER), to the person's phone, until they answer."""

from __future__ import annotations

from typing import Any

import pytest

from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.sms import fits
from embassy.common.tests.factories import make_staff, verified
from embassy.crises.models import Affected, Crisis
from embassy.crises.tests.factories import rollcall_started
from embassy.missions.models import Role
from embassy.notify.fallback import fallback_due
from embassy.notify.models import Message
from embassy.sos.tests.texts import sink, text_in

pytestmark = pytest.mark.django_db
SITI = "+60123456789"


@pytest.fixture(autouse=True)
def _channels(settings: Any, tmp_path: Any) -> None:
    sink(settings, tmp_path)
    settings.ROLLCALL_CHANNELS = ["email", "sms", "whatsapp"]
    settings.NOTIFY_FALLBACK_ORDER = ["push", "whatsapp", "sms"]


def _started() -> Crisis:
    return rollcall_started(verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER,
                                                username="duty.fallback")))


def _handed_over(message: Message) -> Message:
    """As the dispatcher leaves a message the provider took but never confirmed."""
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT, receipt="sent")
    message.refresh_from_db()
    return message


def test_an_undelivered_question_goes_to_whatsapp_then_sms_until_answered() -> None:
    siti = StayFactory.create(citizen=CitizenFactory.create(full_name="Siti Aminah", phone=SITI,
                                                            email="siti@example.com")).citizen
    crisis = _started()
    first = _handed_over(Message.objects.get(kind="crisis.rollcall", channel="email"))
    assert first.address == "siti@example.com" and first.fallback_at is not None
    assert first.data["_then"] == ["whatsapp", "sms"] and first.data["_to"] == {"whatsapp": SITI, "sms": SITI}
    assert fits(first.data["_sms"]) and "/a/" in first.data["wa"]["link"]

    assert fallback_due(now=first.fallback_at) == 1
    second = _handed_over(Message.objects.get(kind="crisis.rollcall", channel="whatsapp"))
    assert (second.address, second.topic, second.data["affected"]) == (SITI, f"crisis:{crisis.pk}",
                                                                       first.data["affected"])
    assert second.data["_then"] == ["sms"] and second.data["wa"] == first.data["wa"]
    assert fallback_due(now=first.fallback_at) == 0  # decided once

    # She answers on WhatsApp before the SMS would go: no SMS.
    assert text_in("AMAN", sender=SITI, channel="whatsapp")[0].outcome == "rollcall"
    assert Affected.objects.get(citizen=siti).answer == "safe"
    assert second.fallback_at is not None and fallback_due(now=second.fallback_at) == 0
    assert not Message.objects.filter(kind="crisis.rollcall", channel="sms").exists()
    assert Message.objects.get(pk=second.pk).fallback_at is None


def test_a_delivered_question_or_one_without_a_phone_does_not_fall_back() -> None:
    StayFactory.create(citizen=CitizenFactory.create(full_name="Siti Aminah", phone=SITI, email="siti@example.com"))
    StayFactory.create(citizen=CitizenFactory.create(full_name="Budi Santoso", phone="", email="budi@example.com"))
    _started()
    siti = Message.objects.get(kind="crisis.rollcall", address="siti@example.com")
    budi = Message.objects.get(kind="crisis.rollcall", address="budi@example.com")
    assert budi.fallback_at is None and "_then" not in budi.data  # no other way to reach him
    Message.objects.filter(pk=siti.pk).update(status=Message.Status.SENT, receipt="delivered")
    assert fallback_due(now=siti.fallback_at) == 0
    assert Message.objects.filter(kind="crisis.rollcall").count() == 2


def test_an_sms_question_has_nothing_after_it(settings: Any) -> None:
    settings.ROLLCALL_CHANNELS = ["sms", "whatsapp"]
    StayFactory.create(citizen=CitizenFactory.create(full_name="Siti Aminah", phone=SITI))
    _started()
    asked = Message.objects.get(kind="crisis.rollcall")
    assert asked.channel == "sms" and asked.fallback_at is None
