"""Twilio vendor: the official helper library (`twilio`) really calls the local vendor server; webhooks are
Twilio's documented bodies, signed the way Twilio signs them.

Sources of the bodies (data only):
- the Message resource's create answer and REST error bodies: Twilio docs, "Message resource" and "Test
  credentials" (magic number +15005550001 → 21211), https://www.twilio.com/docs/messaging/api/message-resource;
- status callbacks: Twilio docs, "Track the Message Status of Outbound Messages" and "Outbound Message Status
  in Status Callbacks" (RawDlrDoneDate: Twilio changelog, 14 Feb 2023);
- inbound SMS: Twilio docs, "Twilio's request to your incoming message Webhook URL";
- the signature vectors: twilio-python's tests/unit/test_request_validator.py (token "12345").
"""

from __future__ import annotations

import socket
from base64 import b64encode
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from embassy.notify.channels import Outcome
from embassy.notify.providers import Account, BadHook, Hook, Outgoing, get_vendor
from embassy.notify.providers.twilio import TWIML_EMPTY, TwilioVendor
from embassy.notify.tests.vendor_server import VendorServer

SID = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
TOKEN = "your_auth_token"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
HOOK_URL = "https://embassy.example/hooks/notify/tw-my/"
MESSAGE_SID = "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"

CREATED = {  # Twilio docs: "Create a Message", the 201 answer
    "account_sid": SID, "api_version": "2010-04-01", "body": "Hi there",
    "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": None,
    "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000", "direction": "outbound-api", "error_code": None,
    "error_message": None, "from": "+15017122661", "num_media": "0", "num_segments": "1", "price": None,
    "price_unit": None, "messaging_service_sid": None, "sid": MESSAGE_SID, "status": "queued",
    "subresource_uris": {"media": f"/2010-04-01/Accounts/{SID}/Messages/{MESSAGE_SID}/Media.json"},
    "to": "+15558675310", "uri": f"/2010-04-01/Accounts/{SID}/Messages/{MESSAGE_SID}.json",
}


def rest_error(status: int, code: int, message: str) -> dict[str, Any]:
    """A Twilio REST error body."""
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def status_callback(status: str, **extra: str) -> dict[str, str]:
    return {"AccountSid": SID, "ApiVersion": "2010-04-01", "From": "+15017122661", "MessageSid": MESSAGE_SID,
            "MessageStatus": status, "SmsSid": MESSAGE_SID, "SmsStatus": status, "To": "+15558675310", **extra}


def inbound(body: str, **extra: str) -> dict[str, str]:
    return {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
            "NumMedia": "0", "ToCity": "SAN FRANCISCO", "FromZip": "", "SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
            "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body, "FromCountry": "ID",
            "To": "+15017122661", "ToZip": "94105", "NumSegments": "1",
            "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "AccountSid": SID, "From": "+6281234567890",
            "ApiVersion": "2010-04-01", **extra}


def account(url: str = "http://127.0.0.1:9", **credentials: str) -> Account:
    return Account(key="tw-my", vendor="twilio", channel="sms", sender="+15017122661",
                   credentials=credentials or {"account_sid": SID, "auth_token": TOKEN},
                   options={"base_url": url, "timeout": 2})


def outgoing(text: str = "Hi there", *, sender: str = "", status_url: str = "") -> Outgoing:
    return Outgoing(message_id=42, to="+15558675310", text=text, sender=sender, status_url=status_url)


def signed(form: dict[str, str], *, token: str = TOKEN, url: str = HOOK_URL) -> Hook:
    """A POST as Twilio sends it, with X-Twilio-Signature computed by Twilio's library."""
    signature = RequestValidator(token).compute_signature(url, form)
    return Hook("POST", url, {"x-twilio-signature": signature,
                              "content-type": "application/x-www-form-urlencoded"}, urlencode(form).encode())


@pytest.fixture
def vendor() -> Iterator[VendorServer]:
    with VendorServer() as server:
        yield server


def test_registry_gives_the_twilio_vendor() -> None:
    assert isinstance(get_vendor("twilio"), TwilioVendor)


def test_send_posts_to_the_messages_api_with_basic_auth(vendor: VendorServer) -> None:
    vendor.on("POST", PATH, 201, CREATED)
    result = TwilioVendor().send(account(vendor.url), outgoing(status_url="https://embassy.example/hooks/notify/tw-my/"))

    assert result.outcome is Outcome.SENT and result.provider_id == MESSAGE_SID
    (request,) = vendor.requests
    assert request.method == "POST" and request.route == PATH
    assert request.headers["authorization"] == "Basic " + b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.form() == {"To": "+15558675310", "From": "+15017122661", "Body": "Hi there",
                              "StatusCallback": "https://embassy.example/hooks/notify/tw-my/"}


def test_send_with_an_api_key_and_a_messaging_service(vendor: VendorServer) -> None:
    vendor.on("POST", PATH, 201, CREATED | {"messaging_service_sid": "MG" + "a" * 32})
    acct = account(vendor.url, account_sid=SID, api_key_sid="SK" + "b" * 32, api_key_secret="key-secret")
    result = TwilioVendor().send(acct, outgoing(sender="MG" + "a" * 32))

    assert result.ok
    form = vendor.requests[0].form()
    assert form["MessagingServiceSid"] == "MG" + "a" * 32 and "From" not in form and "StatusCallback" not in form
    assert vendor.requests[0].route == PATH  # the account's path, the key's credentials
    key_auth = b64encode(("SK" + "b" * 32 + ":key-secret").encode()).decode()
    assert vendor.requests[0].headers["authorization"] == "Basic " + key_auth


def test_an_alphanumeric_sender_is_sent_as_from(vendor: VendorServer) -> None:
    vendor.on("POST", PATH, 201, CREATED)
    assert TwilioVendor().send(account(vendor.url), outgoing(sender="KBRI KL")).ok
    assert vendor.requests[0].form()["From"] == "KBRI KL"


@pytest.mark.parametrize(("status", "code", "message", "outcome", "words"), [
    (400, 21211, "The 'To' number +15005550001 is not a valid phone number.", Outcome.FAILED, "21211"),
    (400, 21610, "Attempt to send to unsubscribed recipient", Outcome.FAILED, "opted out"),
    (401, 20003, "Authenticate", Outcome.FAILED, "20003"),
    (429, 20429, "Too Many Requests", Outcome.RETRY, "20429"),
    (500, 20500, "Internal Server Error", Outcome.RETRY, "20500"),
    (503, 20503, "Service Unavailable", Outcome.RETRY, "20503"),
])
def test_rest_errors_fail_or_retry(vendor: VendorServer, status: int, code: int, message: str,
                                   outcome: Outcome, words: str) -> None:
    vendor.on("POST", PATH, status, rest_error(status, code, message))
    result = TwilioVendor().send(account(vendor.url), outgoing())

    assert result.outcome is outcome and result.status_code == status
    assert words in result.error and message in result.error


def test_retry_after_is_honoured(vendor: VendorServer) -> None:
    vendor.on("POST", PATH, 429, rest_error(429, 20429, "Too Many Requests"),
              headers={"Content-Type": "application/json", "Retry-After": "7"})
    result = TwilioVendor().send(account(vendor.url), outgoing())
    assert result.outcome is Outcome.RETRY and result.retry_after == 7


def test_a_refused_connection_is_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = TwilioVendor().send(account(f"http://127.0.0.1:{port}"), outgoing())
    assert result.outcome is Outcome.RETRY and "unreachable" in result.error


def test_a_silent_server_times_out_and_is_retried() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        acct = Account(key="tw-my", vendor="twilio", channel="sms", sender="+15017122661",
                       credentials={"account_sid": SID, "auth_token": TOKEN},
                       options={"base_url": f"http://127.0.0.1:{silent.getsockname()[1]}", "timeout": 0.3})
        result = TwilioVendor().send(acct, outgoing())
    assert result.outcome is Outcome.RETRY and "Timeout" in result.error


@pytest.mark.parametrize("text", ["مرحبا، هل أنت بخير؟", "你好，你安全吗？", "Aman? 🙏🏽 ✅"])
def test_non_latin_text_reaches_twilio_unchanged(vendor: VendorServer, text: str) -> None:
    vendor.on("POST", PATH, 201, CREATED | {"body": text})
    assert TwilioVendor().send(account(vendor.url), outgoing(text)).ok
    assert vendor.requests[0].form()["Body"] == text


def test_an_empty_text_is_refused_without_calling_twilio(vendor: VendorServer) -> None:
    result = TwilioVendor().send(account(vendor.url), outgoing("  "))
    assert result.outcome is Outcome.FAILED and "21602" in result.error
    assert vendor.requests == []


@pytest.mark.parametrize(("status", "ours"), [
    ("sent", "sent"), ("delivered", "delivered"), ("read", "read"),
])
def test_status_callbacks_become_receipts(status: str, ours: str) -> None:
    extra = {"RawDlrDoneDate": "2302141521"} if status == "delivered" else {}
    parsed = TwilioVendor().parse(account(), signed(status_callback(status, **extra)))
    assert [(r.provider_id, r.status, r.error) for r in parsed.receipts] == [(MESSAGE_SID, ours, "")]
    assert parsed.inbound == []


@pytest.mark.parametrize(("status", "code", "words"), [
    ("undelivered", "30003", "unreachable destination handset"),
    ("undelivered", "30005", "unknown destination handset"),
    ("undelivered", "30006", "landline or unreachable carrier"),
    ("failed", "30007", "filtered by the carrier"),
    ("undelivered", "30008", "unknown error"),
])
def test_failures_carry_the_error_code_and_its_meaning(status: str, code: str, words: str) -> None:
    parsed = TwilioVendor().parse(account(), signed(status_callback(status, ErrorCode=code)))
    (receipt,) = parsed.receipts
    assert receipt.status == "failed" and code in receipt.error and words in receipt.error


def test_a_canceled_message_is_failed() -> None:
    (receipt,) = TwilioVendor().parse(account(), signed(status_callback("canceled"))).receipts
    assert receipt.status == "failed" and receipt.error.startswith("canceled")


@pytest.mark.parametrize("status", ["queued", "accepted", "scheduled", "sending"])
def test_steps_inside_twilio_give_no_receipt(status: str) -> None:
    assert TwilioVendor().parse(account(), signed(status_callback(status))).receipts == []


def test_an_inbound_sms_becomes_inbound() -> None:
    parsed = TwilioVendor().parse(account(), signed(inbound("AMAN")))
    (message,) = parsed.inbound
    assert (message.provider_id, message.sender, message.to, message.text) == (
        "SM1f0e8ae6ade43cb3c0ce4525424e404f", "+6281234567890", "+15017122661", "AMAN")
    assert parsed.receipts == []


def test_an_inbound_sms_by_get_is_read_from_the_query() -> None:
    form = inbound("1")
    hook = Hook("GET", HOOK_URL + "?" + urlencode(form), {}, b"", form)
    assert TwilioVendor().parse(account(), hook).inbound[0].text == "1"


@pytest.mark.parametrize("text", ["مرحبا، أحتاج مساعدة", "救命！我在酒店", "TOLONG 🆘", ""])
def test_inbound_text_in_any_script_round_trips_and_verifies(text: str) -> None:
    hook = signed(inbound(text))
    assert TwilioVendor().verify(account(), hook)
    assert TwilioVendor().parse(account(), hook).inbound[0].text == text


def test_a_picture_without_text_reads_media() -> None:
    hook = signed(inbound("", NumMedia="1", MediaContentType0="image/jpeg",
                          MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME1"))
    assert TwilioVendor().parse(account(), hook).inbound[0].text == "[media]"


def test_twilio_signature_vector_from_the_library_tests() -> None:
    """An independent vector: Twilio's own test signs this request with the token "12345"."""
    params = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309", "To": "+18005551212",
              "Caller": "+14158675309"}
    hook = Hook("POST", "https://mycompany.com/myapp.php?foo=1&bar=2",
                {"x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}, urlencode(params).encode())
    assert TwilioVendor().verify(account(account_sid=SID, auth_token="12345"), hook)


def test_the_json_body_variant_is_verified_by_its_hash() -> None:
    body = b'{"property": "value", "boolean": true}'
    url = ("https://mycompany.com/myapp.php?foo=1&bar=2"
           "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
    acct = account(account_sid=SID, auth_token="12345")
    hook = Hook("POST", url, {"x-twilio-signature": "a9nBmqA0ju/hNViExpshrM61xv4=",
                              "content-type": "application/json"}, body)
    assert TwilioVendor().verify(acct, hook)
    assert not TwilioVendor().verify(acct, Hook("POST", url, hook.headers, body.replace(b"true", b"false")))


def test_a_signed_get_is_verified_over_its_url() -> None:
    url = HOOK_URL + "?" + urlencode(inbound("1"))
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    assert TwilioVendor().verify(account(), Hook("GET", url, {"x-twilio-signature": signature}, b"", inbound("1")))


def test_forged_missing_or_wrongly_keyed_signatures_are_refused() -> None:
    vendor, good = TwilioVendor(), signed(status_callback("delivered"))
    assert vendor.verify(account(), good)

    forged = Hook("POST", HOOK_URL, {"x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}, good.body)
    tampered = Hook("POST", HOOK_URL, good.headers, good.body.replace(b"delivered", b"failed"))
    elsewhere = Hook("POST", HOOK_URL + "other/", good.headers, good.body)
    unsigned = Hook("POST", HOOK_URL, {}, good.body)
    assert not any(vendor.verify(account(), hook) for hook in (forged, tampered, elsewhere, unsigned))
    assert not vendor.verify(account(account_sid=SID, auth_token="another-token"), good)
    assert not vendor.verify(account(account_sid=SID), good)  # no auth token: nothing can be verified


def test_a_shared_key_signature_uses_its_algorithm_and_secret() -> None:
    form = status_callback("delivered")
    signature = RequestValidator("shared-secret").compute_signature(HOOK_URL, form, "HMAC_SHA256")
    headers = {"x-twilio-signature": signature,
               "x-twilio-webhooks-signature-settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"}
    hook = Hook("POST", HOOK_URL, headers, urlencode(form).encode())
    assert TwilioVendor().verify(account(account_sid=SID, auth_token=TOKEN, webhook_secret="shared-secret"), hook)
    assert not TwilioVendor().verify(account(), hook)


@pytest.mark.parametrize("form", [
    {"MessageStatus": "delivered", "To": "+15558675310"},  # no MessageSid
    {"MessageSid": MESSAGE_SID, "Body": "AMAN", "To": "+15017122661"},  # inbound without From
    {"MessageSid": MESSAGE_SID, "SmsStatus": "received", "From": "", "Body": "1"},  # empty From
    {"MessageSid": MESSAGE_SID, "To": "+15017122661"},  # neither a status nor a body
])
def test_malformed_bodies_are_bad_hooks(form: dict[str, str]) -> None:
    with pytest.raises(BadHook):
        TwilioVendor().parse(account(), Hook("POST", HOOK_URL, {}, urlencode(form).encode()))


def test_a_body_that_is_not_utf8_is_a_bad_hook_and_fails_verification() -> None:
    hook = Hook("POST", HOOK_URL, {"x-twilio-signature": "x"}, b"Body=\xff\xfe&MessageSid=SM1")
    with pytest.raises(BadHook):
        TwilioVendor().parse(account(), hook)
    assert not TwilioVendor().verify(account(), hook)


def test_reply_is_empty_twiml() -> None:
    reply = TwilioVendor().reply(account(), signed(inbound("1")), TwilioVendor().parse(account(), signed(inbound("1"))))
    assert (reply.status, reply.content_type, reply.body) == (200, "text/xml", TWIML_EMPTY)
    assert reply.body == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
