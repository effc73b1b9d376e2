"""The roll-call by SMS: one GSM-7 segment with a short signed link (/a/<code>) that opens the same question
and keeps the long link's rules (replays, expiry, a closed crisis, another crisis); the emergency contact's
SMS; the confirmation dialog and the API show, per channel, messages, segments per SMS and the cost."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Any

import gsm0338  # noqa: F401  (registers the codec the checks encode with)
import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from embassy.citizens.models import Citizen
from embassy.citizens.tests.factories import CitizenFactory, EmergencyContactFactory, StayFactory
from embassy.common.shortlinks import short_sign
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client, verified
from embassy.crises.asking import rollcall_remind
from embassy.crises.links import SALT
from embassy.crises.models import Affected, Answer, Crisis
from embassy.crises.rollcall import rollcall_start
from embassy.crises.services import crisis_declare, crisis_dismiss
from embassy.missions.models import Role
from embassy.notify.models import Message, PushSubscription

pytestmark = pytest.mark.django_db
TITLE = "Gempa bumi M 7,8 — Kahramanmaraş dan sekitarnya, Türkiye selatan (peringatan tsunami dicabut)"
SHORT = re.compile(r"https://sms\.example\.id/a/([0-9A-Za-z]+)")


@pytest.fixture(autouse=True)
def _sms(settings: Any, tmp_path: Any) -> None:
    settings.NOTIFY_DEV_SINK = True  # SMS without a provider go to the sink
    settings.NOTIFY_SINK_PATH = tmp_path / "sink.jsonl"
    settings.ROLLCALL_CHANNELS = ["push", "email", "sms", "whatsapp"]
    settings.SMS_LINK_BASE = "https://sms.example.id"


def _person(name: str, *, phone: str = "", email: str = "", lat: float = 3.14, lon: float = 101.69) -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone, email=email), lat=lat, lon=lon).citizen


def _officer() -> Any:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.sms")
    verified(officer)
    return officer


def _started(officer: Any, title: str = TITLE) -> Crisis:
    crisis = crisis_declare(actor=officer, title=title, kind="earthquake", lat=3.14, lon=101.69, radius_km=30)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    return crisis


def _one_segment(text: str) -> None:
    assert len(text.encode("gsm03.38")) <= 160, (len(text), text)  # strict: no UCS-2 character either


def test_the_question_by_sms_is_one_segment_with_a_short_link_that_answers(client: Client) -> None:
    siti = _person("Siti Aminah", phone="+60123456789")
    ayu = _person("Ayu Lestari", email="ayu@example.org")
    crisis = _started(_officer())
    sms = Message.objects.get(kind="crisis.rollcall", channel="sms")
    _one_segment(sms.body)  # it was 645 characters of UCS-2: about 10 segments
    assert sms.body.startswith("Indonesian mission: are you safe? Gempa bumi M 7,8 - Kahramanmaras") or \
        sms.body.startswith("Perwakilan RI: apakah Anda selamat? Gempa bumi M 7,8 - Kahramanmaras")
    code = SHORT.search(sms.body).group(1)  # type: ignore[union-attr]
    email = Message.objects.get(kind="crisis.rollcall", channel="email")  # e-mail keeps the long text
    assert "/aman/" in email.body and "selamat/" in email.body and TITLE in email.subject

    page = client.get(f"/a/{code}")
    assert page.status_code == 200 and b'data-testid="answer-safe"' in page.content
    assert b'data-testid="answer-help"' in page.content and not Answer.objects.exists()  # opening records nothing
    done = client.post(f"/a/{code}", {"answer": "safe"})
    assert done.status_code == 200 and b'data-testid="rollcall-done"' in done.content
    client.post(f"/a/{code}", {"answer": "safe"})  # a replay
    row = Affected.objects.get(crisis=crisis, citizen=siti)
    assert (row.answer, row.answered_via) == ("safe", "link") and Answer.objects.filter(affected=row).count() == 1
    assert Affected.objects.get(crisis=crisis, citizen=ayu).answer == ""
    # The API takes the short code as the token too, for this crisis only.
    api = client.post("/api/v1/rollcall/answer", json.dumps({"crisis": crisis.pk, "token": code, "answer": "safe"}),
                      content_type="application/json")
    assert api.status_code == 200
    other = client.post("/api/v1/rollcall/answer", json.dumps({"crisis": crisis.pk + 1, "token": code,
                                                               "answer": "safe"}), content_type="application/json")
    assert other.status_code == 403


def test_a_short_link_cannot_be_guessed_altered_or_used_after_it_expires(client: Client, settings: Any) -> None:
    _person("Siti Aminah", phone="+60123456789")
    crisis = _started(_officer())
    code = SHORT.search(Message.objects.get(kind="crisis.rollcall").body).group(1)  # type: ignore[union-attr]
    row_id = Affected.objects.get(crisis=crisis).pk
    altered = code[:2] + ("x" if code[2] != "x" else "y") + code[3:]
    for bad in (altered, code[:-1], "p" + "0" * 24, code + "0"):
        page = client.get(f"/a/{bad}")
        assert page.status_code == 403 and b'data-testid="rollcall-refused"' in page.content, bad
    assert client.post(f"/a/{altered}", {"answer": "help"}).status_code == 403
    old = short_sign(kind="p", value=row_id, salt=SALT, now=time.time() - 15 * 24 * 3600)
    assert client.get(f"/a/{old}").status_code == 410  # ROLLCALL_LINK_MAX_AGE: 14 days
    settings.ROLLCALL_LINK_MAX_AGE = 20 * 24 * 3600
    assert client.get(f"/a/{old}").status_code == 200
    crisis_dismiss(actor=_officer_again(), crisis=crisis, reason="over")
    closed = client.post(f"/a/{code}", {"answer": "safe"})
    assert closed.status_code == 410 and not Answer.objects.exists()


def _officer_again() -> Any:
    from embassy.accounts.models import User

    officer = User.objects.get(username="duty.sms")
    verified(officer)
    return officer


def test_reminders_and_the_emergency_contact_get_one_segment_too(client: Client) -> None:
    citra = _person("Citra Dewi Anggraini binti Mohammad Yusuf", phone="+60123450001")
    EmergencyContactFactory.create(citizen=citra, name="Ibu Citra", phone="+6281234567890")
    crisis = _started(_officer())
    asked = Affected.objects.get(crisis=crisis).asked_at
    assert asked is not None
    now = asked
    while not Message.objects.filter(kind="crisis.contact").exists() and now < asked + dt.timedelta(days=1):
        now += dt.timedelta(minutes=10)
        rollcall_remind(now=now)
    reminders = Message.objects.filter(kind="crisis.rollcall", channel="sms").exclude(dedupe_key__endswith=":0")
    assert reminders.exists()
    for message in reminders:
        _one_segment(message.body)
        assert "Reminder" in message.body or "Pengingat" in message.body
    contact = Message.objects.get(kind="crisis.contact", channel="sms")
    _one_segment(contact.body)
    assert "Citra Dewi Anggraini" in contact.body
    code = SHORT.search(contact.body).group(1)  # type: ignore[union-attr]
    page = client.get(f"/a/{code}")
    assert page.status_code == 200 and b'data-testid="answer-safe"' in page.content
    assert b"Is your family member safe?" in page.content or b"Apakah anggota keluarga Anda selamat?" in page.content
    client.post(f"/a/{code}", {"answer": "safe"})
    row = Affected.objects.get(crisis=crisis)
    assert (row.answer, row.answered_via) == ("safe", "contact")
    assert row.answered_at is not None and row.answered_at <= timezone.now()


# --- Before starting: messages, segments and cost per channel ----------------------------------------------
def _kl_people() -> None:
    _person("Siti Aminah", phone="+60123456789")  # SMS, Malaysian number
    _person("Budi Santoso", phone="+6281234567890")  # SMS, Indonesian number
    _person("Dewi Sartika", phone="+6281234567891")  # SMS, Indonesian number
    _person("Ayu Lestari", phone="+60123450002", email="ayu@example.org")  # e-mail comes first
    _person("Rina Penang", phone="+60123450003", lat=5.41, lon=100.33)  # outside the zone


def _preview_officer(username: str) -> Any:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username=username)
    verified(officer)
    return officer


def _dialog(officer: Any, crisis: Crisis) -> str:
    page = staff_client(officer).get(reverse("console:crisis", args=[crisis.pk])).content.decode()
    box = re.search(r'<dialog id="dlg-rollcall".*?</dialog>', page, re.S)
    assert box is not None, page
    return " ".join(box.group(0).split())


def _row(dialog: str, channel: str) -> list[str]:
    row = re.search(rf'<tr data-channel="{channel}"[^>]*>(.*?)</tr>', dialog)
    assert row is not None, dialog
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1))]


def test_the_confirmation_shows_messages_segments_and_cost_per_channel(settings: Any) -> None:
    settings.NOTIFY_SMS_PRICES = {"default": "0.05", "ID": "0.0125"}  # the older setting still prices SMS
    settings.NOTIFY_SMS_CURRENCY = "EUR"
    _kl_people()
    officer = _preview_officer("duty.cost")
    crisis = crisis_declare(actor=officer, title=TITLE, kind="earthquake", lat=3.14, lon=101.69, radius_km=30)
    del officer.is_verified
    dialog = _dialog(officer, crisis)
    # 2 Indonesian numbers × 0.0125 + 1 Malaysian number × 0.05 (the default), one segment each; e-mail is free.
    assert _row(dialog, "sms") in (["SMS", "3", "3 (1 segment each)", "0.08 EUR"],
                                   ["SMS", "3", "3 (masing-masing 1 segmen)", "0,08 EUR"])
    assert _row(dialog, "email")[1:3] == ["1", "—"] and _row(dialog, "email")[3] in ("free", "gratis")
    assert 'data-channel="push"' not in dialog  # nobody has a device subscribed

    api = Client().get(f"/api/v1/crises/{crisis.pk}/rollcall/preview", headers=bearer(officer))
    assert api.status_code == 200
    body = api.json()
    # the SMS row at the top level, as the first version of the answer had it
    assert (body["segments"], body["recipients"], body["by_country"]) == (1, 3, {"ID": 2, "MY": 1})
    assert body["cost"] == "0.0750" and body["currency"] == "EUR" and body["unpriced"] == []
    assert (body["people"], body["unreachable"], body["total_cost"]) == (4, 0, "0.0750")
    assert [(c["channel"], c["people"], c["messages"], c["segments"], c["total_segments"], c["cost"])
            for c in body["channels"]] == [("email", 1, 1, None, None, "0"), ("sms", 3, 3, 1, 3, "0.0750")]


def test_without_a_price_the_confirmation_says_no_estimate_and_for_which_countries(settings: Any) -> None:
    settings.NOTIFY_PRICES = {"sms": {"ID": "0.0125"}}
    _kl_people()
    officer = _preview_officer("duty.noprice")
    crisis = crisis_declare(actor=officer, title="Banjir", kind="flood", lat=3.14, lon=101.69, radius_km=30)
    del officer.is_verified
    body = Client().get(f"/api/v1/crises/{crisis.pk}/rollcall/preview", headers=bearer(officer)).json()
    assert body["cost"] is None and body["unpriced"] == ["MY"] and body["total_cost"] is None
    dialog = _dialog(officer, crisis)
    assert _row(dialog, "sms")[3] in ("no estimate", "tidak ada perkiraan")
    assert re.search(r'<p class="small">[^<]* MY[:,][^<]*\(NOTIFY_PRICES\)\.</p>', dialog), dialog


def test_the_preview_follows_the_rollcalls_channel_order_person_by_person(settings: Any) -> None:
    """Push (one message per device), then e-mail, then WhatsApp (priced per message), then SMS; a person no
    channel reaches is counted apart. Counts only: no name, number or address in the answer."""
    settings.ROLLCALL_CHANNELS = ["push", "email", "whatsapp", "sms"]
    settings.NOTIFY_PRICES = {"currency": "USD", "sms": {"default": "0.05"}, "whatsapp": {"ID": "0.01", "MY": "0.02"}}
    user = make_citizen_user("rahmat@example.org")
    StayFactory.create(citizen=user.citizen, lat=3.14, lon=101.69)
    for device in ("a", "b"):
        PushSubscription.objects.create(user=user, endpoint=f"https://fcm.googleapis.com/fcm/send/{device}",
                                        p256dh="p", auth="a")
    _person("Ayu Lestari", phone="+60123450002", email="ayu@example.org")  # e-mail
    _person("Siti Aminah", phone="+60123456789")  # WhatsApp, before SMS in this order
    _person("Budi Santoso", phone="+6281234567890")
    _person("Tanpa Kontak")  # no device, no e-mail, no phone
    officer = _preview_officer("duty.channels")
    crisis = crisis_declare(actor=officer, title="Banjir", kind="flood", lat=3.14, lon=101.69, radius_km=30)
    del officer.is_verified
    api = Client().get(f"/api/v1/crises/{crisis.pk}/rollcall/preview", headers=bearer(officer))
    body = api.json()
    assert [(c["channel"], c["people"], c["messages"], c["cost"]) for c in body["channels"]] == [
        ("push", 1, 2, "0"), ("email", 1, 1, "0"), ("whatsapp", 2, 2, "0.03")]
    assert body["channels"][2]["by_country"] == {"ID": 1, "MY": 1} and body["channels"][2]["segments"] is None
    assert (body["people"], body["unreachable"], body["total_cost"], body["recipients"]) == (5, 1, "0.03", 0)
    for personal in ("Siti", "Aminah", "+6012", "6281234567890", "ayu@", "rahmat", "fcm.googleapis"):
        assert personal not in api.content.decode()
    dialog = _dialog(officer, crisis)
    assert _row(dialog, "push")[1] == "2"
    assert _row(dialog, "whatsapp") in (["WhatsApp", "2", "—", "0.03 USD"], ["WhatsApp", "2", "—", "0,03 USD"])
    assert "1 person is reached by no configured channel" in dialog or "1 orang" in dialog

    # Once everyone has been asked, nothing is left to estimate.
    Affected.objects.filter(crisis=crisis).update(asked_at=timezone.now())
    body = Client().get(f"/api/v1/crises/{crisis.pk}/rollcall/preview", headers=bearer(officer)).json()
    assert (body["people"], body["channels"], body["total_cost"]) == (0, [], "0")
