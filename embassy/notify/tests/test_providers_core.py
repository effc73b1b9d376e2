"""Provider accounts, routing, the webhooks and the inbox, through the generic JSON contract against a real
local adapter (VendorServer): which account sends, from which sender, what a receipt changes, what a forged
or malformed webhook changes (nothing), inbound messages stored once, opt-out words honoured."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from embassy.missions.models import Mission
from embassy.notify import inbound, inbox, routing
from embassy.notify.dispatch import dispatch_due
from embassy.notify.models import Inbound, Message, OptOut, ProviderAccount
from embassy.notify.providers import Account, Receipt
from embassy.notify.providers import Inbound as InboundItem
from embassy.notify.providers.generic import signature
from embassy.notify.services import MessageSpec, Priority, notify_address, notify_bulk
from embassy.notify.tests.vendor_server import VendorServer

pytestmark = pytest.mark.django_db

SECRET = "s3cret-webhook-key"
MY = "+60123456789"  # Malaysia
SA = "+966501234567"  # Saudi Arabia


def make_account(key: str, url: str, *, rank: int = 10, countries: str = "", missions: list[Mission] | None = None,
                 channel: str = "sms", sender: str = "KBRI", senders: dict[str, str] | None = None,
                 inbound_number: str = "") -> ProviderAccount:
    row = ProviderAccount.objects.create(
        key=key, name=key, vendor="generic", channel=channel, rank=rank, countries=countries, sender=sender,
        senders=senders or {}, inbound_number=inbound_number, options={"url": url + "/send"},
        credentials=routing.seal_credentials({"token": "tok-" + key, "webhook_secret": SECRET}))
    if missions:
        row.missions.set(missions)
    routing.invalidate()
    return row


@pytest.fixture
def adapter() -> Any:
    with VendorServer() as server:
        yield server


def post_hook(key: str, payload: Any, *, secret: str = SECRET, raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"X-Signature-256": signature(secret, body)} if secret else {}
    return Client().post(f"/hooks/notify/{key}/", data=body, content_type="application/json", headers=headers)


def queue(**kwargs: Any) -> Message:
    message = notify_address(**kwargs)
    assert message is not None
    return message


def drain() -> None:
    while dispatch_due():
        pass


def test_credentials_are_sealed_and_shown_masked(adapter: VendorServer) -> None:
    make_account("ib-my", adapter.url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM notify_provideraccount")
        stored = cursor.fetchone()[0]
    assert "tok-ib-my" not in stored and SECRET not in stored and stored.startswith("ek1:")
    account = routing.account("ib-my")
    assert account is not None and account.credentials["token"] == "tok-ib-my"
    assert routing.mask("tok-ib-my-abcdef") == "••••••••cdef" and routing.mask("short") == "•••••"


def test_the_account_serving_the_country_sends_with_that_countrys_sender(adapter: VendorServer) -> None:
    make_account("world", adapter.url, rank=20, sender="INDONESIA")
    make_account("my-agg", adapter.url, rank=10, countries="MY")
    make_account("sa-agg", adapter.url, rank=10, countries="SA", senders={"SA": "KBRIRIYADH"})
    adapter.on("POST", "/send", 200, {"id": "p-1"}, times=3)
    notify_address(channel="sms", address=MY, subject="", body="Halo dari KBRI", kind="test")
    notify_address(channel="sms", address=SA, subject="", body="Halo dari KBRI Riyadh", kind="test")
    notify_address(channel="sms", address="+12025550123", subject="", body="Hello", kind="test")
    drain()
    sent = {r.json()["to"]: (r.headers["authorization"], r.json()["from"]) for r in adapter.requests}
    assert sent[MY] == ("Bearer tok-my-agg", "KBRI")
    assert sent[SA] == ("Bearer tok-sa-agg", "KBRIRIYADH")
    assert sent["+12025550123"] == ("Bearer tok-world", "INDONESIA")
    assert set(Message.objects.values_list("provider", flat=True)) == {"my-agg", "sa-agg", "world"}
    request = adapter.requests[0].json()
    assert request["status_url"].endswith(f"/hooks/notify/{Message.objects.get(address=request['to']).provider}/")
    assert request["reference"] == str(Message.objects.get(address=request["to"]).pk)


def test_a_mission_bound_account_goes_first_for_its_mission(adapter: VendorServer) -> None:
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR") if Mission.objects.filter(code="KBRI-KUALA-LUMPUR").exists() \
        else Mission.objects.create(code="KBRI-TEST", name_id="KBRI Uji", name_en="Test embassy")
    make_account("any", adapter.url, rank=10)
    make_account("mission", adapter.url, rank=10, missions=[kl])
    assert [r.account.key for r in routing.candidates("sms", MY, kl.pk)] == ["mission", "any"]
    assert [r.account.key for r in routing.candidates("sms", MY, None)] == ["any"]


def test_an_account_refused_by_its_vendor_hands_the_message_to_the_next(adapter: VendorServer, settings: Any) -> None:
    settings.NOTIFY_RETRY_BASE_SECONDS = 0
    make_account("first", adapter.url, rank=1)
    make_account("second", adapter.url, rank=2)
    adapter.on("POST", "/send", 403, {"error": "account suspended"})
    adapter.on("POST", "/send", 200, {"id": "p-2"})
    message = queue(channel="sms", address=MY, subject="", body="Tes", kind="test")
    dispatch_due()
    message.refresh_from_db()
    assert (message.status, message.provider) == ("queued", "first")
    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    dispatch_due()
    message.refresh_from_db()
    assert (message.status, message.provider, message.provider_id) == ("sent", "second", "p-2")
    assert [r.headers["authorization"] for r in adapter.requests] == ["Bearer tok-first", "Bearer tok-second"]


def _sent_message(adapter: VendorServer, provider_id: str = "p-9") -> Message:
    make_account("gen", adapter.url)
    adapter.on("POST", "/send", 200, {"id": provider_id})
    message = queue(channel="sms", address=MY, subject="", body="Apakah Anda aman?", kind="test")
    drain()
    message.refresh_from_db()
    assert message.provider_id == provider_id
    return message


def test_signed_receipts_move_a_message_forward_and_never_back(adapter: VendorServer) -> None:
    message = _sent_message(adapter)
    assert post_hook("gen", {"receipts": [{"id": "p-9", "status": "delivered", "at": "2026-12-03T01:02:03Z"}]}).status_code == 200
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert (message.receipt, message.delivered_at.isoformat()) == ("delivered", "2026-12-03T01:02:03+00:00")
    post_hook("gen", {"receipts": [{"id": "p-9", "status": "sent"}, {"id": "p-9", "status": "failed", "error": "x"}]})
    message.refresh_from_db()
    assert (message.receipt, message.receipt_error) == ("delivered", "")
    post_hook("gen", {"receipts": [{"id": "p-9", "status": "read"}, {"id": "unknown", "status": "read"}]})
    message.refresh_from_db()
    assert message.receipt == "read" and message.read_at is not None


def test_a_failure_receipt_keeps_the_vendors_reason(adapter: VendorServer) -> None:
    message = _sent_message(adapter)
    post_hook("gen", {"receipts": [{"id": "p-9", "status": "failed", "error": "30003 Unreachable handset"}]})
    message.refresh_from_db()
    assert (message.receipt, message.receipt_error) == ("failed", "30003 Unreachable handset")


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_a_forged_or_unsigned_webhook_changes_nothing(adapter: VendorServer, secret: str) -> None:
    message = _sent_message(adapter)
    payload = {"receipts": [{"id": "p-9", "status": "delivered"}],
               "inbound": [{"id": "in-1", "from": MY, "text": "SOS"}]}
    assert post_hook("gen", payload, secret=secret).status_code == 403
    message.refresh_from_db()
    assert message.receipt == "" and not Inbound.objects.exists()


def test_malformed_webhooks_get_a_clear_answer(adapter: VendorServer) -> None:
    make_account("gen", adapter.url)
    assert post_hook("gen", None, raw=b"{not json").status_code == 400
    assert post_hook("gen", {"receipts": [{"id": "x", "status": "exploded"}]}).status_code == 400
    assert post_hook("gen", {"inbound": [{"id": "x"}]}).status_code == 400
    assert post_hook("nobody", {"receipts": []}).status_code == 404
    assert Client().put("/hooks/notify/gen/").status_code == 405


def test_an_inbound_message_retried_by_the_vendor_is_stored_once(adapter: VendorServer) -> None:
    make_account("gen", adapter.url)
    payload = {"inbound": [{"id": "in-7", "from": "60123456789", "to": "+60300000000", "text": "مرحبا 你好 👋"}]}
    for _ in range(3):
        assert post_hook("gen", payload).status_code == 200
    row = Inbound.objects.get()
    assert (row.sender, row.text, row.account, row.channel) == (MY, "مرحبا 你好 👋", "gen", "sms")
    assert row.outcome == "conversation"  # sos opened a conversation in the duty queue (embassy/sos/inbound.py)


def test_an_empty_inbound_message_is_kept_and_marked_ignored(adapter: VendorServer) -> None:
    make_account("gen", adapter.url)
    post_hook("gen", {"inbound": [{"id": "in-8", "from": MY, "text": "   "}]})
    assert Inbound.objects.get().outcome == "ignored"


def test_handlers_see_only_new_messages_in_order(adapter: VendorServer) -> None:
    seen: list[tuple[str, str]] = []
    def first(m: inbox.InboundText) -> None:
        seen.append(("first", m.text))

    def second(m: inbox.InboundText) -> inbox.Outcome:
        seen.append(("second", m.text))
        return inbox.Outcome("second")

    inbox.on_inbound("z-test-second", second, order=2)  # before the apps' handlers (10, 20, 30)
    inbox.on_inbound("z-test-first", first, order=1)
    try:
        account = Account(key="acc", vendor="generic", channel="whatsapp")
        row, new = inbound.inbound_store(account, InboundItem("w-1", MY, "", "Halo"))
        again, new_again = inbound.inbound_store(account, InboundItem("w-1", MY, "", "Halo"))
        row.refresh_from_db()  # handled by the worker's task (run at once by the tests' immediate backend)
        assert (new, new_again, again.pk, row.outcome) == (True, False, row.pk, "second")
        assert seen == [("first", "Halo"), ("second", "Halo")]
    finally:
        inbox._HANDLERS[:] = [h for h in inbox._HANDLERS if not h[1].startswith("z-test-")]


def test_stop_opts_out_of_ordinary_messages_but_not_of_life_safety_ones(adapter: VendorServer, settings: Any) -> None:
    settings.NOTIFY_OPTOUT_LIFE_SAFETY_COUNTRIES = ["MY"]
    make_account("gen", adapter.url)
    post_hook("gen", {"inbound": [{"id": "in-9", "from": MY, "text": " berhenti "}]})
    assert OptOut.objects.filter(channel="sms", address=MY).exists()
    assert Inbound.objects.get().outcome == "opt-out"
    assert notify_address(channel="sms", address=MY, subject="", body="Promo", kind="newsletter") is None
    assert notify_bulk(messages=[MessageSpec(channel="sms", address=MY, subject="", body="Promo", kind="x")]) == 0
    assert notify_address(channel="sms", address=MY, subject="", body="Apakah Anda aman?", kind="crisis.rollcall",
                          priority=Priority.HIGH) is not None
    settings.NOTIFY_OPTOUT_LIFE_SAFETY_COUNTRIES = []  # a country whose law does not allow it
    assert notify_address(channel="sms", address=MY, subject="", body="Apakah Anda aman?", kind="crisis.rollcall",
                          priority=Priority.HIGH, dedupe_key="again") is None
    post_hook("gen", {"inbound": [{"id": "in-10", "from": MY, "text": "MULAI"}]})
    assert not OptOut.objects.exists()


def test_the_development_sink_counts_as_delivered(settings: Any) -> None:
    settings.NOTIFY_SMS_URL = ""
    settings.NOTIFY_DEV_SINK = True
    message = queue(channel="sms", address=MY, subject="", body="Tes", kind="test")
    drain()
    message.refresh_from_db()
    assert (message.status, message.receipt) == ("sent", "delivered") and message.delivered_at is not None


def test_receipts_apply_in_bulk_and_tell_the_apps(adapter: VendorServer) -> None:
    from embassy.notify import hooks

    got: list[tuple[str, dict[str, Any]]] = []
    hooks.on_receipt("bulk-test", got.extend)
    make_account("gen", adapter.url)
    rows = [Message(channel="sms", address=MY, body="x", kind="bulk-test", provider="gen", provider_id=f"id-{i}",
                    status="sent", data={"n": i}) for i in range(1200)]
    Message.objects.bulk_create(rows)
    changed = inbox.receipts_apply("gen", [Receipt(f"id-{i}", "delivered") for i in range(1200)])
    assert changed == 1200 and Message.objects.filter(receipt="delivered").count() == 1200
    assert len(got) == 1200 and got[0][0] == "delivered" and "_message" in got[0][1]
    assert inbox.receipts_apply("other-account", [Receipt("id-1", "read")]) == 0


def _citizen(phone: str = MY) -> Any:
    from embassy.common.tests.factories import make_citizen_user

    user = make_citizen_user()
    user.phone, user.email = phone, "ayu@example.org"
    user.save()
    return user


def test_an_undelivered_message_is_tried_on_the_next_channel(adapter: VendorServer, settings: Any) -> None:
    from embassy.notify.fallback import fallback_due

    make_account("wa", adapter.url, channel="whatsapp", sender="1234567890")
    make_account("sms", adapter.url)
    adapter.on("POST", "/send", 200, {"id": "wa-1"})
    adapter.on("POST", "/send", 200, {"id": "sms-1"})
    user = _citizen()
    from embassy.notify.services import notify_user

    [first] = notify_user(user=user, subject="Apakah Anda aman?", body="Balas 1 jika aman", channels=("whatsapp",),
                          then=("sms",), sms="KBRI: Apakah Anda aman? Balas 1 jika aman", kind="test", topic="t:1")
    drain()
    first.refresh_from_db()
    assert first.fallback_at is not None and first.status == "sent"
    assert fallback_due(now=first.fallback_at) == 1  # handed over, no receipt: SMS next
    drain()
    sms = Message.objects.get(channel="sms")
    assert (sms.body, sms.topic, sms.data.get("_then")) == ("KBRI: Apakah Anda aman? Balas 1 jika aman", "t:1", None)
    assert adapter.requests[-1].json()["text"] == "KBRI: Apakah Anda aman? Balas 1 jika aman"
    assert fallback_due(now=first.fallback_at) == 0  # decided once


def test_a_delivered_message_does_not_fall_back(adapter: VendorServer) -> None:
    from embassy.notify.fallback import fallback_due
    from embassy.notify.services import notify_user

    make_account("gen", adapter.url, channel="whatsapp", sender="1234567890")
    adapter.on("POST", "/send", 200, {"id": "wa-2"})
    [first] = notify_user(user=_citizen(), subject="Halo", body="Tes", channels=("whatsapp",), then=("sms",), kind="t")
    drain()
    post_hook("gen", {"receipts": [{"id": "wa-2", "status": "delivered"}]})
    first.refresh_from_db()
    assert fallback_due(now=first.fallback_at) == 0 and Message.objects.count() == 1


def test_whatsapp_starts_conversations_with_templates_and_answers_freely_in_the_window(adapter: VendorServer) -> None:
    from embassy.notify.channels.whatsapp import WhatsAppChannel

    make_account("wa", adapter.url, channel="whatsapp", sender="1234567890")
    message = queue(channel="whatsapp", address=MY, subject="", body="Apakah Anda aman?",
                             kind="crisis.rollcall", data={"wa": {"name": "Ayu", "crisis": "Gempa", "link": "https://x/a"}})
    channel = WhatsAppChannel()
    channel.prepare([message])
    out = channel._plan[message.pk][1]
    assert out.template is not None
    assert (out.free_form, out.template.name, out.template.params) == (False, "rollcall_question", ("Ayu", "Gempa", "https://x/a"))
    Inbound.objects.create(account="wa", provider_id="w-9", channel="whatsapp", sender=MY, text="halo")
    channel.prepare([message])
    assert channel._plan[message.pk][1].free_form is True


def test_a_push_shown_by_the_service_worker_counts_as_delivered() -> None:
    from embassy.notify.inbox import receipt_token

    message = Message.objects.create(channel="push", address="1", body="x", kind="test", status="sent")
    assert Client().post("/hooks/push-shown/", data=receipt_token(message.pk) + "x", content_type="text/plain").status_code == 400
    assert Client().post("/hooks/push-shown/", data=receipt_token(message.pk), content_type="text/plain").status_code == 204
    message.refresh_from_db()
    assert message.receipt == "delivered" and message.delivered_at is not None


def test_provider_posts_take_the_fast_path_and_other_paths_stay_404(adapter: VendorServer) -> None:
    make_account("gen", adapter.url)
    answer = post_hook("gen", {"receipts": []})
    assert answer.status_code == 200 and answer["Content-Length"] == str(len(answer.content))
    assert "Set-Cookie" not in answer and "Content-Security-Policy" not in answer  # the page machinery skipped
    assert Client().post("/hooks/notify/gen/a/b/", data=b"{}", content_type="application/json").status_code == 404
    assert post_hook("nobody", {"receipts": []}).status_code == 404
