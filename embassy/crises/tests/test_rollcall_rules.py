"""The roll-call as a duty officer and a citizen expect it (issue 9, points 3 and 5): closing withdraws what is
still in the outbox; reminders never collapse after the worker was down; "help" from an emergency contact
says so; "I need help" joining an open SOS case alerts the officers again; one link's latest answer wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, TestCase

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.citizens.services import stay_register
from embassy.citizens.tests.factories import CitizenFactory, EmergencyContactFactory
from embassy.common.tests.factories import make_citizen_user, make_staff, verified
from embassy.crises.answers import rollcall_answer_link, rollcall_answer_staff
from embassy.crises.asking import rollcall_queue_asks, rollcall_remind
from embassy.crises.links import CONTACT, link_token
from embassy.crises.models import Affected, Answer, Crisis, CrisisEvent
from embassy.crises.rollcall import rollcall_start
from embassy.crises.services import crisis_declare, crisis_dismiss
from embassy.missions.models import Role
from embassy.notify.dispatch import dispatch_due
from embassy.notify.models import DeliveryAttempt, Message
from embassy.notify.tests.factories import MessageFactory
from embassy.sos.models import Case, Event
from embassy.sos.notices import cases_alert_new
from embassy.sos.services import sos_raise

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollcall_channels")]
KL = (3.14, 101.69)




def _person(name: str, phone: str, *, user: User | None = None) -> Citizen:
    citizen = Citizen.objects.get(user=user) if user is not None else CitizenFactory.create(full_name=name)
    citizen.full_name, citizen.phone = name, phone
    citizen.save(update_fields=["full_name", "phone"])
    stay_register(citizen=citizen, actor=None, lat=KL[0], lon=KL[1], start_date=dt.date(2026, 1, 1))
    return citizen


def _started(officer: Any) -> Crisis:
    crisis = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=KL[0], lon=KL[1],
                            radius_km=30)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    return crisis


def _officer(username: str) -> Any:
    return verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username=username))


def _row(crisis: Crisis, citizen: Citizen) -> Affected:
    return Affected.objects.get(crisis=crisis, citizen=citizen)


def test_closing_a_crisis_withdraws_its_roll_call_messages_still_in_the_outbox() -> None:
    officer = _officer("duty.close")
    people = [_person(f"Warga {i}", f"+6012345{i:04d}") for i in range(6)]
    crisis = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=KL[0], lon=KL[1],
                            radius_km=30)
    with TestCase.captureOnCommitCallbacks(execute=False):
        rollcall_start(actor=officer, crisis=crisis)
    assert rollcall_queue_asks(crisis.pk) == len(people)  # the worker queued them; the dispatcher has not run
    queued = Message.objects.filter(kind="crisis.rollcall", data__crisis=crisis.pk)
    assert queued.count() == len(people) and set(queued.values_list("status", flat=True)) == {"queued"}
    other = crisis_declare(actor=officer, title="Banjir Selangor", kind="flood", lat=3.07, lon=101.52, radius_km=5)
    unrelated = MessageFactory.create(channel="sms", address="+60123450099", body="x", kind="crisis.rollcall",
                               data={"crisis": other.pk, "affected": 0})

    crisis_dismiss(actor=officer, crisis=crisis, reason="water receded")
    assert set(queued.values_list("status", flat=True)) == {"dead"}
    assert all(m.startswith("withdrawn") for m in queued.values_list("last_error", flat=True))
    assert CrisisEvent.objects.get(crisis=crisis, kind="closed").data["withdrawn"] == len(people)
    while dispatch_due(limit=100):
        pass
    assert not DeliveryAttempt.objects.filter(message__in=queued).exists()  # none of them went out
    unrelated.refresh_from_db()
    assert unrelated.status == "sent"  # another crisis's message is not touched
    # Nothing new is queued for a closed crisis: no question, no reminder, no contact.
    assert rollcall_queue_asks(crisis.pk) == 0
    started = Crisis.objects.get(pk=crisis.pk).rollcall_started_at
    assert started is not None and rollcall_remind(now=started + dt.timedelta(hours=10)) == 0
    # The crisis room tells it.
    from embassy.common.tests.factories import staff_client

    room = staff_client(officer).get(f"/konsol/krisis/{crisis.pk}/").content.decode()
    assert str(len(people)) in room and ("withdrawn" in room or "ditarik" in room)


def test_a_long_first_pass_hands_over_to_a_fresh_task_and_reads_people_a_slice_at_a_time(
        settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A million people take longer than a queue lets one job run: after BATCH_JOB_MAX_SECONDS a run hands over
    (at least one batch each) and the next one goes on with those not asked yet. People are read READ_ROWS at a
    time, after the last id read: people no channel reaches are read once per run, not again and again."""
    from embassy.crises import asking
    from embassy.crises.tasks import rollcall_send

    settings.BATCH_JOB_ROWS, settings.BATCH_JOB_MAX_SECONDS = 2, 0
    monkeypatch.setattr(asking, "READ_ROWS", 3)
    officer = _officer("duty.handover")
    unreachable = [_person(f"Tanpa Nomor {i}", "") for i in range(2)]  # first by id: no channel reaches them
    people = [_person(f"Warga {i}", f"+6012345{i:04d}") for i in range(5)]
    crisis = crisis_declare(actor=officer, title="Gempa Kuala Lumpur", kind="earthquake", lat=KL[0], lon=KL[1],
                            radius_km=30)
    with TestCase.captureOnCommitCallbacks(execute=False):
        rollcall_start(actor=officer, crisis=crisis)
    handed: list[int] = []
    assert rollcall_queue_asks(crisis.pk, hand_over=handed.append) == 0  # one batch: the two nobody reaches
    assert handed == [_row(crisis, unreachable[1]).pk]  # the next run goes on after them
    assert not (Crisis.objects.get(pk=crisis.pk).data or {}).get("asked_everyone_at")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task: each run hands over to the next
        rollcall_send.enqueue(crisis.pk)
    asked = Message.objects.filter(kind="crisis.rollcall", data__crisis=crisis.pk)
    assert sorted(asked.values_list("address", flat=True)) == sorted(p.phone for p in people)
    assert Affected.objects.filter(crisis=crisis, citizen__in=unreachable, asked_at__isnull=True).count() == 2
    assert (Crisis.objects.get(pk=crisis.pk).data or {}).get("asked_everyone_at")


def test_after_the_worker_was_down_a_silent_person_gets_one_reminder_and_their_contacts_later() -> None:
    officer = _officer("duty.remind")
    silent = _person("Citra", "+60123456001")
    EmergencyContactFactory.create(citizen=silent, name="Ibu Citra", phone="+6281234567890")
    crisis = _started(officer)
    asked = _row(crisis, silent).asked_at
    assert asked is not None

    def sent(kind: str) -> list[Message]:
        return list(Message.objects.filter(kind=kind, data__crisis=crisis.pk).order_by("id"))

    # The worker was down from minute 10 to minute 300: both reminders and the contacts are overdue.
    assert rollcall_remind(now=asked + dt.timedelta(minutes=300)) == 1
    reminders = [m for m in sent("crisis.rollcall") if m.dedupe_key.rsplit(":", 1)[1] != "0"]
    assert len(reminders) == 1 and reminders[0].dedupe_key.endswith(":2")  # the one due now, not every round
    assert sent("crisis.contact") == []  # not in the same second
    assert rollcall_remind(now=asked + dt.timedelta(minutes=301)) == 0
    assert rollcall_remind(now=asked + dt.timedelta(minutes=419)) == 0  # the contacts wait their interval…
    assert rollcall_remind(now=asked + dt.timedelta(minutes=420)) == 1  # …after the reminder: 240 − 120 min
    assert len(sent("crisis.contact")) == 1 and len(sent("crisis.rollcall")) == 2
    assert rollcall_remind(now=asked + dt.timedelta(days=2)) == 0


def test_on_schedule_every_reminder_goes_then_the_contacts() -> None:
    officer = _officer("duty.schedule")
    silent = _person("Dewi", "+60123456002")
    EmergencyContactFactory.create(citizen=silent, name="Pak Dewi", phone="+6281234567891")
    crisis = _started(officer)
    asked = _row(crisis, silent).asked_at
    assert asked is not None
    counts = [rollcall_remind(now=asked + dt.timedelta(minutes=m)) for m in range(0, 300, 1)]
    assert sum(counts) == 3 and [m for m, c in enumerate(counts) if c] == [30, 120, 240]


def test_help_from_an_emergency_contact_opens_a_case_that_says_it_came_from_the_contact() -> None:
    officer = _officer("duty.contact")
    silent = _person("Eka", "+60123456003")
    crisis = _started(officer)
    row = _row(crisis, silent)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = rollcall_answer_link(crisis_id=crisis.pk, token=link_token(row.pk, crisis.pk, CONTACT), answer="help",
                                      text="Rumahnya roboh, dia tidak bisa dihubungi")
    assert result.case_id is not None
    case = Case.objects.get(pk=result.case_id)
    assert case.routing_rule == "rollcall-contact" and case.mission.code == "KBRI-KUALA-LUMPUR"
    assert "emergency contact" in case.text.lower() or "kontak darurat" in case.text.lower()
    assert "Rumahnya roboh" in case.text
    raised = case.events.get(kind=Event.Kind.RAISED)
    assert raised.from_citizen is False and raised.data["reported_by"] == "contact"
    assert raised.text == case.text  # the timeline says it too
    cases_alert_new()
    alert = Message.objects.get(kind="sos.new", data__case=case.pk, user=officer, channel="email")
    assert "Eka" in alert.subject and ("emergency contact" in alert.subject or "kontak darurat" in alert.subject)
    assert Affected.objects.get(pk=row.pk).answered_via == "contact"


def test_i_need_help_joining_an_open_sos_case_alerts_the_duty_officers_again_and_moves_the_console() -> None:
    officer = _officer("duty.join")
    user = make_citizen_user("fajar@example.com")
    fajar = _person("Fajar", "+60123456004", user=user)
    raised = sos_raise(user=user, key="press-0001", lat=KL[0], lon=KL[1])
    cases_alert_new()
    first_alerts = Message.objects.filter(kind="sos.new", data__case=raised.case.pk, user=officer).count()
    assert first_alerts >= 1
    before = Case.objects.get(pk=raised.case.pk).updated_at
    crisis = _started(officer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = rollcall_answer_staff(actor=officer, affected=_row(crisis, fajar), answer="help",
                                       note="Ditelepon: kakinya terluka")
    assert result.case_id == raised.case.pk  # joined, not a second case
    case = Case.objects.get(pk=raised.case.pk)
    assert case.updated_at > before and case.alerts == 2  # the console's cursor moved
    joined = case.events.get(kind=Event.Kind.JOINED)
    assert joined.data["via"] == "rollcall" and "kakinya terluka" in joined.text
    cases_alert_new()
    again = Message.objects.filter(kind="sos.new", data__case=case.pk, user=officer)
    assert again.count() == 2 * first_alerts  # told as for a new case
    assert Case.objects.filter(citizen=fajar).count() == 1


def test_one_link_the_latest_answer_wins_and_the_page_says_what_is_stored() -> None:
    """safe → help → safe through one link: stored "safe", each change kept, the SOS case opened by "help"
    stays (with the later "safe" on its timeline), and the page says so."""
    officer = _officer("duty.latest")
    gita = _person("Gita", "+60123456005")
    crisis = _started(officer)
    row = _row(crisis, gita)
    token = link_token(row.pk, crisis.pk)
    client = Client()
    url = f"/aman/{crisis.pk}/{token}/"
    assert b'data-testid="rollcall-done"' in client.post(url + "selamat/", {"answer": "safe"}).content
    client.post(url + "bantuan/", {"answer": "help"})
    case = Case.objects.get(citizen=gita)
    page = client.post(url + "selamat/", {"answer": "safe"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="rollcall-case-stays"' in html
    assert "already been received" not in html and "sudah diterima" not in html
    stored = Affected.objects.get(pk=row.pk)
    assert (stored.answer, stored.case_id) == ("safe", case.pk)
    assert list(Answer.objects.filter(affected=row).order_by("id").values_list("answer", flat=True)) == [
        "safe", "help", "safe"]
    assert case.events.filter(kind=Event.Kind.DETAILS, data__answer="safe").exists()
    assert Case.objects.get(pk=case.pk).status == Case.Status.NEW  # the officers decide when it is over
    # The same answer again is a replay: nothing changes, and the page says it was already received.
    replay = client.post(url + "selamat/", {"answer": "safe"})
    assert Answer.objects.filter(affected=row).count() == 3 and replay.status_code == 200
    # "Help" again after "safe": the open case is joined (the officers are told again).
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert rollcall_answer_link(crisis_id=crisis.pk, token=token, answer="help").case_id == case.pk
    assert Affected.objects.get(pk=row.pk).answer == "help" and Case.objects.get(pk=case.pk).alerts == 2
