"""The outbox and SMS: each message carries its own SMS text, which is what the provider receives; WhatsApp,
push and e-mail keep the long text; a text that would not fit one GSM-7 segment is a bug in tests and is cut
(link kept whole, logged) at run time; fallback channels reach a user known only by phone."""

from __future__ import annotations

import logging
from typing import Any

import gsm0338  # noqa: F401  (registers the codec)
import pytest
from django.core import mail

from embassy.common.tests.factories import make_citizen_user
from embassy.notify.dispatch import dispatch_due
from embassy.notify.services import MessageSpec, SmsTooLong, notify_address, notify_bulk, notify_user
from embassy.notify.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

LONG_BODY = ("The Indonesian mission is checking on citizens near: Gempa bumi M 7,8 — Kahramanmaraş, Turki. "
             "Please answer with one tap.\nI am safe: https://embassy.example.org/aman/12/" + "x" * 80 + "/selamat/"
             "\nI need help: https://embassy.example.org/aman/12/" + "x" * 80 + "/bantuan/")
SHORT = "Indonesian mission: are you safe? Gempa Turki. Tap to answer: https://embassy.example.org/a/p1234567890"


def _user_with_phone(email: str = "", phone: str = "+6281234567890") -> Any:
    user = make_citizen_user()
    user.phone, user.email = phone, email
    user.save()
    return user


def test_the_sms_channel_sends_the_sms_text_and_whatsapp_the_long_one(provider: Any, settings: Any) -> None:
    settings.NOTIFY_SMS_URL, settings.NOTIFY_WHATSAPP_URL = provider.url + "/sms", provider.url + "/wa"
    user = _user_with_phone(email="ayu@example.org")
    queued = notify_user(user=user, subject="Are you safe? — Gempa", body=LONG_BODY, url="https://embassy.example.org/aman/12/x/",
                         channels=("email", "sms", "whatsapp"), sms=SHORT)
    assert {m.channel for m in queued} == {"email", "sms", "whatsapp"}
    sms_row = next(m for m in queued if m.channel == "sms")
    assert (sms_row.subject, sms_row.body, sms_row.url) == ("", SHORT, "")  # the row holds what is sent
    while dispatch_due():
        pass
    texts = {r.path: r.json()["text"] for r in provider.requests}
    assert texts["/sms"] == SHORT and len(texts["/sms"].encode("gsm03.38")) <= 160
    assert texts["/wa"] == "Are you safe? — Gempa\n" + LONG_BODY + "\nhttps://embassy.example.org/aman/12/x/"
    assert mail.outbox[0].body.startswith(LONG_BODY)


def test_a_text_too_long_for_one_segment_is_a_bug_under_tests(settings: Any) -> None:
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"
    with pytest.raises(SmsTooLong, match=r"crisis\.rollcall"):
        notify_address(channel="sms", address="+6281234567890", subject="Are you safe?", body=LONG_BODY,
                       kind="crisis.rollcall")
    with pytest.raises(SmsTooLong):
        notify_bulk(messages=[MessageSpec(channel="sms", address="+6281234567890", subject="", body="x",
                                          sms="y" * 161)])


def test_at_run_time_a_long_sms_is_cut_to_one_segment_and_logged(provider: Any, settings: Any,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    settings.NOTIFY_SMS_URL, settings.NOTIFY_SMS_STRICT = provider.url + "/sms", False
    link = "https://embassy.example.org/aman/12/" + "x" * 40 + "/"
    with caplog.at_level(logging.WARNING, logger="embassy.notify.services"):
        message = notify_address(channel="sms", address="+6281234567890", subject="Are you safe? — Gempa",
                                 body=LONG_BODY, url=link, kind="crisis.rollcall")
    assert message is not None and "did not fit one segment" in caplog.text
    dispatch_due()
    text = provider.requests[0].json()["text"]
    assert len(text.encode("gsm03.38")) <= 160 and text.endswith(" " + link)  # one GSM-7 segment, link whole
    assert text.startswith("Are you safe? - Gempa")


def test_rows_queued_before_the_rule_are_fitted_when_sent(provider: Any, settings: Any) -> None:
    settings.NOTIFY_SMS_URL = provider.url + "/sms"
    MessageFactory.create(channel="sms", address="+6281234567890", subject="Are you safe? — old row", body=LONG_BODY)
    dispatch_due()
    text = provider.requests[0].json()["text"]
    assert len(text.encode("gsm03.38")) <= 160


def test_a_relative_link_in_a_composed_sms_becomes_absolute(provider: Any, settings: Any) -> None:
    settings.NOTIFY_SMS_URL, settings.SMS_LINK_BASE = provider.url + "/sms", "https://wni.example.id"
    message = notify_address(channel="sms", address="+6281234567890", subject="", body="Stay indoors.",
                             url="/informasi-negara/JP/")
    assert message is not None and message.body == "Stay indoors.\nhttps://wni.example.id/informasi-negara/JP/"


def test_fallback_channels_reach_only_those_the_main_channels_do_not(settings: Any) -> None:
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"
    phone_only = _user_with_phone()
    with_email = _user_with_phone(email="budi@example.org", phone="+6281234567891")
    [sent] = notify_user(user=phone_only, subject="s", body="b", channels=("push", "email"), fallback=("sms",),
                         sms="Short text")
    assert (sent.channel, sent.body) == ("sms", "Short text")
    [sent] = notify_user(user=with_email, subject="s", body="b", channels=("push", "email"), fallback=("sms",),
                         sms="Short text")
    assert sent.channel == "email"


# --- Cost and deployment checks ------------------------------------------------------------------------------
def test_cost_by_the_number_country_with_a_default(settings: Any) -> None:
    from decimal import Decimal

    from embassy.notify.costs import calling_code_country, sms_estimate

    assert [calling_code_country(p) for p in ("+6281234", "+6012", "+1415", "+7495", "+4420", "+999", "")] == \
        ["ID", "MY", "US", "RU", "GB", "", ""]
    settings.NOTIFY_SMS_PRICES, settings.NOTIFY_SMS_CURRENCY = "default=0.05, ID=0.0125", "IDR"
    long_text = "x" * 200  # two parts
    estimate = sms_estimate(text=long_text, recipients_by_country={"ID": 4, "MY": 2})
    assert (estimate.segments, estimate.recipients, estimate.total_segments) == (2, 6, 12)
    assert estimate.cost == Decimal("0.3000") and estimate.currency == "IDR"
    settings.NOTIFY_SMS_PRICES = {"ID": "0.0125"}
    estimate = sms_estimate(text="short", recipients_by_country={"ID": 4, "MY": 2})
    assert estimate.cost is None and estimate.unpriced == ("MY",)
    settings.NOTIFY_SMS_PRICES = ""
    assert sms_estimate(text="short", recipients_by_country={"ID": 1}).cost is None  # no price is guessed


def test_deployment_checks_warn_about_a_long_link_base_and_bad_prices(settings: Any) -> None:
    from embassy.notify.checks import check_sms_settings

    settings.SMS_LINK_BASE, settings.NOTIFY_SMS_PRICES = "https://peduliwni.kemlu.go.id", "default=0.05"
    assert check_sms_settings() == []
    settings.SMS_LINK_BASE, settings.NOTIFY_SMS_PRICES = "https://a-very-long-host-name.example.go.id", "ID=abc"
    assert [w.id for w in check_sms_settings()] == ["notify.W001", "notify.W002"]
