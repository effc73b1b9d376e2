"""Each channel against a real local server: SMTP (aiosmtpd), a push service, an SMS/WhatsApp provider,
a webhook receiver, and the file sink."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import socket

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from py_vapid import Vapid02

from embassy.common.errors import BadInput
from embassy.common.tests.factories import make_citizen_user, make_staff
from embassy.missions.models import Role
from embassy.notify import vapid
from embassy.notify.dispatch import dispatch_due
from embassy.notify.inbox import receipt_token
from embassy.notify.models import DeliveryAttempt, Message, Priority, PushSubscription
from embassy.notify.services import notify_address, notify_user, push_subscription_save

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Browser:
    """What a browser keeps for one push subscription: the P-256 key pair and the auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.p256dh = b64(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def subscribe(user, provider, path: str = "/push/abc") -> tuple[PushSubscription, Browser]:
    browser = Browser()
    sub = push_subscription_save(user=user, endpoint=provider.url + path, p256dh=browser.p256dh, auth=b64(browser.auth))
    return sub, browser


def test_email_arrives_at_a_real_smtp_server(smtp_server, django_capture_on_commit_callbacks) -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        queued = notify_user(user=officer, subject="SOS: Siti Aminah, Kuala Lumpur", body="Tap to open the case.",
                             url="https://embassy.example.org/konsol/sos/1/", priority=Priority.SOS,
                             channels=("email",), kind="sos")
    assert [m.channel for m in queued] == ["email"]
    assert len(smtp_server.messages) == 1
    rcpts, mail = smtp_server.messages[0]
    assert rcpts == [officer.email]
    assert mail["To"] == officer.email and mail["Subject"] == "SOS: Siti Aminah, Kuala Lumpur"
    text = mail.get_content()
    assert "Tap to open the case." in text and "https://embassy.example.org/konsol/sos/1/" in text
    message = Message.objects.get(pk=queued[0].pk)
    assert message.status == Message.Status.SENT and message.sent_at is not None
    assert message.delivery_attempts.get().ok


def test_email_is_retried_while_the_mail_server_is_down(smtp_server, settings) -> None:
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = s.getsockname()[1]
    message = notify_address(channel="email", address="duty@example.org", subject="Test", body="Body")
    assert message is not None
    assert dispatch_due() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 1
    assert "mail server" in message.last_error
    assert smtp_server.messages == []


def test_push_is_encrypted_for_the_subscriber_and_signed_with_vapid(provider, django_capture_on_commit_callbacks) -> None:
    citizen = make_citizen_user()
    sub, browser = subscribe(citizen, provider)
    provider.answer(201, b"", {"Location": provider.url + "/m/1"})
    with django_capture_on_commit_callbacks(execute=True):
        queued = notify_user(user=citizen, subject="Kasus Anda diperbarui", body="Petugas sedang menuju lokasi.",
                             url="/sos/kasus/7/", kind="case-update", data={"case": 7}, channels=("push",))
    assert len(queued) == 1 and queued[0].address == str(sub.pk)
    request = provider.requests[0]
    assert request.path == "/push/abc"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert int(request.headers["ttl"]) > 0
    auth = request.headers["authorization"]
    assert auth.startswith("vapid t=") and f"k={vapid.public_key()}" in auth
    assert Vapid02.verify(auth)
    claims = json.loads(base64.urlsafe_b64decode(auth.split("t=")[1].split(",")[0].split(".")[1] + "=="))
    assert claims["aud"] == provider.url
    assert browser.decrypt(request.body) == {
        "title": "Kasus Anda diperbarui", "body": "Petugas sedang menuju lokasi.", "url": "/sos/kasus/7/",
        "tag": "case-update", "data": {"case": 7}, "receipt": receipt_token(queued[0].pk),
    }
    assert Message.objects.get(pk=queued[0].pk).status == Message.Status.SENT
    sub.refresh_from_db()
    assert sub.last_success_at is not None


def test_push_subscription_gone_is_disabled_and_not_used_again(provider) -> None:
    citizen = make_citizen_user()
    sub, _browser = subscribe(citizen, provider)
    provider.answer(410, b"gone")
    [message] = notify_user(user=citizen, subject="Update", body="x", channels=("push",))
    dispatch_due()
    message.refresh_from_db()
    sub.refresh_from_db()
    assert message.status == Message.Status.FAILED and "410" in message.last_error
    assert sub.disabled_at is not None
    assert notify_user(user=citizen, subject="Again", body="y", channels=("push",)) == []


def test_sms_provider_gets_bearer_token_and_json(provider, settings) -> None:
    settings.NOTIFY_SMS_URL, settings.NOTIFY_SMS_TOKEN = provider.url + "/sms", "s3cret"
    provider.answer(202, {"id": "msg-778"})
    message = notify_address(channel="sms", address="+60 12-345 6789", subject="", body="KBRI: stay indoors.")
    assert message is not None and message.address == "+60123456789"
    dispatch_due()
    request = provider.requests[0]
    assert request.path == "/sms" and request.headers["authorization"] == "Bearer s3cret"
    assert request.json() == {"to": "+60123456789", "text": "KBRI: stay indoors."}
    assert request.headers["idempotency-key"] == f"notify-{message.pk}"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider_id == "msg-778"


def test_whatsapp_and_sms_are_skipped_without_a_provider(provider, settings) -> None:
    user = make_citizen_user()
    user.phone = "+6281234567890"
    user.save()
    assert notify_address(channel="whatsapp", address="+6281234567890", subject="s", body="b") is None
    assert notify_user(user=user, subject="s", body="b", channels=("sms", "whatsapp")) == []
    settings.NOTIFY_WHATSAPP_URL = provider.url + "/wa"
    [message] = notify_user(user=user, subject="Subjek", body="Isi", channels=("sms", "whatsapp"))
    assert message.channel == "whatsapp"
    dispatch_due()
    assert provider.requests[0].path == "/wa" and provider.requests[0].json()["text"] == "Subjek\nIsi"
    assert "authorization" not in provider.requests[0].headers


def test_provider_5xx_is_retried_with_growing_backoff_then_sent(provider, settings) -> None:
    settings.NOTIFY_SMS_URL = provider.url + "/sms"
    provider.answer(503, b"busy")
    provider.answer(500, b"oops")
    provider.answer(200, {"id": "ok-3"})
    message = notify_address(channel="sms", address="+6281234567890", subject="", body="Are you safe?")
    assert message is not None
    assert dispatch_due() == 1
    message.refresh_from_db()
    first_delay = (message.next_attempt_at - message.delivery_attempts.get().at).total_seconds()
    assert message.status == Message.Status.QUEUED and "503" in message.last_error
    assert 5 <= first_delay <= 10  # base 10 s with jitter
    assert dispatch_due() == 0  # not due yet
    assert dispatch_due(now=message.next_attempt_at) == 1
    message.refresh_from_db()
    second_delay = (message.next_attempt_at - message.delivery_attempts.order_by("-id")[0].at).total_seconds()
    assert message.attempts == 2 and 10 <= second_delay <= 20 and second_delay >= first_delay
    assert dispatch_due(now=message.next_attempt_at) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider_id == "ok-3" and message.last_error == ""
    assert [a.status_code for a in message.delivery_attempts.order_by("id")] == [503, 500, 200]


def test_provider_429_honours_retry_after(provider, settings) -> None:
    settings.NOTIFY_SMS_URL = provider.url + "/sms"
    provider.answer(429, b"slow down", {"Retry-After": "120"})
    message = notify_address(channel="sms", address="+6281234567890", subject="", body="x")
    assert message is not None
    dispatch_due()
    message.refresh_from_db()
    attempt = message.delivery_attempts.get()
    assert message.status == Message.Status.QUEUED
    assert (message.next_attempt_at - attempt.at).total_seconds() >= 120


def test_dead_after_max_attempts(provider, settings) -> None:
    settings.NOTIFY_WEBHOOK_SECRET = ""
    settings.NOTIFY_MAX_ATTEMPTS = {"webhook": 3}
    provider.default = (502, {}, b"bad gateway")
    message = notify_address(channel="webhook", address=provider.url + "/hook", subject="s", body="b")
    assert message is not None
    when = None
    for _ in range(3):
        assert dispatch_due(now=when) == 1
        message.refresh_from_db()
        when = message.next_attempt_at
    assert message.status == Message.Status.DEAD and message.attempts == 3
    assert dispatch_due(now=when) == 0
    assert DeliveryAttempt.objects.filter(message=message, ok=False).count() == 3


def test_permanent_4xx_fails_without_retry(provider, settings) -> None:
    settings.NOTIFY_SMS_URL = provider.url + "/sms"
    provider.answer(400, {"error": "invalid number"})
    message = notify_address(channel="sms", address="+6281234567890", subject="", body="x")
    assert message is not None
    dispatch_due()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "invalid number" in message.last_error
    assert dispatch_due(now=message.next_attempt_at.replace(year=2100)) == 0
    assert len(provider.requests) == 1


def test_webhook_is_signed(provider, settings) -> None:
    settings.NOTIFY_WEBHOOK_SECRET = "hook-secret"
    message = notify_address(channel="webhook", address=provider.url + "/hook", subject="Gempa M6.1",
                             body="Lombok", kind="crisis", data={"event": "us7000"})
    assert message is not None
    dispatch_due()
    request = provider.requests[0]
    doc = request.json()
    assert doc["id"] == message.pk and doc["subject"] == "Gempa M6.1" and doc["data"] == {"event": "us7000"}
    expected = hmac.new(b"hook-secret", request.headers["x-embassy-timestamp"].encode() + b"." + request.body,
                        hashlib.sha256).hexdigest()
    assert request.headers["x-embassy-signature"] == f"sha256={expected}"
    assert request.headers["x-embassy-delivery"] == str(message.pk)


def test_sink_writes_json_lines_and_stands_in_for_sms_in_development(settings) -> None:
    settings.NOTIFY_DEV_SINK = True
    notify_address(channel="sink", address="dev", subject="Hello", body="World")
    notify_address(channel="sms", address="+6281234567890", subject="", body="Would be an SMS")
    assert dispatch_due() == 2
    lines = [json.loads(x) for x in settings.NOTIFY_SINK_PATH.read_text().splitlines()]
    by_channel = {x["channel"]: x for x in lines}
    assert by_channel["sink"]["address"] == "dev" and by_channel["sink"]["subject"] == "Hello"
    assert by_channel["sms"]["address"] == "+6281234567890" and by_channel["sms"]["body"] == "Would be an SMS"
    assert Message.objects.filter(status=Message.Status.SENT).count() == 2


def test_bad_addresses_are_refused() -> None:
    with pytest.raises(BadInput) as err:
        notify_address(channel="email", address="not-an-email", subject="s", body="b")
    assert err.value.field == "address"
    with pytest.raises(BadInput):
        notify_address(channel="fax", address="123", subject="s", body="b")
    with pytest.raises(BadInput):
        notify_address(channel="webhook", address="ftp://example.org/x", subject="s", body="b")
    with pytest.raises(BadInput):
        notify_address(channel="sink", address="x", subject="", body="")
    assert Message.objects.count() == 0


def test_notify_test_command_sends_through_the_channel(smtp_server) -> None:
    out = io.StringIO()
    call_command("notify_test", "--channel", "email", "--to", "ops@example.org", stdout=out)
    assert "status: sent" in out.getvalue()
    assert smtp_server.messages[0][0] == ["ops@example.org"]
    assert Message.objects.get().status == Message.Status.SENT
