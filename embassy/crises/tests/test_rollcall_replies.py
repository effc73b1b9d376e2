"""Roll-call answers by reply to the SMS or WhatsApp question (crises.inbound, notify.inbox order 10): "1",
"AMAN", "SAFE" for safe, "2", "TOLONG", "HELP" for help (which opens an SOS as the link does); only for the
question sent to the sender's number on that channel; nothing in the text can answer for another person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from embassy.citizens.models import Citizen
from embassy.citizens.tests.factories import CitizenFactory, EmergencyContactFactory, StayFactory
from embassy.common.tests.factories import make_staff, verified
from embassy.crises.asking import rollcall_remind
from embassy.crises.inbound import question_to
from embassy.crises.models import Affected, Answer, Crisis
from embassy.crises.services import crisis_dismiss
from embassy.crises.tests.factories import rollcall_started
from embassy.missions.models import Role
from embassy.notify.models import Message
from embassy.sos.models import Case, Event
from embassy.sos.tests.texts import sink, text_in

pytestmark = pytest.mark.django_db
SITI, BUDI, STRANGER = "+60123456789", "+60198765432", "+60177777777"


@pytest.fixture(autouse=True)
def _channels(settings: Any, tmp_path: Any) -> None:
    sink(settings, tmp_path)
    settings.ROLLCALL_CHANNELS = ["push", "email", "sms", "whatsapp"]


def _person(name: str, phone: str) -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone)).citizen  # Kuala Lumpur


def _officer() -> Any:
    return verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.replies"))


def _row(crisis: Crisis, citizen: Citizen) -> Affected:
    return Affected.objects.get(crisis=crisis, citizen=citizen)


def test_a_reply_answers_the_question_sent_to_that_number() -> None:
    siti, budi = _person("Siti Aminah", SITI), _person("Budi Santoso", BUDI)
    crisis = rollcall_started(_officer())
    asked = Message.objects.get(kind="crisis.rollcall", address=SITI)
    assert asked.channel == "sms" and asked.topic == f"crisis:{crisis.pk}"
    assert asked.mission_id == _row(crisis, siti).mission_id

    row, new = text_in("Amán, terima kasih!", sender=SITI, vid="SM-reply-1")
    mine = _row(crisis, siti)
    assert new and (row.outcome, row.ref, row.user_id) == ("rollcall", f"crises.affected:{mine.pk}", None)
    assert (mine.answer, mine.answered_via) == ("safe", "sms")
    history = Answer.objects.get(affected=mine)
    assert (history.via, history.key, history.text) == ("sms", f"sms:{row.pk}", "Amán, terima kasih!")
    assert _row(crisis, budi).answer == ""
    # A retried webhook, then the same answer again: nothing new.
    assert not text_in("Amán, terima kasih!", sender=SITI, vid="SM-reply-1")[1]
    assert text_in("1", sender=SITI)[0].outcome == "rollcall"
    assert Answer.objects.filter(affected=mine).count() == 1

    # "2" with details: help, an SOS case for Budi as through the link; an officer's answer goes back by SMS.
    text_in("2 rumah kami roboh", sender=BUDI)
    helped = _row(crisis, budi)
    assert (helped.answer, helped.answered_via) == ("help", "sms") and helped.case_id is not None
    case = Case.objects.get(pk=helped.case_id)
    assert case.citizen_id == budi.pk and case.text == "rumah kami roboh" and case.routing_rule == "rollcall"
    raised = case.events.get(kind=Event.Kind.RAISED)
    assert raised.from_citizen and (raised.data["channel"], raised.data["from"]) == ("sms", BUDI)
    # A second "2" with more details goes on the case; "1" later: safe, the case stays for the officers.
    text_in("TOLONG air sudah setinggi dada", sender=BUDI)
    assert case.events.filter(kind=Event.Kind.DETAILS, text="air sudah setinggi dada").exists()
    text_in("SAFE", sender=BUDI)
    assert _row(crisis, budi).answer == "safe" and Case.objects.get(pk=case.pk).is_open


def test_a_reply_on_another_channel_or_from_a_number_never_asked_is_not_an_answer() -> None:
    siti = _person("Siti Aminah", SITI)
    crisis = rollcall_started(_officer())
    row, _new = text_in("1", sender=SITI, channel="whatsapp")  # asked by SMS, not on WhatsApp
    assert row.outcome != "rollcall" and _row(crisis, siti).answer == ""
    row, _new = text_in("1", sender=STRANGER)  # got no question: the next handlers see it
    assert row.outcome == "conversation" and not Affected.objects.filter(answer="safe").exists()
    row, _new = text_in("TOLONG", sender="+60166666666")  # never asked: an SOS
    assert row.outcome == "sos"


def test_no_reply_can_answer_for_someone_else() -> None:
    siti, budi = _person("Siti Aminah", SITI), _person("Budi Santoso", BUDI)
    crisis = rollcall_started(_officer())
    budis = _row(crisis, budi)
    for text in (f"1 untuk Budi Santoso {BUDI}", f"AMAN affected {budis.pk} crisis {crisis.pk}",
                 f"2 SOS-{budis.pk:06d} Budi", "SAFE: Budi Santoso is safe too"):
        assert text_in(text, sender=SITI)[0].outcome == "rollcall"
    assert _row(crisis, budi).answer == "" and not Answer.objects.filter(affected=budis).exists()
    assert not Case.objects.filter(citizen=budi).exists()
    assert Case.objects.filter(citizen=siti).count() == 1  # her own "2" opened her own case


def test_an_emergency_contact_answers_as_the_contact() -> None:
    citra = _person("Citra Dewi", SITI)
    EmergencyContactFactory.create(citizen=citra, name="Ibu Citra", phone="+6281234567890")
    crisis = rollcall_started(_officer())
    asked_at = _row(crisis, citra).asked_at
    assert asked_at is not None
    for minutes in (31, 121, 241):  # two reminders, then the contacts
        rollcall_remind(now=asked_at + dt.timedelta(minutes=minutes))
    contact = Message.objects.get(kind="crisis.contact", address="+6281234567890")
    assert contact.topic == f"crisis:{crisis.pk}"
    row, _new = text_in("2", sender="+6281234567890")
    mine = _row(crisis, citra)
    assert row.outcome == "rollcall" and row.user_id is None
    assert (mine.answer, mine.answered_via) == ("help", "contact")
    assert mine.case_id is not None
    case = Case.objects.get(pk=mine.case_id)
    assert case.routing_rule == "rollcall-contact"
    assert not case.events.filter(from_citizen=True).exists()  # not from the citizen: no reply goes to the contact


def test_a_closed_roll_call_takes_no_reply() -> None:
    siti = _person("Siti Aminah", SITI)
    officer = _officer()
    crisis = rollcall_started(officer)
    crisis_dismiss(actor=officer, crisis=crisis, reason="over")
    row, _new = text_in("1", sender=SITI)
    assert row.outcome != "rollcall" and _row(crisis, siti).answer == ""


def test_a_whatsapp_question_is_answered_on_whatsapp(settings: Any) -> None:
    settings.ROLLCALL_CHANNELS = ["whatsapp", "sms"]
    siti = _person("Siti Aminah", SITI)
    crisis = rollcall_started(_officer())
    asked = Message.objects.get(kind="crisis.rollcall", address=SITI)
    assert asked.channel == "whatsapp"
    assert asked.data["wa"]["name"] == "Siti Aminah" and asked.data["wa"]["crisis"] == "Banjir Kuala Lumpur"
    assert "/a/" in asked.data["wa"]["link"]  # the approved template's parameters
    assert text_in("1", sender=SITI)[0].outcome != "rollcall"  # by SMS: not the channel it was asked on
    row, _new = text_in("aman 🙏", sender=SITI, channel="whatsapp")
    mine = _row(crisis, siti)
    assert row.outcome == "rollcall" and (mine.answer, mine.answered_via) == ("safe", "whatsapp")


def test_the_question_is_found_through_the_outbox_index() -> None:
    """The lookup of the question sent to a number reads the outbox's (channel, address, dedupe key) index."""
    if connection.vendor != "sqlite":
        pytest.skip("this is SQLite's plan; PostgreSQL chooses by its statistics")
    with CaptureQueriesContext(connection) as ctx:
        assert question_to("sms", SITI) is None
    sql = ctx.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "notify_message_dedupe" in plan, plan
