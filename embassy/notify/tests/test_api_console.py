"""The API (VAPID key, push subscriptions, message log) and the console's notification log."""

from __future__ import annotations

import base64
import os

import pytest
from django.test import Client
from django.urls import reverse

from embassy.accounts.models import AuditEvent
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Role
from embassy.notify import vapid
from embassy.notify.models import Message, PushSubscription
from embassy.notify.services import notify_address

pytestmark = pytest.mark.django_db
P256DH = "BEGUpaOQDqGzz_glCTWw0yJrI9oUpGFi1P7vPPLCOC-bLmjLRPzwcNxsO387e1MfLe_x7PtDTzQzijNhyQhjAEo"
AUTH = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
FCM = "https://fcm.googleapis.com/fcm/send/abc:def"


def subscription(endpoint: str = FCM, p256dh: str = P256DH, auth: str = AUTH) -> dict:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def test_anonymous_can_read_the_vapid_key_only(client: Client) -> None:
    r = client.get("/api/v1/notify/vapid-public-key")
    assert r.status_code == 200
    key = r.json()["public_key"]
    assert key == vapid.public_key()
    raw = base64.urlsafe_b64decode(key + "==")
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as pushManager.subscribe wants
    assert client.post("/api/v1/notify/push-subscriptions", subscription(), content_type="application/json").status_code == 401
    assert client.delete("/api/v1/notify/push-subscriptions", {"endpoint": FCM}, content_type="application/json").status_code == 401
    assert client.get("/api/v1/notify/messages").status_code == 401


def test_vapid_key_is_unavailable_when_push_is_not_configured(client: Client, settings) -> None:
    settings.VAPID_PRIVATE_KEY = ""
    r = client.get("/api/v1/notify/vapid-public-key")
    assert r.status_code == 503 and r.json()["detail"]


def test_citizen_subscribes_and_unsubscribes(client: Client) -> None:
    user = make_citizen_user()
    auth = bearer(user)
    r = client.post("/api/v1/notify/push-subscriptions", subscription(), content_type="application/json",
                    HTTP_USER_AGENT="Mozilla/5.0 (Android)", headers=auth)
    assert r.status_code == 201, r.content
    sub = PushSubscription.objects.get(pk=r.json()["id"])
    assert sub.user == user and sub.endpoint == FCM and sub.user_agent == "Mozilla/5.0 (Android)"
    # the same browser subscribing again refreshes the row
    assert client.post("/api/v1/notify/push-subscriptions", subscription(), content_type="application/json",
                       headers=auth).json()["id"] == sub.pk
    assert client.delete("/api/v1/notify/push-subscriptions", {"endpoint": FCM}, content_type="application/json",
                         headers=auth).status_code == 204
    assert not PushSubscription.objects.exists()


def test_only_the_owner_can_remove_a_subscription(client: Client) -> None:
    owner, other = make_citizen_user(), make_citizen_user()
    client.post("/api/v1/notify/push-subscriptions", subscription(), content_type="application/json", headers=bearer(owner))
    client.delete("/api/v1/notify/push-subscriptions", {"endpoint": FCM}, content_type="application/json",
                  headers=bearer(other))
    assert PushSubscription.objects.filter(user=owner).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (subscription(p256dh="not-a-key"), "keys.p256dh"),
        (subscription(auth=base64.urlsafe_b64encode(b"short").decode()), "keys.auth"),
        (subscription(endpoint="https://evil.example.org/collect"), "endpoint"),
        (subscription(endpoint="http://fcm.googleapis.com/fcm/send/x"), "endpoint"),
        (subscription(endpoint="javascript:alert(1)"), "endpoint"),
        ({"endpoint": FCM}, "keys"),
        (subscription(endpoint="https://fcm.googleapis.com/" + "x" * 2000), "endpoint"),
    ],
)
def test_bad_subscriptions_get_a_clear_error(client: Client, payload: dict, field: str) -> None:
    r = client.post("/api/v1/notify/push-subscriptions", payload, content_type="application/json",
                    headers=bearer(make_citizen_user()))
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == field
    assert not PushSubscription.objects.exists()


def test_staff_must_pass_the_second_factor_before_subscribing() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    client = Client()
    client.force_login(officer)  # password only: not signed in for the API until the second factor
    r = client.post("/api/v1/notify/push-subscriptions", subscription(), content_type="application/json")
    assert r.status_code == 401 and not PushSubscription.objects.exists()
    r = staff_client(officer).post("/api/v1/notify/push-subscriptions", subscription(), content_type="application/json")
    assert r.status_code == 201


def test_message_log_is_for_headquarters_and_masks_addresses(client: Client) -> None:
    notify_address(channel="email", address="siti.aminah@example.com", subject="Kasus diperbarui", body="b")
    notify_address(channel="sink", address="dev", subject="Dev", body="b")
    for user in (make_citizen_user(), make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION)):
        assert client.get("/api/v1/notify/messages", headers=bearer(user)).status_code == 403
    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR)
    r = client.get("/api/v1/notify/messages", {"channel": "email"}, headers=bearer(admin))
    assert r.status_code == 200, r.content
    [item] = r.json()["items"]
    assert item["address"] == "s***@example.com" and item["status"] == "queued" and item["subject"] == "Kasus diperbarui"
    assert "siti.aminah" not in r.content.decode()
    assert client.get("/api/v1/notify/messages", {"status": "bogus"}, headers=bearer(admin)).status_code == 422
    assert AuditEvent.objects.filter(actor=admin, action="notify.log").exists()


def test_console_log_shows_counts_and_retries_dead_messages() -> None:
    dead = notify_address(channel="email", address="budi@example.com", subject="SOS ack", body="b")
    assert dead is not None
    Message.objects.filter(pk=dead.pk).update(status=Message.Status.DEAD, attempts=8, last_error="HTTP 503: busy")
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    web = staff_client(analyst)
    page = web.get(reverse("console:notify-log"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "b***@example.com" in html and "budi@example.com" not in html
    assert "HTTP 503: busy" in html and reverse("console:notify-retry", args=[dead.pk]) in html
    r = web.post(reverse("console:notify-retry", args=[dead.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and f'id="notify-msg-{dead.pk}"' in r.content.decode()
    dead.refresh_from_db()
    assert dead.status == Message.Status.QUEUED and dead.attempts == 0
    assert AuditEvent.objects.filter(actor=analyst, action="notify.retry", object_id=str(dead.pk)).exists()
    # only failed messages can be retried
    assert web.post(reverse("console:notify-retry", args=[dead.pk])).status_code == 409


def test_console_log_is_closed_to_mission_staff_and_anonymous() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    assert staff_client(officer).get(reverse("console:notify-log")).status_code == 403
    anonymous = Client().get(reverse("console:notify-log"))
    assert anonymous.status_code == 302
