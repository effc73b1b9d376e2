"""SMS both ways through a Twilio account, in headless Chromium against a real server and its task worker.

The test plays Twilio: it posts inbound SMS to the server's webhook (/hooks/notify/<key>/) as Twilio does —
form-encoded, signed with X-Twilio-Signature over the URL the server sees (SITE_URL) by the helper library's
own RequestValidator — and it runs Twilio's Messages API on a local VendorServer, where the account's
base_url points, so the acknowledgement and the roll-call questions really leave through the official SDK.

1. An officer of KBRI Kuala Lumpur on duty has the SOS queue open; a registered citizen texts the app's
   offline SOS with a Kuala Lumpur position: the case appears in the queue without a reload, and the
   acknowledgement SMS reaches "Twilio".
2. A drill crisis over two people in Kuala Lumpur (ROLLCALL_CHANNELS=sms; Rina, whose SOS position lies in
   the zone, is asked too): once the roll-call questions have reached "Twilio", one person replies "1": the crisis room's safe count moves without a reload and its
   per-channel table counts the SMS (a delivered status callback counts as delivered and reached).

Bodies (data only): the inbound webhook's fields and the Message resource's 201 answer as in
notify/tests/test_vendor_twilio.py (Twilio docs: "Twilio's request to your incoming message Webhook URL",
"Message resource"); the status callback: "Outbound Message Status in Status Callbacks".
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")

import requests
from twilio.request_validator import RequestValidator

from embassy.common.tests import harness as tb  # after the skips above (it skips the same way)
from embassy.notify.tests.vendor_server import Request, VendorServer

expect = tb.expect
browser = tb.browser
server = tb.server

pytestmark = pytest.mark.browser

OFFICER = "kl.sms"
SID, TOKEN = "AC" + "5" * 32, "twilio-auth-token-for-tests"
ACCOUNT = {"key": "twilio-my", "account_sid": SID, "auth_token": TOKEN, "sender": "+60312345678",
           "inbound_number": "+60312345678"}
MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
RINA = ("Rina Kartika", "+6281299990001")  # registered, no stay: her SOS is routed by the position it carries
SOS_TEXT = (f"{RINA[0]}: SOS! I need help. My position: 3.13900,101.68690 (+/-12 m) "
            "https://osm.org/?mlat=3.13900&mlon=101.68690")  # what static/sos/panic.js pre-fills
PEOPLE = [("Galih Permana", "+6281299990002", 3.1390, 101.6869), ("Hana Putri", "+6281299990003", 3.1500, 101.7000)]
CRISIS = ("LATIHAN: Banjir SMS", 3.14, 101.69, 5.0)

BROWSER_SERVER = tb.ServerSpec(
    commands=(), setup="embassy.sos.tests.browser_sms_data:sms_drill",
    setup_args=(("officer", OFFICER), ("account", ACCOUNT), ("sos_citizen", list(RINA)),
                ("people", [list(p) for p in PEOPLE]), ("crisis", list(CRISIS))),
    worker=True,
    env=(("SITE_URL", "{base}"), ("TASKS_BACKEND", "database"), ("ROLLCALL_CHANNELS", "sms"),
         ("NOTIFY_PROVIDER_CACHE_SECONDS", "0")))  # the account's new base_url is read at once


def created(sid: str) -> dict[str, Any]:
    """Twilio's 201 answer to "Create a Message" (Message resource docs), with this message's SID."""
    return {"account_sid": SID, "api_version": "2010-04-01", "body": "", "date_created": None, "date_sent": None,
            "date_updated": None, "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": ACCOUNT["sender"], "num_media": "0", "num_segments": "1", "price": None, "price_unit": None,
            "messaging_service_sid": None, "sid": sid, "status": "queued", "subresource_uris": {},
            "to": "", "uri": f"/2010-04-01/Accounts/{SID}/Messages/{sid}.json"}


@pytest.fixture(scope="module")
def twilio() -> Iterator[VendorServer]:
    """Twilio's Messages API on loopback: each create answered 201 with a SID of its own."""
    with VendorServer() as vendor:
        for n in range(1, 21):
            vendor.on("POST", MESSAGES, 201, created(f"SM{n:032x}"))
        yield vendor


_sids = itertools.count(0x1000)  # inbound SIDs, apart from those the API answers with


def post_hook(server: tb.Server, form: dict[str, str]) -> requests.Response:
    """POST `form` to the account's webhook as Twilio does: form-encoded, X-Twilio-Signature over the URL."""
    url = f"{server.base}/hooks/notify/{ACCOUNT['key']}/"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=15)
    assert response.status_code == 200, (response.status_code, response.text)
    return response


def sms_in(sender: str, body: str) -> dict[str, str]:
    """Twilio's inbound-message webhook fields (its docs), from `sender` to the account's number."""
    sid = f"SM{next(_sids):032x}"
    return {"ToCountry": "MY", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
            "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
            "FromCountry": "ID", "To": ACCOUNT["inbound_number"], "ToZip": "", "NumSegments": "1",
            "MessageSid": sid, "AccountSid": SID, "From": sender, "ApiVersion": "2010-04-01"}


def sent_to(twilio: VendorServer, phone: str, *, since: int = 0, timeout: float = 20) -> Request:
    """The first Messages API request (from the `since`-th on) that sent an SMS to `phone`, once the worker
    has made it."""
    def found() -> Request | None:
        return next((r for r in list(twilio.requests)[since:]
                     if r.route == MESSAGES and r.form().get("To") == phone), None)
    return wait_for(found, timeout, f"no SMS to {phone} reached the local Twilio server")


def wait_for(probe: Callable[[], Any], timeout: float, failure: str) -> Any:
    deadline = time.monotonic() + timeout
    while (value := probe()) is None:
        if time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.2)
    return value


def test_sms_sos_reaches_the_queue_and_a_roll_call_answer_by_sms_reaches_the_room(
        browser: Any, server: tb.Server, twilio: VendorServer) -> None:
    server.call("embassy.sos.tests.browser_sms_data:point_twilio", key=ACCOUNT["key"], url=twilio.url)
    errors: list[str] = []
    officer = tb.new_page(browser, server, "desktop")
    officer.on("pageerror", lambda error: errors.append(f"{officer.url}: {error}"))
    tb.staff_signin(officer, OFFICER)

    # 1. The officer takes duty with the open queue on screen; Rina's SOS by SMS appears in it by itself.
    tb.ok(officer.goto("/konsol/sos/?status=open"))
    duty = officer.locator("[data-testid=duty]")
    duty.click()
    expect(duty).to_have_class(re.compile(r"\bprimary\b"))  # "On duty — sign off"
    expect(officer.locator("[data-testid=case-row]")).to_have_count(0)
    officer.evaluate("() => { window.__sameQueue = true; }")  # gone if the page reloads
    post_hook(server, sms_in(RINA[1], SOS_TEXT))
    row = officer.locator("[data-testid=case-row]").filter(has_text=RINA[0])
    expect(row).to_have_count(1, timeout=5_000)
    expect(row).to_contain_text(re.compile(r"SOS-\d{6}"))
    assert officer.evaluate("() => window.__sameQueue === true"), "the queue was reloaded"
    ack = sent_to(twilio, RINA[1]).form()
    assert ack["From"] == ACCOUNT["sender"] and re.search(r"SOS-\d{6}", ack["Body"]), ack
    reference = re.search(r"SOS-\d{6}", row.inner_text()).group(0)  # type: ignore[union-attr]
    assert reference in ack["Body"], (reference, ack["Body"])

    # 2. The roll-call over the drill asks both people by SMS; Galih answers "1".
    crisis_id = server.data["crisis"]
    tb.ok(officer.goto(f"/konsol/krisis/{crisis_id}/"))
    since = len(twilio.requests)
    officer.locator("[data-testid=rollcall]").click()
    officer.locator("#dlg-rollcall [data-testid=rollcall-confirm]").click()
    officer.wait_for_url(re.compile(rf"/konsol/krisis/{crisis_id}/$"))
    asked = [phone for _name, phone, *_where in PEOPLE] + [RINA[1]]  # her SOS put her inside the zone too
    for phone in asked:
        question = sent_to(twilio, phone, since=since).form()
        assert re.search(rf"{re.escape(server.base)}/a/[0-9A-Za-z]+", question["Body"]), question
    sms = officer.locator("#room-counts [data-channel=sms]")
    expect(sms.locator("[data-count=handed_over]")).to_have_text(str(len(asked)), timeout=10_000)
    expect(officer.locator("#room-counts [data-count=safe]")).to_have_text("0")
    silent = int(officer.locator("#room-counts [data-count=silent]").inner_text())
    officer.evaluate("() => { window.__sameRoom = true; }")

    galih = PEOPLE[0][1]
    post_hook(server, sms_in(galih, "1"))
    expect(officer.locator("#room-counts [data-count=safe]")).to_have_text("1", timeout=5_000)  # live
    expect(officer.locator("#room-counts [data-count=silent]")).to_have_text(str(silent - 1))
    # Twilio reports Galih's question delivered: the SMS row counts it, and he counts as reached.
    sid = next(m["provider_id"] for m in server.call("embassy.sos.tests.browser_sms_data:sms_messages",
                                                     kind="crisis.rollcall") if m["address"] == galih)
    post_hook(server, {"AccountSid": SID, "ApiVersion": "2010-04-01", "From": ACCOUNT["sender"], "MessageSid": sid,
                       "MessageStatus": "delivered", "SmsSid": sid, "SmsStatus": "delivered", "To": galih})
    expect(sms.locator("[data-count=delivered]")).to_have_text("1", timeout=5_000)
    expect(sms.locator("[data-count=failed]")).to_have_text("0")
    expect(officer.locator("#room-counts [data-count=reached]")).to_have_text("1")
    assert officer.evaluate("() => window.__sameRoom === true"), "the room was reloaded"
    officer.context.close()
    assert not errors, errors
