"""An SOS by SMS or WhatsApp, and any other text people send the mission: through notify.inbox as every
provider's webhook delivers them (sos.inbound, handler orders 20 and 30)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.tests.factories import StayFactory
from embassy.common.sms import fits
from embassy.common.tests.factories import bearer, make_citizen_user, staff_client
from embassy.missions.contact import hotline_for
from embassy.missions.models import Mission
from embassy.notify.dispatch import dispatch_due
from embassy.notify.inbox import InboundText
from embassy.notify.models import Inbound, Message, OptOut, ProviderAccount
from embassy.notify.tests.test_providers_core import make_account, post_hook
from embassy.notify.tests.vendor_server import VendorServer
from embassy.sos import notices
from embassy.sos.inbound import sos_by_text, sos_prepare
from embassy.sos.models import SMS_SOURCE, Case, Category, Event, Priority
from embassy.sos.services import cases_escalate_overdue
from embassy.sos.tests.helpers import KL, _post
from embassy.sos.tests.texts import PREFILLED_KL, PREFILLED_NO_POSITION, sink, text_in

pytestmark = pytest.mark.django_db
SITI = "+60123456789"
STRANGER = "+60198765432"
SOS_KL = "SOS! Saya butuh bantuan. Posisi saya: 3.14000,101.69000 https://osm.org/?mlat=3.14000&mlon=101.69000"


@pytest.fixture(autouse=True)
def _sink(settings: Any, tmp_path: Any) -> None:
    sink(settings, tmp_path)


def _siti(*, language: str = "") -> Citizen:
    """A registered citizen with an account (`.user`), her phone on her record."""
    user = make_citizen_user("siti.sms@example.com")
    user.language = language
    user.save(update_fields=["language"])
    citizen = user.citizen
    citizen.full_name, citizen.phone = "Siti Aminah", SITI
    citizen.save(update_fields=["full_name", "phone"])
    return citizen


def _user(citizen: Citizen) -> User:
    assert citizen.user is not None
    return citizen.user


def _mission(code: str) -> Mission:
    return Mission.objects.get(code=code)


def test_the_prefilled_sms_from_a_registered_phone_is_an_sos_at_its_position_answered_once(kl_officer: Any) -> None:
    siti = _siti()
    row, new = text_in(PREFILLED_KL, sender=SITI, vid="SM1")
    assert new and (row.outcome, row.user_id) == ("sos", siti.user_id)
    case = Case.objects.get()
    assert row.ref == f"sos.case:{case.pk}"
    assert (case.citizen_id, case.user_id, case.mission.code) == (siti.pk, siti.user_id, "KBRI-KUALA-LUMPUR")
    assert (case.lat, case.lon, case.accuracy_m, case.location) == (3.139, 101.6869, 12.0, "known")
    assert case.priority == Priority.HIGH and case.category == "" and not case.unverified
    assert case.trail.count() == 1 and case.text == PREFILLED_KL
    raised = case.events.get(kind=Event.Kind.RAISED)
    assert raised.from_citizen and raised.data["channel"] == "sms" and raised.data["from"] == SITI
    # The duty officer is alerted as for any SOS; the sender gets one short answer, on SMS, at SOS priority.
    assert Message.objects.filter(user=kl_officer, kind="sos.new", priority=0).exists()
    ack = Message.objects.get(kind="sos.received")
    assert (ack.channel, ack.address, ack.priority, ack.mission_id) == ("sms", SITI, 0, case.mission_id)
    assert fits(ack.body) and case.reference in ack.body and ack.user_id == siti.user_id
    assert ack.data["wa"] == {"mission": "KBRI Kuala Lumpur", "ref": case.reference}  # the WhatsApp template's

    # The provider retries the webhook: nothing new.
    again, new = text_in(PREFILLED_KL, sender=SITI, vid="SM1")
    assert not new and again.pk == row.pk
    assert Case.objects.count() == 1 and Message.objects.filter(kind="sos.received").count() == 1
    # Another SOS from the same number while the case is open joins it, as a second press does.
    joined, _new = text_in("SOS tolong cepat, air naik https://maps.google.com/?q=3.1500,101.7000", sender=SITI)
    case.refresh_from_db()
    assert joined.outcome == "sos-joined" and Case.objects.count() == 1
    assert case.alerts == 2 and (case.lat, case.lon) == (3.15, 101.7)
    assert case.events.filter(kind=Event.Kind.JOINED, text__contains="air naik").count() == 1


def test_an_unknown_number_is_an_unverified_case_of_a_number_only_record(kl_officer: Any) -> None:
    kl = _mission("KBRI-KUALA-LUMPUR")
    row, _new = text_in("Budi: SOS! Saya butuh bantuan. Posisi saya: 3.14000,101.69000 "
                        "https://osm.org/?mlat=3.14000&mlon=101.69000", sender=STRANGER, mission_ids=(kl.pk,))
    case = Case.objects.select_related("citizen").get()
    assert row.outcome == "sos" and row.user_id is None
    assert case.unverified and case.user_id is None and case.mission_id == kl.pk
    record = case.citizen
    assert (record.full_name, record.phone, record.source, record.user_id) == ("", STRANGER, SMS_SOURCE, None)
    # Not a registered citizen: no stay, and the SOS position is not kept as a citizen's whereabouts.
    assert not Stay.objects.filter(citizen=record).exists()
    record.refresh_from_db()
    assert record.last_lat is None and Case.objects.get().alerted_at is not None
    # The queue, the case page and the API say so.
    web = staff_client(kl_officer)
    queue = web.get("/konsol/sos/").content.decode()
    assert 'data-testid="badge-unverified"' in queue and STRANGER in queue
    page = web.get(f"/konsol/sos/{case.pk}/").content.decode()
    assert 'data-testid="badge-unverified"' in page and 'data-testid="unverified-note"' in page
    listed = web.get("/api/v1/sos/cases").json()
    assert [(c["id"], c["unverified"]) for c in listed] == [(case.pk, True)]
    # The same number again: the same record, the case joined; a plain text is a message on it.
    text_in("TOLONG!!", sender=STRANGER)
    text_in("Saya di lantai 3", sender=STRANGER)
    assert Citizen.objects.filter(phone=STRANGER).count() == 1 and Case.objects.count() == 1
    assert Case.objects.get().alerts == 2
    assert case.events.filter(kind=Event.Kind.MESSAGE, text="Saya di lantai 3", from_citizen=True).exists()


def test_an_sos_without_position_goes_to_the_stay_else_the_account_else_the_numbers_country() -> None:
    siti = _siti()
    StayFactory.create(citizen=siti)  # Kuala Lumpur
    text_in(PREFILLED_NO_POSITION, sender=SITI)
    case = Case.objects.get(citizen=siti)
    assert (case.mission.code, case.routing_rule, case.location) == ("KBRI-KUALA-LUMPUR", "stay", "unknown")
    assert case.events.get(kind=Event.Kind.RAISED).data["location"] == "missing"

    singapore = _mission("KBRI-SINGAPORE")
    text_in("HELP", sender="+6591234567", mission_ids=(singapore.pk,))
    by_account = Case.objects.get(citizen__phone="+6591234567")
    assert (by_account.mission_id, by_account.routing_rule) == (singapore.pk, "inbound-account")

    text_in("sos", sender="+966501234567")  # an account serving every mission: the number's country
    by_number = Case.objects.get(citizen__phone="+966501234567")
    assert (by_number.mission.code, by_number.routing_rule) == ("KBRI-RIYADH", "phone-country")

    text_in("SOS 95.0,200.0 https://osm.org/?mlat=95.00000&mlon=200.00000", sender="+60123000111")
    impossible = Case.objects.get(citizen__phone="+60123000111")
    assert impossible.location == "unknown" and impossible.lat is None
    assert impossible.events.get(kind=Event.Kind.RAISED).data["location"] == "invalid"


def test_other_texts_in_any_script_start_a_conversation_that_is_no_sos(kl_officer: Any) -> None:
    kl = _mission("KBRI-KUALA-LUMPUR")
    arabic = "مرحبا، أحتاج إلى تجديد جواز السفر"
    row, _new = text_in(arabic, sender=STRANGER, mission_ids=(kl.pk,))
    case = Case.objects.get()
    assert row.outcome == "conversation" and row.ref == f"sos.case:{case.pk}"
    assert (case.category, case.priority, case.status, case.text) == (Category.MESSAGE, Priority.NORMAL, "new",
                                                                      arabic)
    assert case.conversation and case.unverified and case.alerted_at is not None
    # The duty officer hears of it at normal priority: no SOS alert, and it never escalates as one.
    assert Message.objects.filter(user=kl_officer, kind="sos.conversation", priority=50).exists()
    assert not Message.objects.filter(kind__startswith="sos.new").exists()
    assert cases_escalate_overdue(now=timezone.now() + dt.timedelta(days=1)) == 0
    # Emoji and Chinese on the same case; an endless text is cut to what the timeline keeps.
    text_in("🙏🙏 谢谢", sender=STRANGER)
    text_in("x" * 9000, sender=STRANGER)
    assert Case.objects.count() == 1
    texts = list(case.events.filter(kind=Event.Kind.MESSAGE).order_by("id").values_list("text", flat=True))
    assert texts[:2] == [arabic, "🙏🙏 谢谢"] and len(texts[2]) == 4000
    assert all(len(t) <= 5000 for t in Inbound.objects.values_list("text", flat=True))


def test_empty_texts_start_nothing_and_stop_is_left_to_notify() -> None:
    row, _new = text_in("", sender=STRANGER)
    assert row.outcome == "ignored" and not Case.objects.exists() and not Citizen.objects.exists()
    text_in("SOS", sender=STRANGER)
    row, _new = text_in("   ", sender=STRANGER)  # an empty text on an open case: someone tried to write
    case = Case.objects.get()
    assert row.outcome == "case-message"
    assert case.events.filter(kind=Event.Kind.MESSAGE, data__empty=True).count() == 1
    # The opt-out word is notify's (before any handler): nothing lands on the case.
    before = case.events.count()
    row, _new = text_in("STOP", sender=STRANGER)
    assert row.outcome == "opt-out" and OptOut.objects.filter(address=STRANGER, channel="sms").exists()
    assert case.events.count() == before


def test_a_sender_that_is_no_phone_number_is_left_unhandled() -> None:
    row, _new = text_in("SOS promo", sender="INFO-BANK")
    assert row.outcome == "unhandled" and not Case.objects.exists() and not Citizen.objects.exists()


def test_the_officers_answer_goes_back_on_the_channel_the_person_wrote_on(kl_officer: Any) -> None:
    kl = _mission("KBRI-KUALA-LUMPUR")
    text_in("Selamat siang, paspor saya hilang", sender=STRANGER, mission_ids=(kl.pk,))
    case = Case.objects.get()
    web = staff_client(kl_officer)
    page = web.get(f"/konsol/sos/{case.pk}/").content.decode()
    assert STRANGER in page and 'name="text"' in page
    long = "Silakan datang ke KBRI besok pukul 09.00 dengan membawa fotokopi paspor, KTP dan surat laporan " \
           "kehilangan dari polisi setempat. Jika ada pertanyaan, balas pesan ini."
    assert web.post(f"/konsol/sos/{case.pk}/message/", {"text": long}).status_code in (200, 302)
    reply = Message.objects.get(kind="sos.message", channel="sms")
    assert (reply.channel, reply.address) == ("sms", STRANGER) and fits(reply.body)
    assert reply.body.startswith("KBRI Kuala Lumpur: Silakan datang")

    # On WhatsApp the whole text goes back (the person's message opened the 24-hour window).
    text_in("Halo", sender="+60122222222", channel="whatsapp", mission_ids=(kl.pk,))
    other = Case.objects.get(citizen__phone="+60122222222")
    web.post(f"/konsol/sos/{other.pk}/message/", {"text": long})
    wa = Message.objects.get(kind="sos.message", channel="whatsapp")
    assert wa.address == "+60122222222" and wa.body == long


def test_a_citizens_text_on_an_acknowledged_case_is_marked_unread(client: Client, kl_officer: Any) -> None:
    siti = _siti()
    pressed = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "app-press-1", **KL}, bearer(_user(siti)))
    case = Case.objects.get(pk=pressed.json()["id"])
    staff_client(kl_officer).post(f"/konsol/sos/{case.pk}/acknowledge/")
    case.refresh_from_db()
    assert case.status == "acknowledged" and case.unread_at is None
    row, _new = text_in("Saya sudah di rumah sakit", sender=SITI)
    case.refresh_from_db()
    assert row.outcome == "case-message" and case.unread_at is not None
    message = case.events.get(kind=Event.Kind.MESSAGE)
    assert message.from_citizen and message.public and message.actor_id == siti.user_id


def test_an_sos_from_someone_in_a_conversation_makes_it_an_sos(client: Client, kl_officer: Any) -> None:
    siti = _siti()
    text_in("Kapan kantor buka?", sender=SITI)
    case = Case.objects.get()
    assert case.conversation and not Message.objects.filter(kind="sos.new").exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "app-press-2", **KL}, bearer(_user(siti)))
    assert r.json()["joined"] and r.json()["id"] == case.pk
    case.refresh_from_db()
    assert (case.category, case.priority) == ("", Priority.HIGH) and not case.conversation
    assert Message.objects.filter(user=kl_officer, kind="sos.new").exists()


def test_the_ack_is_in_english_only_for_an_english_account() -> None:
    siti = _siti(language="en")
    text_in("SOS", sender=SITI)
    assert notices.citizen_language(Case.objects.select_related("user").get(citizen=siti)) == "en"
    text_in("SOS", sender=STRANGER)
    assert notices.citizen_language(Case.objects.select_related("user").get(citizen__phone=STRANGER)) == "id"


def test_the_sms_button_offers_the_missions_inbound_number(client: Client) -> None:
    siti = _siti()
    StayFactory.create(citizen=siti)
    client.force_login(_user(siti))
    page = client.get("/sos/").content.decode()
    hotline = hotline_for(_mission("KBRI-KUALA-LUMPUR")).number
    assert f'href="sms:{hotline}"' in page  # no SMS provider: the hotline, as before
    account = ProviderAccount.objects.create(key="kl-sms", name="KL SMS", vendor="generic", channel="sms",
                                             inbound_number="+60312345678")
    account.missions.set([_mission("KBRI-KUALA-LUMPUR")])
    page = client.get("/sos/").content.decode()
    assert 'href="sms:+60312345678"' in page and 'data-sms-number="+60312345678"' in page
    assert f'href="tel:{hotline}"' in page  # calls still go to the hotline
    account.missions.set([_mission("KBRI-SINGAPORE")])  # another mission's number is not offered
    assert 'href="sms:+60312345678"' not in client.get("/sos/").content.decode()


def test_a_shared_phone_joins_the_record_with_the_open_case() -> None:
    """A family phone: the SOS goes to the one of them whose case is open, else to the one with an account."""
    siti = _siti()
    child = Citizen.objects.create(full_name="Anak Siti", phone=SITI, source="mission")
    text_in("SOS", sender=SITI)
    assert Case.objects.get().citizen_id == siti.pk  # the one with an account
    Case.objects.update(status="resolved")
    Case.objects.create(citizen=child, mission=_mission("KBRI-KUALA-LUMPUR"), raised_at=timezone.now(),
                        waiting_since=timezone.now(), updated_at=timezone.now())
    row, _new = text_in("Kami di masjid", sender=SITI)
    assert row.outcome == "case-message" and Case.objects.get(citizen=child).events.filter(
        text="Kami di masjid").exists()


def test_through_the_providers_webhook_retries_and_forgeries_make_one_case(kl_officer: Any) -> None:
    """End to end through a generic provider account of KBRI Kuala Lumpur: its signed webhook, retried three
    times, makes one case at the account's mission (the text has no position and the number no record); a
    forged call changes nothing; the acknowledgement goes out through the same account to the vendor."""
    with VendorServer() as vendor:
        vendor.on("POST", "/send", 200, {"id": "ack-1", "status": "accepted"})
        make_account("kl-sms", vendor.url, missions=[_mission("KBRI-KUALA-LUMPUR")], inbound_number="+60312345678")
        payload = {"inbound": [{"id": "in-sos-1", "from": "60198765432", "to": "+60312345678",
                                "text": PREFILLED_NO_POSITION}]}
        for _ in range(3):
            assert post_hook("kl-sms", payload).status_code == 200
        assert post_hook("kl-sms", {"inbound": [{"id": "in-sos-2", "from": "60198765432", "text": "SOS"}]},
                         secret="forged").status_code == 403
        case = Case.objects.select_related("citizen").get()
        assert (case.mission.code, case.routing_rule, case.unverified) == ("KBRI-KUALA-LUMPUR", "inbound-account",
                                                                           True)
        assert Inbound.objects.get().outcome == "sos"
        while dispatch_due():
            pass
        sent = [r.json() for r in vendor.requests if r.route == "/send"]
        assert [r["to"] for r in sent] == [STRANGER] and case.reference in sent[0]["text"]


# --- An SOS by text reads who and where before its write transaction (sos_prepare), so that the write lock holds
# only the writes. What it read may have changed by the time it writes: it must still be right.
def _stranger_text(inbound_id: int) -> InboundText:
    return InboundText(id=inbound_id, channel="sms", sender=STRANGER, to="+60312345678", text=SOS_KL,
                       at=timezone.now(), account="kl-sms", mission_ids=(_mission("KBRI-KUALA-LUMPUR").pk,))


def _handled(text: InboundText, plan: Any) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return sos_by_text(replace(text, plans={"sos.sms": plan}))


def test_a_case_closed_after_the_read_is_not_joined_a_new_one_opens() -> None:
    text_in(SOS_KL, sender=STRANGER)
    first = Case.objects.get()
    plan = sos_prepare(_stranger_text(0))
    assert plan is not None and [h.open_case_id for h in plan.found] == [first.pk]
    Case.objects.filter(pk=first.pk).update(status=Case.Status.RESOLVED, resolved_at=timezone.now())

    outcome = _handled(_stranger_text(9001), plan)
    second = Case.objects.exclude(pk=first.pk).get()
    assert outcome.name == "sos" and outcome.ref == f"sos.case:{second.pk}" and second.is_open
    assert Case.objects.get(pk=first.pk).alerts == 1  # the closed case untouched
    [ack] = outcome.replies  # queued by notify.inbox with its batch's answers
    assert ack.dedupe_key == "sos-received:9001" and second.reference in ack.body


def test_a_record_made_after_the_read_is_used_not_made_twice() -> None:
    plan = sos_prepare(_stranger_text(0))
    assert plan is not None and plan.found == []  # nobody has this number yet
    text_in(SOS_KL, sender=STRANGER)  # meanwhile, another text from the number makes its record and a case

    outcome = _handled(_stranger_text(9002), plan)
    assert outcome.name == "sos-joined" and Citizen.objects.filter(phone=STRANGER).count() == 1
    assert Case.objects.get().alerts == 2
