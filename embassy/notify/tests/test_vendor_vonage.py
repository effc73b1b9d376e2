"""Vonage vendor: the SMS part of Vonage's SDK (vonage-sms on vonage-http-client) really calls the local
vendor server; webhooks are Vonage's documented bodies, signed the way Vonage documents.

The SDK speaks HTTPS only (https://{rest_host}{path}), so the local vendor server is served over TLS here
with a certificate made for this test run, which requests (inside the SDK) trusts through REQUESTS_CA_BUNDLE.

Sources of the bodies (data only):
- send answers: Vonage docs, "Troubleshooting SMS" (the 200 answer with message-id 0C000000217B7F02) and the
  SDK's recorded answers in Vonage/vonage-python-sdk sms/tests/data/ (send_sms_error.json: status 7 "Number
  barred."; send_sms_partial_error.json; send_long_sms.json) and http_client/tests/data/ (429.json, 500.json,
  401.json);
- delivery receipts and inbound SMS: the SMS API's OpenAPI description (Nexmo/api-specification,
  definitions/sms.yml: DeliveryReceipt and InboundMessage examples) and a GET receipt recorded by
  nyaruka/courier (handlers/nexmo);
- signing: Vonage docs, "Signing Messages" (sorted "&name=value" with "&" and "=" in values replaced by "_";
  "MD5 hash" appends the secret, the HMACs key with it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import time
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from embassy.notify.channels import Outcome
from embassy.notify.providers import Account, BadHook, Hook, Outgoing, get_vendor
from embassy.notify.providers.vonage import VonageVendor
from embassy.notify.tests.vendor_server import VendorServer

KEY, SECRET, SIGNING = "abcd1234", "abcdef0123456789", "signature-secret-0123456789"
HOOK_URL = "https://embassy.example/hooks/notify/vg-sa/"

SENT = {"message-count": "1", "messages": [{  # Vonage docs, "Troubleshooting SMS"
    "to": "447700900000", "message-id": "0C000000217B7F02", "status": "0", "remaining-balance": "15.53590000",
    "message-price": "0.03330000", "network": "23410"}]}
BARRED = {"message-count": "1", "messages": [{"status": "7", "error-text": "Number barred."}]}
PARTIAL = {"message-count": "2", "messages": [
    {"to": "1234567890", "message-id": "3295d748-4e14-4681-af78-166dca3c5aab", "status": "0",
     "remaining-balance": "38.07243628", "message-price": "0.04120000", "network": "23420"},
    {"status": "1", "error-text": "Throttled"}]}
LONG = {"message-count": "2", "messages": [
    {"to": "1234567890", "message-id": "62dfdf68-6c7c-479a-a190-5c52f798a787", "status": "0",
     "remaining-balance": "37.43563628", "message-price": "0.04120000", "network": "23420", "client-ref": "ref123"},
    {"to": "1234567890", "message-id": "72ff9536-62d6-455a-9f0b-65f3c265b423", "status": "0",
     "remaining-balance": "37.43563628", "message-price": "0.04120000", "network": "23420", "client-ref": "ref123"}]}
RATE_LIMITED = {"title": "Rate Limit Hit", "type": "https://developer.vonage.com/api-errors#rate-limit",
                "detail": "Please wait, then retry your request", "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"}
SERVER_ERROR = {"type": "https://developer.vonage.com/api-errors", "title": "Internal Server Error",
                "instance": "272c5fa3-c02a-4451-b33c-d01e8de74023"}
UNAUTHORIZED = {"type": "https://developer.nexmo.com/api-errors#unauthorized", "title": "Unauthorized",
                "detail": "You did not provide correct credentials.", "instance": "a813c536-43f6-4568-acbf-f36ef2db955a"}


def refused(status: str, text: str) -> dict[str, Any]:
    return {"message-count": "1", "messages": [{"status": status, "error-text": text}]}


def receipt(status: str, err: str = "0", **extra: str) -> dict[str, str]:
    """A delivery receipt (the specification's DeliveryReceipt example)."""
    return {"msisdn": "447700900000", "to": "AcmeInc", "network-code": "12345", "messageId": "0A0000001234567B",
            "price": "0.03330000", "status": status, "scts": "2001011400", "err-code": err, "api-key": KEY,
            "client-ref": "42", "message-timestamp": "2020-01-01 12:00:00", **extra}


def inbound(text: str = "Hello world", **extra: str) -> dict[str, str]:
    """An inbound SMS (the specification's InboundMessage example)."""
    return {"api-key": KEY, "msisdn": "447700900001", "to": "447700900000", "messageId": "0A0000000123ABCD1",
            "text": text, "type": "text", "keyword": text.split(" ")[0].upper() if text else "",
            "message-timestamp": "2020-01-01 12:00:00", **extra}


def sign(params: dict[str, str], method: str = "md5hash", secret: str = SIGNING, at: float | None = None
         ) -> dict[str, str]:
    """`params` with timestamp, nonce and sig, computed here from Vonage's description of the scheme."""
    params = params | {"timestamp": str(int(time.time() if at is None else at)),
                       "nonce": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}
    text = "".join(f"&{k}={v.replace('&', '_').replace('=', '_')}" for k, v in sorted(params.items()))
    if method == "md5hash":
        sig = hashlib.md5((text + secret).encode(), usedforsecurity=False).hexdigest()
    else:
        sig = hmac.new(secret.encode(), text.encode(), method).hexdigest().upper()
    return params | {"sig": sig}


def get(params: dict[str, str]) -> Hook:
    return Hook("GET", HOOK_URL + "?" + urlencode(params), {}, b"", params)


def post_form(params: dict[str, str]) -> Hook:
    return Hook("POST", HOOK_URL, {"content-type": "application/x-www-form-urlencoded"}, urlencode(params).encode())


def post_json(params: dict[str, str]) -> Hook:
    return Hook("POST", HOOK_URL, {"content-type": "application/json"}, json.dumps(params).encode())


def account(url: str = "https://127.0.0.1:9", method: str = "md5hash", **credentials: str) -> Account:
    return Account(key="vg-sa", vendor="vonage", channel="sms", sender="AcmeInc",
                   credentials=credentials or {"api_key": KEY, "api_secret": SECRET, "signature_secret": SIGNING},
                   options={"base_url": url, "signature_method": method, "timeout": 2})


def outgoing(text: str = "Hello World!", *, sender: str = "", status_url: str = "") -> Outgoing:
    return Outgoing(message_id=42, to="+447700900000", text=text, sender=sender, status_url=status_url)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it, made for this run (nothing secret is kept)."""
    folder, now = tmp_path_factory.mktemp("tls"), dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notify test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem")
    return context, folder / "ca.pem"


@pytest.fixture
def vendor(tls: tuple[ssl.SSLContext, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[VendorServer]:
    """The shared local vendor server, its listening socket wrapped in TLS before any request reaches it."""
    context, ca = tls
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    with VendorServer() as server:
        assert server._server is not None
        server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
        server.url = server.url.replace("http://", "https://")
        yield server


def test_registry_gives_the_vonage_vendor() -> None:
    assert isinstance(get_vendor("vonage"), VonageVendor)


def test_send_posts_the_form_to_the_sms_api(vendor: VendorServer) -> None:
    vendor.on("POST", "/sms/json", 200, SENT)
    result = VonageVendor().send(account(vendor.url), outgoing(status_url="https://embassy.example/hooks/vg/"))

    assert result.outcome is Outcome.SENT and result.provider_id == "0C000000217B7F02"
    (request,) = vendor.requests
    assert request.route == "/sms/json"
    assert request.headers["authorization"] == "Basic " + b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert request.form() == {"to": "447700900000", "from": "AcmeInc", "text": "Hello World!", "client-ref": "42",
                              "callback": "https://embassy.example/hooks/vg/"}


def test_a_number_sender_loses_its_plus_and_rest_host_is_an_option(vendor: VendorServer) -> None:
    vendor.on("POST", "/sms/json", 200, SENT)
    acct = Account(key="vg", vendor="vonage", channel="sms", credentials={"api_key": KEY, "api_secret": SECRET},
                   options={"rest_host": vendor.url.removeprefix("https://")})
    assert VonageVendor().send(acct, outgoing(sender="+447700900001")).ok
    assert vendor.requests[0].form()["from"] == "447700900001"


@pytest.mark.parametrize("text", ["مرحبا، هل أنت بخير؟", "你好，你安全吗？", "Aman? 🙏🏽"])
def test_non_gsm_text_is_sent_as_unicode_unchanged(vendor: VendorServer, text: str) -> None:
    vendor.on("POST", "/sms/json", 200, SENT)
    assert VonageVendor().send(account(vendor.url), outgoing(text)).ok
    form = vendor.requests[0].form()
    assert form["type"] == "unicode" and form["text"] == text


def test_an_empty_text_is_refused_without_calling_vonage(vendor: VendorServer) -> None:
    result = VonageVendor().send(account(vendor.url), outgoing(""))
    assert result.outcome is Outcome.FAILED and "empty" in result.error
    assert vendor.requests == []


def test_a_too_long_callback_is_left_to_the_dashboard(vendor: VendorServer) -> None:
    vendor.on("POST", "/sms/json", 200, SENT)
    assert VonageVendor().send(account(vendor.url), outgoing(status_url="https://e.example/" + "x" * 100)).ok
    assert "callback" not in vendor.requests[0].form()


@pytest.mark.parametrize(("body", "outcome", "words"), [
    (refused("1", "Throttled"), Outcome.RETRY, "throttled"),
    (refused("5", "Internal Error"), Outcome.RETRY, "internal error"),
    (refused("10", "Too Many Existing Binds"), Outcome.RETRY, "binds"),
    (BARRED, Outcome.FAILED, "Number barred."),
    (refused("2", "Missing to param"), Outcome.FAILED, "Missing to param"),
    (refused("6", "Invalid Message"), Outcome.FAILED, "invalid message"),
    (refused("9", "Partner Quota Exceeded"), Outcome.FAILED, "credit"),
    (refused("29", "Non White-listed Destination - rejected"), Outcome.FAILED, "demo mode"),
    (PARTIAL, Outcome.FAILED, "1 of 2 parts"),
])
def test_per_message_statuses_fail_or_retry(vendor: VendorServer, body: dict[str, Any], outcome: Outcome,
                                            words: str) -> None:
    vendor.on("POST", "/sms/json", 200, body)
    result = VonageVendor().send(account(vendor.url), outgoing())
    assert result.outcome is outcome and words in result.error


def test_a_text_vonage_split_is_sent_under_its_first_part(vendor: VendorServer) -> None:
    vendor.on("POST", "/sms/json", 200, LONG)
    result = VonageVendor().send(account(vendor.url), outgoing("x" * 200))
    assert result.ok and result.provider_id == "62dfdf68-6c7c-479a-a190-5c52f798a787"


@pytest.mark.parametrize(("status", "body", "outcome"), [
    (429, RATE_LIMITED, Outcome.RETRY), (500, SERVER_ERROR, Outcome.RETRY), (503, SERVER_ERROR, Outcome.RETRY),
    (401, UNAUTHORIZED, Outcome.FAILED),
])
def test_http_errors_fail_or_retry(vendor: VendorServer, status: int, body: dict[str, Any], outcome: Outcome
                                   ) -> None:
    vendor.on("POST", "/sms/json", status, body, headers={"Content-Type": "application/json", "Retry-After": "3"})
    result = VonageVendor().send(account(vendor.url), outgoing())
    assert result.outcome is outcome and result.status_code == status and body["title"] in result.error
    if outcome is Outcome.RETRY:
        assert result.retry_after == 3


def test_a_refused_connection_is_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = VonageVendor().send(account(f"https://127.0.0.1:{port}"), outgoing())
    assert result.outcome is Outcome.RETRY and "unreachable" in result.error


def test_a_plain_http_base_url_is_refused_clearly() -> None:
    result = VonageVendor().send(account("http://127.0.0.1:9"), outgoing())
    assert result.outcome is Outcome.FAILED and "HTTPS" in result.error


@pytest.mark.parametrize(("status", "err", "ours", "words"), [
    ("delivered", "0", "delivered", ""),
    ("accepted", "0", "sent", ""),
    ("buffered", "0", "sent", ""),
    ("expired", "2", "failed", "absent subscriber (temporary)"),
    ("failed", "6", "failed", "anti-spam rejection"),
    ("rejected", "4", "failed", "call barred by user"),
    ("unknown", "1", "failed", "unknown"),
])
def test_delivery_receipts_of_each_status(status: str, err: str, ours: str, words: str) -> None:
    for hook in (get(receipt(status, err)), post_form(receipt(status, err)), post_json(receipt(status, err))):
        (got,) = VonageVendor().parse(account(), hook).receipts
        assert (got.provider_id, got.status) == ("0A0000001234567B", ours)
        assert got.at == dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.UTC)
        assert (words in got.error and f"err-code {err}" in got.error) if ours == "failed" else got.error == ""


def test_a_receipt_recorded_from_vonage() -> None:
    query = ("msisdn=4527631111&to=Tak&network-code=23820&messageId=0C0000002EEBDA56&price=0.01820000"
             "&status=delivered&scts=1705021324&err-code=0&message-timestamp=2017-05-02+11%3A24%3A03")
    hook = Hook("GET", HOOK_URL + "?" + query, {}, b"", dict(parse_qsl(query)))
    (got,) = VonageVendor().parse(account(), hook).receipts
    assert (got.provider_id, got.status) == ("0C0000002EEBDA56", "delivered")
    assert got.at == dt.datetime(2017, 5, 2, 11, 24, 3, tzinfo=dt.UTC)


def test_an_inbound_sms_becomes_inbound() -> None:
    (message,) = VonageVendor().parse(account(), get(inbound("AMAN"))).inbound
    assert (message.provider_id, message.sender, message.to, message.text) == (
        "0A0000000123ABCD1", "+447700900001", "+447700900000", "AMAN")
    assert message.at == dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["مرحبا، أحتاج مساعدة", "救命！我在酒店", "TOLONG 🆘", ""])
def test_inbound_text_in_any_script_round_trips(text: str) -> None:
    params = inbound(text, type="text" if text.isascii() else "unicode")
    for hook in (get(params), post_form(params), post_json(params)):
        assert VonageVendor().parse(account(), hook).inbound[0].text == text


def test_concatenated_parts_are_one_inbound_each_marked_as_parts() -> None:
    """Each part is its own request with its own messageId; the core keeps them until the text is whole
    (embassy/notify/tests/test_inbound_worker.py)."""
    parts = [inbound(text, messageId=f"0A000000{n}", concat="true", **{"concat-ref": "1", "concat-total": "2",
                                                                      "concat-part": str(n)})
             for n, text in ((1, "TOLONG saya di "), (2, "Jeddah"))]
    got = [VonageVendor().parse(account(), get(p)).inbound[0] for p in parts]
    assert [(m.provider_id, m.text, m.part) for m in got] == [("0A0000001", "TOLONG saya di ", ("1", 2, 1)),
                                                              ("0A0000002", "Jeddah", ("1", 2, 2))]
    assert VonageVendor().parse(account(), get(inbound("whole"))).inbound[0].part is None


@pytest.mark.parametrize("concat", [
    {"concat-ref": "1", "concat-total": "two", "concat-part": "1"},
    {"concat-ref": "1", "concat-total": "2", "concat-part": "3"},
    {"concat-ref": "", "concat-total": "2", "concat-part": "1"},
    {"concat-ref": "1", "concat-total": "2"},
])
def test_a_part_that_cannot_be_placed_is_a_bad_hook(concat: dict[str, str]) -> None:
    with pytest.raises(BadHook):
        VonageVendor().parse(account(), get(inbound("x", concat="true", **concat)))


def test_a_binary_message_is_marked() -> None:
    params = inbound("", type="binary", data="0011223344", udh="050003CC0201")
    assert VonageVendor().parse(account(), get(params)).inbound[0].text == "[binary]"


@pytest.mark.parametrize("method", ["md5hash", "md5", "sha1", "sha256", "sha512"])
def test_signed_webhooks_verify_with_each_method(method: str) -> None:
    for params in (receipt("delivered"), inbound("مرحبا & = 1")):
        signed = sign(params, method)
        for hook in (get(signed), post_form(signed), post_json(signed)):
            assert VonageVendor().verify(account(method=method), hook)


def test_forged_unsigned_stale_or_wrongly_keyed_webhooks_are_refused() -> None:
    good = sign(receipt("delivered"))
    assert VonageVendor().verify(account(), get(good))

    forged = good | {"sig": "1A20E4E2069B609FDA6CECA9DE18D5CAFE99720DDB628BD6BE8B19942A336E1C"}
    tampered = good | {"status": "failed"}
    unsigned = receipt("delivered")
    stale = sign(receipt("delivered"), at=time.time() - 301)
    ahead = sign(receipt("delivered"), at=time.time() + 301)
    no_time = {k: v for k, v in good.items() if k != "timestamp"}
    for params in (forged, tampered, unsigned, stale, ahead, no_time):
        assert not VonageVendor().verify(account(), get(params))
    assert not VonageVendor().verify(account(), get(sign(receipt("delivered"), secret="another-secret")))
    assert not VonageVendor().verify(account(method="sha256"), get(good))  # signed with another method
    assert not VonageVendor().verify(account(api_key=KEY, api_secret=SECRET), get(good))  # no signature secret
    assert not VonageVendor().verify(account(method="sha3"), get(good))


@pytest.mark.parametrize("hook", [
    get(receipt("delivered", messageId="")),
    get({k: v for k, v in inbound().items() if k != "msisdn"} | {"text": "1"}),
    get(inbound("1", messageId="")),
    get(receipt("lost")),
    get({"api-key": KEY}),
    Hook("POST", HOOK_URL, {"content-type": "application/json"}, b'{"messageId": '),
    Hook("POST", HOOK_URL, {"content-type": "application/json"}, b'["not", "an", "object"]'),
])
def test_malformed_webhooks_are_bad_hooks(hook: Hook) -> None:
    with pytest.raises(BadHook):
        VonageVendor().parse(account(), hook)
    assert not VonageVendor().verify(account(), hook)
