"""An SOS by text reads who and where before its write transaction (sos.inbound.sos_prepare, so that the write
lock holds only the writes). What it read may have changed by the time it writes: it must still be right."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone

from embassy.citizens.models import Citizen
from embassy.missions.models import Mission
from embassy.notify.inbox import InboundText
from embassy.notify.models import Message
from embassy.sos.inbound import sos_by_text, sos_prepare
from embassy.sos.models import Case
from embassy.sos.tests.texts import sink, text_in

pytestmark = pytest.mark.django_db
STRANGER = "+60198765432"
SOS = "SOS! Saya butuh bantuan. Posisi saya: 3.14000,101.69000 https://osm.org/?mlat=3.14000&mlon=101.69000"


@pytest.fixture(autouse=True)
def _sink(settings: Any, tmp_path: Any) -> None:
    sink(settings, tmp_path)


def _text(inbound_id: int) -> InboundText:
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    return InboundText(id=inbound_id, channel="sms", sender=STRANGER, to="+60312345678", text=SOS,
                       at=timezone.now(), account="kl-sms", mission_ids=(kl.pk,))


def _handled(text: InboundText, plan: Any) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return sos_by_text(replace(text, plans={"sos.sms": plan}))


def test_a_case_closed_after_the_read_is_not_joined_a_new_one_opens() -> None:
    text_in(SOS, sender=STRANGER)
    first = Case.objects.get()
    plan = sos_prepare(_text(0))
    assert plan is not None and [h.open_case_id for h in plan.found] == [first.pk]
    Case.objects.filter(pk=first.pk).update(status=Case.Status.RESOLVED, resolved_at=timezone.now())

    outcome = _handled(_text(9001), plan)
    second = Case.objects.exclude(pk=first.pk).get()
    assert outcome.name == "sos" and outcome.ref == f"sos.case:{second.pk}" and second.is_open
    assert Case.objects.get(pk=first.pk).alerts == 1  # the closed case untouched
    ack = Message.objects.get(dedupe_key="sos-received:9001")
    assert second.reference in ack.body


def test_a_record_made_after_the_read_is_used_not_made_twice() -> None:
    plan = sos_prepare(_text(0))
    assert plan is not None and plan.found == []  # nobody has this number yet
    text_in(SOS, sender=STRANGER)  # meanwhile, another text from the number makes its record and a case

    outcome = _handled(_text(9002), plan)
    assert outcome.name == "sos-joined" and Citizen.objects.filter(phone=STRANGER).count() == 1
    assert Case.objects.get().alerts == 2
