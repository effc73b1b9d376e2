"""The WhatsApp Business Cloud API against the local vendor server (real HTTP on loopback), and its
webhooks as Meta posts them.

Bodies follow Meta's documentation: the send answer as recorded in Meta's own SDK tests (github.com/WhatsApp/
WhatsApp-Nodejs-SDK, src/__tests__/messages.test.ts), the error body (developers.facebook.com …/whatsapp/
support/error-codes: {"error": {message, type, code, error_data.details, fbtrace_id}}), and the messages
webhook reference (…/webhooks/reference/messages and …/messages/status: the text-message example with
phone_number_id 106540352242922 and wa_id 16505551234; statuses with errors[{code, title, message,
error_data.details, href}]). Error titles and details are Meta's words for each code; ids are shortened."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from typing import Any

import pytest

from embassy.notify.channels import Outcome
from embassy.notify.providers import Account, BadHook, Hook, Outgoing, Template, get_vendor
from embassy.notify.providers.whatsapp import DEFAULT_API_VERSION, WhatsAppCloudVendor, clean_param
from embassy.notify.tests.vendor_server import VendorServer

PHONE_NUMBER_ID = "106540352242922"
SEND = f"/{DEFAULT_API_VERSION}/{PHONE_NUMBER_ID}/messages"
TOKEN = "EAAG-system-user-token"
APP_SECRET = "meta-app-secret"
WAMID = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
OK = {"messaging_product": "whatsapp", "contacts": [{"input": "+60123456789", "wa_id": "60123456789"}],
      "messages": [{"id": WAMID}]}


def account(base_url: str = "https://graph.example", **options: Any) -> Account:
    return Account(
        key="wa-kl", vendor="whatsapp", channel="whatsapp", sender=PHONE_NUMBER_ID,
        credentials={"access_token": TOKEN, "app_secret": APP_SECRET, "verify_token": "verify-me-123"},
        options={"base_url": base_url, **options},
    )


ROLL_CALL = Template("roll_call_safety", "id", ("Gempa Sabah", "Balas 1 jika aman\n2 jika butuh\tbantuan"))


def outgoing(text: str = "Terima kasih, petugas kami akan menghubungi Anda.", **fields: Any) -> Outgoing:
    values: dict[str, Any] = {"message_id": 77, "to": "+60123456789", "text": text, "sender": PHONE_NUMBER_ID,
                              "kind": "rollcall"}
    return Outgoing(**{**values, **fields})


def meta_error(code: int, message: str, details: str, **extra: Any) -> dict:
    return {"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details},
                      "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam", **extra}}


@pytest.fixture
def vendor(shared_vendor: VendorServer) -> VendorServer:
    return shared_vendor  # conftest: one local API per module, reset for each test


# --- sending -------------------------------------------------------------------------------------------


def test_free_form_text_inside_the_window(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 200, OK)
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing())

    assert result.outcome is Outcome.SENT
    assert result.provider_id == WAMID
    [request] = vendor.requests
    assert request.route == SEND
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+60123456789",
        "type": "text", "text": {"preview_url": False, "body": "Terima kasih, petugas kami akan menghubungi Anda."},
    }


def test_a_template_outside_the_window_with_cleaned_parameters_in_order(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 200, OK)
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing(free_form=False, template=ROLL_CALL))

    assert result.provider_id == WAMID
    body = vendor.requests[0].json()
    assert body["type"] == "template"
    assert body["template"] == {
        "name": "roll_call_safety",
        "language": {"code": "id"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "Gempa Sabah"},
            {"type": "text", "text": "Balas 1 jika aman 2 jika butuh bantuan"},
        ]}],
    }


def test_outside_the_window_without_a_template_nothing_is_sent(vendor: VendorServer) -> None:
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing(free_form=False))

    assert result.outcome is Outcome.FAILED
    assert result.error == "outside the 24-hour window and no approved template for rollcall"
    assert vendor.requests == []


def test_an_empty_free_form_text_is_refused_without_calling_meta(vendor: VendorServer) -> None:
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing(""))
    assert result.outcome is Outcome.FAILED
    assert "no text" in result.error
    assert vendor.requests == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("a\nb", "a b"), ("a\tb", "a b"), ("a     b", "a b"), ("  trimmed ", "trimmed"), ("", "-"), ("\n\t", "-")],
)
def test_template_parameters_are_cleaned_as_meta_requires(raw: str, clean: str) -> None:
    assert clean_param(raw) == clean


def test_non_latin_text_and_emoji_reach_meta_intact(vendor: VendorServer) -> None:
    text = "Apakah Anda aman? 🙏 هل أنت بخير؟ 你安全吗？"
    vendor.on("POST", SEND, 200, OK)
    assert WhatsAppCloudVendor().send(account(vendor.url), outgoing(text)).ok
    assert vendor.requests[0].json()["text"]["body"] == text


def test_base_url_and_api_version_are_options(vendor: VendorServer) -> None:
    vendor.on("POST", f"/v25.0/{PHONE_NUMBER_ID}/messages", 200, OK)
    assert WhatsAppCloudVendor().send(account(vendor.url + "/", api_version="v25.0"), outgoing()).ok


def test_the_registry_finds_the_vendor() -> None:
    assert isinstance(get_vendor("whatsapp"), WhatsAppCloudVendor)


def test_an_account_without_a_token_fails_with_a_clear_reason() -> None:
    bare = Account(key="wa", vendor="whatsapp", channel="whatsapp", sender=PHONE_NUMBER_ID)
    result = WhatsAppCloudVendor().send(bare, outgoing())
    assert result.outcome is Outcome.FAILED
    assert "access_token" in result.error


RATE_LIMITS = [
    (400, 4, "Application request limit reached", "The app has reached its API call rate limit."),
    (400, 80007, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
    (400, 130429, "Rate limit hit", "Cloud API message throughput has been reached."),
    (400, 131056, "(Business Account, Consumer Account) pair rate limit hit",
     "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time."),
    (500, 131000, "Something went wrong", "Message failed to send due to an unknown error."),
    (503, 131016, "Service unavailable", "A service is temporarily unavailable."),
]


@pytest.mark.parametrize(("status", "code", "title", "details"), RATE_LIMITS)
def test_rate_limits_and_temporary_faults_are_retried(
    vendor: VendorServer, status: int, code: int, title: str, details: str
) -> None:
    vendor.on("POST", SEND, status, meta_error(code, title, details))
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing())

    assert result.outcome is Outcome.RETRY
    assert str(code) in result.error


def test_re_engagement_fails_with_the_reason(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 400, meta_error(
        131047, "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    ))
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing())

    assert result.outcome is Outcome.FAILED
    assert "131047" in result.error
    assert "more than 24 hours have passed" in result.error


@pytest.mark.parametrize(
    ("status", "code", "title", "details"),
    [
        (400, 131026, "Message Undeliverable", "Unable to deliver message."),
        (401, 190, "Access token has expired", "Your access token has expired."),
        (400, 132001, "Template does not exist", "The template does not exist in the specified language."),
        (400, 131048, "Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number."),
    ],
)
def test_permanent_errors_fail(vendor: VendorServer, status: int, code: int, title: str, details: str) -> None:
    vendor.on("POST", SEND, status, meta_error(code, title, details))
    result = WhatsAppCloudVendor().send(account(vendor.url), outgoing())

    assert result.outcome is Outcome.FAILED
    assert result.status_code == status
    assert str(code) in result.error
    assert details in result.error


def test_a_server_error_without_json_is_retried(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 502, b"<html>Bad Gateway</html>")
    assert WhatsAppCloudVendor().send(account(vendor.url), outgoing()).outcome is Outcome.RETRY


def test_an_unreachable_graph_api_is_retried() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = WhatsAppCloudVendor().send(account(f"http://127.0.0.1:{port}"), outgoing())
    assert result.outcome is Outcome.RETRY
    assert "unreachable" in result.error


# --- webhooks ------------------------------------------------------------------------------------------

def envelope(**value: Any) -> dict:
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                  **value},
        "field": "messages",
    }]}]}


def status(wamid: str, state: str, timestamp: str = "1749416383", **extra: Any) -> dict:
    return {"id": wamid, "status": state, "timestamp": timestamp, "recipient_id": "16505551234",
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"}, **extra}


def signed(body: Any, secret: str = APP_SECRET, *, header: str | None = None) -> Hook:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "x-hub-signature-256": signature if header is None else header}
    return Hook("POST", "https://embassy.example/hooks/notify/wa-kl/", headers, raw)


def test_a_webhook_with_several_statuses_gives_one_receipt_each() -> None:
    body = envelope(statuses=[
        status("wamid.A", "sent"),
        status("wamid.B", "delivered"),
        status("wamid.C", "read"),
        status("wamid.D", "failed", errors=[{
            "code": 131047, "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }]),
        status("wamid.E", "failed", errors=[{
            "code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."},
        }]),
    ])
    parsed = WhatsAppCloudVendor().parse(account(), signed(body))

    assert parsed.inbound == []
    assert [(r.provider_id, r.status) for r in parsed.receipts] == [
        ("wamid.A", "sent"), ("wamid.B", "delivered"), ("wamid.C", "read"), ("wamid.D", "failed"),
        ("wamid.E", "failed"),
    ]
    assert parsed.receipts[0].error == ""
    assert parsed.receipts[3].error.startswith("131047 Re-engagement message: Message failed to send")
    assert parsed.receipts[4].error == "131026 Message undeliverable: Message Undeliverable."
    at = parsed.receipts[0].at
    assert at is not None
    assert int(at.timestamp()) == 1749416383


def test_inbound_messages_of_each_type() -> None:
    sender = {"from": "16505551234", "timestamp": "1749416383"}
    body = envelope(
        contacts=[{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        messages=[
            {**sender, "id": "wamid.T", "type": "text", "text": {"body": "Does it come in another color?"}},
            {**sender, "id": "wamid.B", "type": "button", "context": {"from": "15550783881", "id": "wamid.X"},
             "button": {"payload": "SAFE", "text": "Saya aman"}},
            {**sender, "id": "wamid.R", "type": "interactive",
             "interactive": {"type": "button_reply", "button_reply": {"id": "help", "title": "TOLONG"}}},
            {**sender, "id": "wamid.L", "type": "interactive",
             "interactive": {"type": "list_reply", "list_reply": {"id": "1", "title": "Aman", "description": "Saya aman"}}},
            {**sender, "id": "wamid.I", "type": "image",
             "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "1003383421387256"}},
        ],
    )
    parsed = WhatsAppCloudVendor().parse(account(), signed(body))

    assert parsed.receipts == []
    assert [(m.provider_id, m.text) for m in parsed.inbound] == [
        ("wamid.T", "Does it come in another color?"), ("wamid.B", "Saya aman"), ("wamid.R", "TOLONG"),
        ("wamid.L", "Aman"), ("wamid.I", "[image]"),
    ]
    first = parsed.inbound[0]
    assert first.sender == "+16505551234"
    assert first.to == PHONE_NUMBER_ID
    assert first.at is not None
    assert int(first.at.timestamp()) == 1749416383


@pytest.mark.parametrize("text", ["TOLONG 🙏 banjir", "مساعدة", "救命", ""])
def test_inbound_text_in_any_script_or_empty_is_kept(text: str) -> None:
    body = envelope(messages=[{"from": "60123456789", "id": "wamid.Z", "timestamp": "1749416383",
                               "type": "text", "text": {"body": text}}])
    [message] = WhatsAppCloudVendor().parse(account(), signed(body)).inbound
    assert message.text == text


def test_the_signature_of_the_raw_body_is_accepted() -> None:
    assert WhatsAppCloudVendor().verify(account(), signed(envelope(statuses=[status("wamid.A", "sent")])))


@pytest.mark.parametrize(
    "forged",
    [
        signed(envelope(), secret="not-the-app-secret"),
        signed(envelope(), header=""),
        signed(envelope(), header="sha256="),
        signed(envelope(), header="sha1=" + "0" * 40),
        signed(envelope(), header="sha256=" + "0" * 64),
        Hook("POST", "https://embassy.example/hooks/notify/wa-kl/", {}, json.dumps(envelope()).encode()),
    ],
)
def test_a_forged_or_missing_signature_is_refused(forged: Hook) -> None:
    assert WhatsAppCloudVendor().verify(account(), forged) is False


def test_a_body_changed_after_signing_is_refused() -> None:
    original = signed(envelope(statuses=[status("wamid.A", "delivered")]))
    tampered = Hook(original.method, original.url, original.headers,
                    original.body.replace(b"delivered", b"read"))
    assert WhatsAppCloudVendor().verify(account(), tampered) is False


def test_an_account_without_its_app_secret_accepts_nothing() -> None:
    bare = Account(key="wa", vendor="whatsapp", channel="whatsapp", sender=PHONE_NUMBER_ID)
    assert WhatsAppCloudVendor().verify(bare, signed(envelope(), secret="")) is False


def subscribe(token: str | None, mode: str = "subscribe") -> Hook:
    query = {"hub.mode": mode, "hub.challenge": "1158201444"}
    if token is not None:
        query["hub.verify_token"] = token
    return Hook("GET", "https://embassy.example/hooks/notify/wa-kl/", {}, b"", query)


def test_the_subscription_check_echoes_the_challenge() -> None:
    reply = WhatsAppCloudVendor().challenge(account(), subscribe("verify-me-123"))
    assert reply is not None
    assert (reply.status, reply.content_type, reply.body) == (200, "text/plain", b"1158201444")


@pytest.mark.parametrize(("token", "mode"), [("wrong", "subscribe"), (None, "subscribe"), ("", "subscribe"),
                                             ("verify-me-123", "unsubscribe")])
def test_a_wrong_verify_token_is_forbidden(token: str | None, mode: str) -> None:
    reply = WhatsAppCloudVendor().challenge(account(), subscribe(token, mode))
    assert reply is not None
    assert reply.status == 403
    assert reply.body == b""


def test_other_requests_are_not_a_challenge() -> None:
    vendor = WhatsAppCloudVendor()
    assert vendor.challenge(account(), signed(envelope())) is None
    assert vendor.challenge(account(), Hook("GET", "https://embassy.example/hooks/notify/wa-kl/", {})) is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff",
        [],
        {"object": "whatsapp_business_account"},
        {"entry": [{"id": "1"}]},
        {"entry": [{"changes": [{"field": "messages"}]}]},
        envelope(statuses={"id": "wamid.A"}),
        envelope(statuses=[{"status": "sent"}]),
        envelope(messages=[{"id": "wamid.M", "type": "text", "text": {"body": "no sender"}}]),
        envelope(messages=["wamid.M"]),
    ],
)
def test_a_malformed_body_is_a_bad_hook(body: Any) -> None:
    with pytest.raises(BadHook):
        WhatsAppCloudVendor().parse(account(), signed(body))
