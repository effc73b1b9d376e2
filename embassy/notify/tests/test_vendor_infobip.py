"""Infobip: Infobip's official SDK sends through the local vendor server (real HTTP on loopback); delivery
reports and inbound SMS come in as Infobip posts them.

Bodies are Infobip's documented examples, as recorded in the SDK's own tests (github.com/infobip/
infobip-api-python-client, infobip_api_client/tests/test_sms_api.py: the send response, the delivery-report
and inbound webhook models, and tests/test_error_processing.py: the error bodies); other status and error
names come from Infobip's "Response status and error codes" page. Numbers and texts are changed to ours."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import pytest

from embassy.notify.channels import Outcome
from embassy.notify.providers import Account, BadHook, Hook, Outgoing, get_vendor
from embassy.notify.providers.infobip import InfobipVendor
from embassy.notify.tests.vendor_server import VendorServer

SEND = "/sms/3/messages"
API_KEY = "ib-api-key-0001"


def account(base_url: str, **options: Any) -> Account:
    return Account(
        key="ib-my", vendor="infobip", channel="sms", sender="KBRI KL",
        credentials={"api_key": API_KEY, "webhook_username": "embassy", "webhook_password": "s3cret-pass"},
        options={"base_url": base_url, **options},
    )


def outgoing(text: str = "Anda aman? Balas 1 AMAN, 2 TOLONG", **fields: Any) -> Outgoing:
    values: dict[str, Any] = {"message_id": 4711, "to": "+60123456789", "text": text, "sender": "KBRI KL"}
    return Outgoing(**{**values, **fields})


def send_response(group: str = "PENDING", status_id: int = 26, name: str = "PENDING_ACCEPTED",
                  description: str = "Message sent to next instance", message_id: str = "se-ib-my-4711") -> dict:
    group_ids = {"PENDING": 1, "REJECTED": 5}
    return {
        "bulkId": "2034072219640523072",
        "messages": [{
            "messageId": message_id,
            "status": {"groupId": group_ids.get(group, 1), "groupName": group, "id": status_id, "name": name,
                       "description": description},
            "destination": "60123456789",
            "details": {"messageCount": 1},
        }],
    }


def error_body(message_id: str, text: str) -> dict:
    return {"requestError": {"serviceException": {"messageId": message_id, "text": text}}}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def hook(body: Any, authorization: str | None = None) -> Hook:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    headers["authorization"] = basic("embassy", "s3cret-pass") if authorization is None else authorization
    return Hook("POST", "https://embassy.example/hooks/notify/ib-my/", headers, raw)


@pytest.fixture
def vendor(shared_vendor: VendorServer) -> VendorServer:
    return shared_vendor  # conftest: one local API per module, reset for each test


# --- sending -------------------------------------------------------------------------------------------


def test_a_sent_message_is_what_infobip_documents(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 200, send_response())
    result = InfobipVendor().send(
        account(vendor.url), outgoing(status_url="https://embassy.example/hooks/notify/ib-my/")
    )

    assert result.outcome is Outcome.SENT
    assert result.provider_id == "se-ib-my-4711"
    [request] = vendor.requests
    assert request.method == "POST"
    assert request.route == SEND
    assert request.headers["authorization"] == f"App {API_KEY}"
    [message] = request.json()["messages"]
    assert message["sender"] == "KBRI KL"
    assert message["destinations"] == [{"to": "60123456789", "messageId": "se-ib-my-4711"}]
    assert message["content"] == {"text": "Anda aman? Balas 1 AMAN, 2 TOLONG"}
    assert message["webhooks"] == {
        "delivery": {"url": "https://embassy.example/hooks/notify/ib-my/"},
        "contentType": "application/json",
        "callbackData": "4711",
    }


def test_without_a_status_url_the_subscription_decides_where_reports_go(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 200, send_response())
    result = InfobipVendor().send(account(vendor.url), outgoing(sender="", status_url=""))

    assert result.ok
    [message] = vendor.requests[0].json()["messages"]
    assert "delivery" not in message["webhooks"]
    assert message["sender"] == "KBRI KL"  # the account's default sender


def test_the_registry_finds_the_vendor() -> None:
    assert isinstance(get_vendor("infobip"), InfobipVendor)


def test_non_latin_text_and_emoji_reach_infobip_intact(vendor: VendorServer) -> None:
    text = "Apakah Anda aman? 🙏 هل أنت بخير؟ 你安全吗？"
    vendor.on("POST", SEND, 200, send_response())
    assert InfobipVendor().send(account(vendor.url), outgoing(text)).ok
    assert vendor.requests[0].json()["messages"][0]["content"]["text"] == text


def test_an_empty_text_is_refused_without_calling_infobip(vendor: VendorServer) -> None:
    result = InfobipVendor().send(account(vendor.url), outgoing("   "))
    assert result.outcome is Outcome.FAILED
    assert "no text" in result.error
    assert vendor.requests == []


def test_an_account_without_its_base_url_fails_with_a_clear_reason() -> None:
    result = InfobipVendor().send(account(""), outgoing())
    assert result.outcome is Outcome.FAILED
    assert "base_url" in result.error


def test_a_rejected_message_fails_with_infobips_reason(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 200, send_response("REJECTED", 52, "REJECTED_DESTINATION", "Invalid destination address"))
    result = InfobipVendor().send(account(vendor.url), outgoing())

    assert result.outcome is Outcome.FAILED
    assert "REJECTED_DESTINATION" in result.error
    assert "Invalid destination address" in result.error


def test_a_retried_send_that_infobip_already_has_counts_as_sent(vendor: VendorServer) -> None:
    """The first answer was lost; Infobip refuses the same messageId again, so the person gets it once."""
    vendor.on("POST", SEND, 200, send_response("REJECTED", 23, "REJECTED_DUPLICATE_MESSAGE_ID", "Duplicate message ID"))
    result = InfobipVendor().send(account(vendor.url), outgoing())
    assert result.outcome is Outcome.SENT
    assert result.provider_id == "se-ib-my-4711"


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (429, error_body("TOO_MANY_REQUESTS", "Too many requests"), Outcome.RETRY),
        (500, error_body("GENERAL_ERROR", "Something went wrong. Please contact support."), Outcome.RETRY),
        (503, b"Service Unavailable", Outcome.RETRY),
        (400, {"requestError": {"serviceException": {
            "messageId": "BAD_REQUEST", "text": "Bad Request",
            "validationErrors": {"messages[0].destinations": ["must not be empty"]}}}}, Outcome.FAILED),
        (401, error_body("UNAUTHORIZED", "Invalid login details"), Outcome.FAILED),
        (403, error_body("UNAUTHORIZED", "Unauthorized access"), Outcome.FAILED),
    ],
)
def test_http_errors_are_retried_or_failed(vendor: VendorServer, status: int, body: Any, outcome: Outcome) -> None:
    vendor.on("POST", SEND, status, body)
    result = InfobipVendor().send(account(vendor.url), outgoing())

    assert result.outcome is outcome
    assert result.status_code == status
    assert f"HTTP {status}" in result.error
    if isinstance(body, dict):
        assert body["requestError"]["serviceException"]["text"] in result.error


def test_the_v3_error_body_is_read_too(vendor: VendorServer) -> None:
    """The shape of the SDK's ApiError model (errorCode, description, action, violations, resources)."""
    vendor.on("POST", SEND, 400, {
        "errorCode": "E400", "description": "Request cannot be processed.",
        "action": "Check the syntax, violations and adjust the request.",
        "violations": [{"property": "messages[0].destinations[0].to", "violation": "must not be blank"}],
        "resources": [],
    })
    result = InfobipVendor().send(account(vendor.url), outgoing())
    assert result.outcome is Outcome.FAILED
    assert "E400: Request cannot be processed." in result.error


def test_a_rate_limit_answer_carries_retry_after(vendor: VendorServer) -> None:
    vendor.on("POST", SEND, 429, error_body("TOO_MANY_REQUESTS", "Too many requests"),
              headers={"Content-Type": "application/json", "Retry-After": "30"})
    result = InfobipVendor().send(account(vendor.url), outgoing())
    assert result.outcome is Outcome.RETRY
    assert result.retry_after == 30


def test_an_unreachable_infobip_is_retried() -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = InfobipVendor().send(account(f"http://127.0.0.1:{port}"), outgoing())
    assert result.outcome is Outcome.RETRY
    assert "unreachable" in result.error


# --- delivery reports and inbound SMS -----------------------------------------------------------------

def report(message_id: str, group_id: int, group: str, status_id: int, name: str, description: str, *,
           error: dict | None = None) -> dict:
    return {
        "bulkId": "BULK-ID-123-xyz",
        "price": {"pricePerMessage": 0.01, "currency": "EUR"},
        "status": {"groupId": group_id, "groupName": group, "id": status_id, "name": name,
                   "description": description},
        "error": error or {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR",
                           "description": "No Error", "permanent": False},
        "messageId": message_id,
        "to": "60123456789",
        "sender": "KBRI KL",
        "sentAt": "2023-08-01T16:10:00+05:30",
        "doneAt": "2023-08-01T16:10:02+05:30",
        "messageCount": 1,
        "callbackData": message_id.rsplit("-", 1)[-1],
    }


BATCH = {"results": [
    report("se-ib-my-1", 3, "DELIVERED", 5, "DELIVERED_TO_HANDSET", "Message delivered to handset"),
    report("se-ib-my-2", 2, "UNDELIVERABLE", 9, "UNDELIVERABLE_NOT_DELIVERED", "Message sent not delivered",
           error={"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 27, "name": "EC_ABSENT_SUBSCRIBER",
            "description": "Absent Subscriber", "permanent": False}),
    report("se-ib-my-3", 4, "EXPIRED", 15, "EXPIRED_EXPIRED", "Message expired"),
    report("se-ib-my-4", 5, "REJECTED", 52, "REJECTED_DESTINATION", "Invalid destination address"),
    report("se-ib-my-5", 1, "PENDING", 3, "PENDING_WAITING_DELIVERY", "Message sent, waiting for delivery report"),
]}


def test_a_batched_delivery_report_gives_one_receipt_per_result() -> None:
    parsed = InfobipVendor().parse(account("https://x.api.infobip.com"), hook(BATCH))

    assert parsed.inbound == []
    by_id = {r.provider_id: r for r in parsed.receipts}
    assert [by_id[f"se-ib-my-{i}"].status for i in range(1, 6)] == ["delivered", "failed", "failed", "failed", "sent"]
    assert by_id["se-ib-my-1"].error == ""
    assert "UNDELIVERABLE_NOT_DELIVERED" in by_id["se-ib-my-2"].error
    assert "EC_ABSENT_SUBSCRIBER: Absent Subscriber" in by_id["se-ib-my-2"].error
    assert "EXPIRED" in by_id["se-ib-my-3"].error
    assert "REJECTED_DESTINATION: Invalid destination address" in by_id["se-ib-my-4"].error
    done = by_id["se-ib-my-1"].at
    assert done is not None
    assert done.isoformat() == "2023-08-01T16:10:02+05:30"


def inbound(text: str | None, message_id: str = "817790313235066447", **extra: Any) -> dict:
    result: dict[str, Any] = {
        "messageId": message_id, "from": "60123456789", "to": "60300000000", "cleanText": "", "keyword": "SOS",
        "receivedAt": "2016-10-06T09:28:39.220+0000", "smsCount": 1,
        "price": {"pricePerMessage": 0.0, "currency": "EUR"}, "callbackData": "callbackData", **extra,
    }
    if text is not None:
        result["text"] = text
    return {"results": [result], "messageCount": 1, "pendingMessageCount": 0}


def test_an_inbound_sms_becomes_an_inbound_message_from_an_e164_number() -> None:
    body = inbound("SOS 3.139,101.687 https://maps.example/?q=3.139,101.687", cleanText="3.139,101.687")
    [message] = InfobipVendor().parse(account("https://x.api.infobip.com"), hook(body)).inbound

    assert message.provider_id == "817790313235066447"
    assert message.sender == "+60123456789"
    assert message.to == "60300000000"
    assert message.text == "SOS 3.139,101.687 https://maps.example/?q=3.139,101.687"  # keyword kept
    assert message.at is not None
    assert message.at.isoformat() == "2016-10-06T09:28:39.220000+00:00"


@pytest.mark.parametrize("text", ["TOLONG 🙏 kami terjebak banjir", "مساعدة", "救命", ""])
def test_inbound_text_in_any_script_or_empty_is_kept(text: str) -> None:
    [message] = InfobipVendor().parse(account("https://x.api.infobip.com"), hook(inbound(text))).inbound
    assert message.text == text


def test_inbound_without_text_falls_back_to_clean_text() -> None:
    [message] = InfobipVendor().parse(account("x"), hook(inbound(None, cleanText="AMAN"))).inbound
    assert message.text == "AMAN"


# --- authentication and malformed bodies --------------------------------------------------------------

@pytest.mark.parametrize(
    "authorization",
    [
        "",
        basic("embassy", "wrong-pass"),
        basic("someone", "s3cret-pass"),
        basic("embassy", "s3cret-pass")[:-4],  # truncated base64
        "Basic !!!not-base64!!!",
        "Bearer " + base64.b64encode(b"embassy:s3cret-pass").decode(),
        "Basic " + base64.b64encode(b"embassys3cret-pass").decode(),  # no colon
    ],
)
def test_a_forged_or_missing_authorization_is_refused(authorization: str) -> None:
    assert InfobipVendor().verify(account("x"), hook(BATCH, authorization)) is False


def test_the_configured_basic_credentials_are_accepted() -> None:
    assert InfobipVendor().verify(account("x"), hook(BATCH)) is True


def test_an_account_without_webhook_credentials_accepts_nothing() -> None:
    bare = Account(key="ib-my", vendor="infobip", channel="sms", credentials={"api_key": API_KEY})
    assert InfobipVendor().verify(bare, hook(BATCH, basic("", ""))) is False


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        [],
        {"result": []},
        {"results": {"messageId": "1"}},
        {"results": ["se-ib-my-1"]},
        {"results": [{"status": {"groupName": "DELIVERED"}}]},  # no messageId
        {"results": [{"messageId": "1", "to": "60123456789"}]},  # neither a report nor an inbound
    ],
)
def test_a_malformed_body_is_a_bad_hook(body: Any) -> None:
    with pytest.raises(BadHook):
        InfobipVendor().parse(account("x"), hook(body))
