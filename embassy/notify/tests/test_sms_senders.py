"""What each sender really queues for SMS, end to end: the duty officer's SOS alert (it carried "±", which
forces UCS-2), the citizen's SOS acknowledgement, the stay reminder and the advisory change for a citizen
known only by phone number (they got nothing before), the sign-in code. Each one GSM-7 segment."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import gsm0338  # noqa: F401  (registers the codec the checks encode with)
import pytest
from django.test import Client, TestCase
from django.utils import timezone, translation

from embassy.accounts.services import signin_code_request
from embassy.advisories.services import country_follow
from embassy.advisories.tests.helpers import analyst, publish
from embassy.citizens.models import Stay
from embassy.citizens.services import stay_register, stay_reminders_send
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db
KL = {"lat": 3.139, "lon": 101.6869, "accuracy": 12.5}


@pytest.fixture(autouse=True)
def _sms_on(settings: Any, tmp_path: Any) -> None:
    settings.NOTIFY_DEV_SINK = True  # SMS without a provider go to the sink: the SMS channel is available
    settings.NOTIFY_SINK_PATH = tmp_path / "sink.jsonl"


def _one_segment(text: str) -> str:
    assert len(text.encode("gsm03.38")) <= 160, (len(text), text)
    return text


def _phone_only(phone: str) -> Any:
    user = make_citizen_user()
    user.email, user.phone = "", phone
    user.save(update_fields=["email", "phone"])
    user.citizen.email = ""
    user.citizen.save(update_fields=["email"])
    return user


def test_the_duty_officer_sos_sms_and_the_citizen_acknowledgement(client: Client,
                                                                   django_capture_on_commit_callbacks: Any) -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.sms.kl")
    officer.phone = "+60123450099"
    officer.save(update_fields=["phone"])
    citizen = _phone_only("+6281234500001")
    with django_capture_on_commit_callbacks(execute=True):
        raised = client.post("/api/v1/sos/alerts", json.dumps({"idempotency_key": "sms-alert-1", **KL}),
                             content_type="application/json", headers=bearer(citizen))
    assert raised.status_code == 201, raised.content
    case_id = raised.json()["id"]
    alert = Message.objects.get(user=officer, kind="sos.new", channel="sms")
    text = _one_segment(alert.body)
    assert f"SOS-{case_id:06d}" in text and "3.13900,101.68690 (+/-12 m)" in text
    assert text.endswith(f"/konsol/sos/{case_id}/")
    email = Message.objects.get(user=officer, kind="sos.new", channel="email")
    assert "±" in email.body  # e-mail keeps its own text

    with django_capture_on_commit_callbacks(execute=True):
        acknowledged = client.post(f"/api/v1/sos/cases/{case_id}/acknowledge", headers=bearer(officer))
    assert acknowledged.status_code == 200
    [ack] = Message.objects.filter(user=citizen, kind="sos.acknowledged")  # no app with push: an SMS
    assert ack.channel == "sms" and "KBRI Kuala Lumpur" in _one_segment(ack.body)
    assert ack.body.endswith(f"/sos/kasus/{case_id}/")


def test_stay_reminders_reach_a_citizen_known_only_by_phone() -> None:
    user = _phone_only("+6281234500002")
    stay = stay_register(citizen=user.citizen, actor=user, lat=3.139, lon=101.6869, start_date=dt.date(2025, 1, 1))
    Stay.objects.filter(pk=stay.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=200))
    assert stay_reminders_send() == 1
    [reminder] = Message.objects.filter(user=user, kind="stay-confirm")
    assert reminder.channel == "sms" and _one_segment(reminder.body).endswith(f"/lapor-diri/{stay.pk}/")


def test_an_advisory_change_reaches_a_follower_known_only_by_phone(django_capture_on_commit_callbacks: Any) -> None:
    follower = _phone_only("+6281234500003")
    with_email = make_citizen_user()
    for user in (follower, with_email):
        country_follow(user=user, country="TH")
    ani, budi = analyst(), analyst()
    with django_capture_on_commit_callbacks(execute=True):
        publish("TH", author=ani, reviewer=budi, level=4, reason_id="Kerusuhan", reason_en="Unrest")
    [sms] = Message.objects.filter(user=follower, kind="advisory")
    assert sms.channel == "sms" and _one_segment(sms.body).endswith("/informasi-negara/TH/")
    assert "4" in sms.body and ("Jangan bepergian" in sms.body or "Do not travel" in sms.body)
    assert {m.channel for m in Message.objects.filter(user=with_email, kind="advisory")} == {"email"}


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_sign_in_code_sms(settings: Any, tmp_path: Any, language: str) -> None:
    settings.VAR_DIR = tmp_path
    with translation.override(language), TestCase.captureOnCommitCallbacks(execute=True):
        _addr, code = signin_code_request(address="+60123456789")
    line = (tmp_path / "sms.log").read_text().splitlines()[-1]
    text = line.split(" ", 2)[2]
    assert code in _one_segment(text)
