"""The SMPP 3.4 vendor and its listener against a local SMSC (embassy.notify.tests.smsc): a real TCP server on
loopback speaking SMPP, with smpplib on both ends. The receipt formats are SMPP 3.4's (appendix B, as the
8x8 and Karix SMPP guides document it); the one recorded deliver_sm is python-smpplib's own test fixture
(tests/test_command.py: a receipt whose TLV id is hexadecimal and whose text id is the same number in
decimal)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import smpplib.consts as C

from embassy.notify.channels import Outcome
from embassy.notify.providers import Account, BadHook, Hook, Inbound, Outgoing, Parsed, Receipt, get_vendor
from embassy.notify.providers.smpp import SmppVendor, parse_pdu
from embassy.notify.providers.smpp_listener import listen, parse_receipt
from embassy.notify.tests.smsc import PASSWORD, SYSTEM_ID, Smsc

TO = "+60123456789"


@pytest.fixture
def smsc() -> Iterator[Smsc]:
    with Smsc() as server:
        yield server


@pytest.fixture
def vendor() -> Iterator[SmppVendor]:
    smpp = SmppVendor()
    yield smpp
    smpp.close()


def account(smsc: Smsc, *, sender: str = "KBRIKL", password: str = PASSWORD, **options: Any) -> Account:
    return Account(key="kl-smpp", vendor="smpp", channel="sms", sender=sender,
                   credentials={"system_id": SYSTEM_ID, "password": password},
                   options={"host": smsc.host, "port": smsc.port, "timeout": 2, "reconnect_s": 0.05, **options})


def out(text: str, *, sender: str = "", message_id: int = 1) -> Outgoing:
    return Outgoing(message_id=message_id, to=TO, text=text, sender=sender)


class Inbox:
    """What the listener hands over, with a way to wait for it."""

    def __init__(self) -> None:
        self.parsed: list[Parsed] = []
        self.cond = threading.Condition()
        self.fail_first = 0

    def __call__(self, parsed: Parsed) -> None:
        with self.cond:
            self.parsed.append(parsed)
            self.cond.notify_all()
            if self.fail_first:
                self.fail_first -= 1
                raise RuntimeError("database unavailable")

    def wait(self, count: int) -> list[Parsed]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.parsed) >= count, 5), self.parsed
            return list(self.parsed)

    def receipts(self, count: int) -> list[Receipt]:
        while True:
            found = [r for p in self.wait(count) for r in p.receipts]
            if len(found) >= count:
                return found
            count += 1

    def inbound(self, count: int) -> list[Inbound]:
        while True:
            found = [m for p in self.wait(count) for m in p.inbound]
            if len(found) >= count:
                return found
            count += 1


@pytest.fixture
def listening(smsc: Smsc) -> Iterator[Callable[..., Inbox]]:
    """Start the listener on the SMSC (options as keywords); it is stopped and joined after the test."""
    running: list[tuple[threading.Event, threading.Thread]] = []

    def start(**options: Any) -> Inbox:
        inbox, stop = Inbox(), threading.Event()
        thread = threading.Thread(target=listen, args=(account(smsc, **options), inbox, stop), daemon=True)
        thread.start()
        running.append((stop, thread))
        assert smsc.wait(lambda: smsc.bound("receiver") == 1)
        return inbox

    yield start
    for stop, thread in running:
        stop.set()
        thread.join(timeout=3)
        assert not thread.is_alive()


# --- sending ---------------------------------------------------------------------------------------------

def test_gsm_text_goes_as_gsm7_from_the_alphanumeric_sender(smsc: Smsc, vendor: SmppVendor) -> None:
    text = "KBRI KL: Apakah Anda aman? Balas 1 jika AMAN, 2 jika TOLONG. Info: {kemlu.go.id} €5 @"
    result = vendor.send(account(smsc), out(text))

    assert result.outcome is Outcome.SENT
    [submit] = smsc.find("submit_sm")
    [resp] = smsc.find("submit_sm_resp")
    sm = submit.pdu
    assert result.provider_id == resp.pdu.message_id
    assert (sm.source_addr, sm.source_addr_ton, sm.source_addr_npi) == (b"KBRIKL", 5, 0)
    assert (sm.destination_addr, sm.dest_addr_ton, sm.dest_addr_npi) == (b"60123456789", 1, 1)
    assert (sm.data_coding, sm.esm_class, sm.registered_delivery) == (0, 0, 1)
    assert sm.short_message == text.encode("gsm03.38")
    assert smsc.find("bind_transmitter")[0].pdu.password == b"secret"


@pytest.mark.parametrize("text", [
    "هل أنت بخير؟ أرسل 1 إذا كنت بأمان",  # Arabic
    "您安全吗？安全请回复1",  # Chinese
    "Aman? 👍 Balas 1 🙏",  # emoji: surrogate pairs in UCS-2
])
def test_other_scripts_go_as_ucs2_from_an_international_number(smsc: Smsc, vendor: SmppVendor, text: str) -> None:
    result = vendor.send(account(smsc), out(text, sender="+6281234567890"))

    assert result.outcome is Outcome.SENT
    sm = smsc.find("submit_sm")[0].pdu
    assert (sm.source_addr, sm.source_addr_ton, sm.source_addr_npi) == (b"6281234567890", 1, 1)
    assert (sm.data_coding, sm.esm_class, sm.registered_delivery) == (8, 0, 1)
    assert sm.short_message.decode("utf-16-be") == text


def test_a_short_code_sender_and_the_accounts_own_ton_npi(smsc: Smsc, vendor: SmppVendor) -> None:
    vendor.send(account(smsc, sender="74474"), out("AMAN"))
    vendor.send(account(smsc, source_addr_ton=0, source_addr_npi=1), out("AMAN", sender="74474"))

    first, second = (p.pdu for p in smsc.find("submit_sm"))
    assert (first.source_addr, first.source_addr_ton, first.source_addr_npi) == (b"74474", 3, 0)
    assert (second.source_addr_ton, second.source_addr_npi) == (0, 1)


def _reassemble(parts: list[Any]) -> bytes:
    assert all(p.esm_class == C.SMPP_GSMFEAT_UDHI for p in parts)
    udh = [p.short_message[:6] for p in parts]
    assert {u[:4] for u in udh} == {udh[0][:4]} and udh[0][:3] == b"\x05\x00\x03"  # one reference
    assert [(u[4], u[5]) for u in udh] == [(len(parts), n) for n in range(1, len(parts) + 1)]
    return b"".join(p.short_message[6:] for p in parts)


def test_a_long_text_goes_in_parts_with_a_udh_never_splitting_a_character(smsc: Smsc, vendor: SmppVendor) -> None:
    gsm = "A" * 152 + "€" + "B" * 60  # the escape pair of € would straddle octet 153
    emoji = "Aman 🙏" * 20  # surrogate pairs at the 67-unit boundary

    assert vendor.send(account(smsc), out(gsm)).outcome is Outcome.SENT
    assert vendor.send(account(smsc), out(emoji, message_id=2)).outcome is Outcome.SENT

    submits = [p.pdu for p in smsc.find("submit_sm")]
    gsm_parts = [p for p in submits if p.data_coding == 0]
    ucs2_parts = [p for p in submits if p.data_coding == 8]
    assert len(gsm_parts) == 2 and len(ucs2_parts) == 3
    assert _reassemble(gsm_parts).decode("gsm03.38") == gsm
    assert _reassemble(ucs2_parts).decode("utf-16-be") == emoji
    for part in gsm_parts + ucs2_parts:
        part.short_message[6:].decode("gsm03.38" if part.data_coding == 0 else "utf-16-be")  # each whole
        assert len(part.short_message) <= 160 if part.data_coding == 0 else len(part.short_message) <= 140


def test_throttling_is_retried_on_the_same_bind(smsc: Smsc, vendor: SmppVendor) -> None:
    smsc.fail_next(C.SMPP_ESME_RTHROTTLED)

    first = vendor.send(account(smsc), out("AMAN?"))
    second = vendor.send(account(smsc), out("AMAN?"))

    assert first.outcome is Outcome.RETRY and "ESME_RTHROTTLED" in first.error
    assert second.outcome is Outcome.SENT
    assert smsc.count("bind_transmitter") == 1


@pytest.mark.parametrize(("status", "outcome", "name"), [
    (C.SMPP_ESME_RMSGQFUL, Outcome.RETRY, "ESME_RMSGQFUL"),
    (C.SMPP_ESME_RSYSERR, Outcome.RETRY, "ESME_RSYSERR"),
    (C.SMPP_ESME_RINVDSTADR, Outcome.FAILED, "ESME_RINVDSTADR"),
    (C.SMPP_ESME_RINVSRCADR, Outcome.FAILED, "ESME_RINVSRCADR"),
])
def test_submit_statuses(smsc: Smsc, vendor: SmppVendor, status: int, outcome: Outcome, name: str) -> None:
    smsc.fail_next(status)

    result = vendor.send(account(smsc), out("AMAN?"))

    assert result.outcome is outcome
    assert name in result.error


def test_a_wrong_password_fails_without_hammering_the_smsc(smsc: Smsc, vendor: SmppVendor) -> None:
    """Failed, not retried: credentials do not heal by waiting, and a failed message moves on to the next
    provider or channel at once. The refusal is remembered, so a queue does not lock the account."""
    results = [vendor.send(account(smsc, password="wrong"), out("AMAN?")) for _ in range(3)]

    assert {r.outcome for r in results} == {Outcome.FAILED}
    assert "ESME_RINVPASWD" in results[0].error and "password" in results[0].error
    assert smsc.count("bind_transmitter") == 1
    assert vendor.send(account(smsc), out("AMAN?")).outcome is Outcome.SENT  # fixed credentials: a new pool


def test_an_unreachable_smsc_is_retried(vendor: SmppVendor) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    gone = Account(key="gone", vendor="smpp", channel="sms", sender="KBRIKL",
                   credentials={"system_id": SYSTEM_ID, "password": PASSWORD},
                   options={"host": "127.0.0.1", "port": port, "timeout": 1})

    result = vendor.send(gone, out("AMAN?"))

    assert result.outcome is Outcome.RETRY and "cannot connect" in result.error


def test_a_dropped_connection_is_bound_again_on_the_next_send(smsc: Smsc, vendor: SmppVendor) -> None:
    assert vendor.send(account(smsc), out("one")).outcome is Outcome.SENT
    smsc.drop()
    assert smsc.wait(lambda: smsc.bound("transmitter") == 0)

    assert vendor.send(account(smsc), out("two")).outcome is Outcome.SENT
    assert smsc.count("bind_transmitter") == 2


def test_tls_with_the_certificate_checked(vendor: SmppVendor, tmp_path: Path) -> None:
    with Smsc(tls_dir=tmp_path) as smsc:
        trusted = vendor.send(account(smsc, tls=True, tls_ca=smsc.cafile), out("AMAN?"))
        vendor.close()
        untrusted = vendor.send(account(smsc, tls=True), out("AMAN?"))  # the system's CAs do not know it

    assert trusted.outcome is Outcome.SENT
    assert untrusted.outcome is Outcome.RETRY and "CERTIFICATE_VERIFY_FAILED" in untrusted.error
    assert smsc.count("submit_sm") == 1


def test_a_bad_configuration_fails_with_its_reason(smsc: Smsc, vendor: SmppVendor) -> None:
    result = vendor.send(account(smsc, password="longer-than-8"), out("AMAN?"))

    assert result.outcome is Outcome.FAILED and "at most 8 characters" in result.error
    assert smsc.count("bind_transmitter") == 0


def test_eight_threads_send_at_once_and_get_distinct_ids(smsc: Smsc, vendor: SmppVendor) -> None:
    link = account(smsc, sessions=2)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: vendor.send(link, out(f"Pesan {n}", message_id=n)), range(40)))

    assert all(r.outcome is Outcome.SENT for r in results)
    assert len({r.provider_id for r in results}) == 40
    assert smsc.count("submit_sm") == 40
    assert 1 <= smsc.count("bind_transmitter") <= 2


def test_idle_binds_are_kept_alive_and_unbound_on_close(smsc: Smsc, vendor: SmppVendor) -> None:
    vendor.send(account(smsc, enquire_link=0.1), out("AMAN?"))

    assert smsc.wait(lambda: smsc.count("enquire_link_resp", direction="out") >= 2)
    vendor.close()
    assert smsc.count("unbind", direction="in") == 1


def test_a_transceiver_bind_leaves_receipts_to_the_listener(smsc: Smsc, vendor: SmppVendor) -> None:
    """A receipt that reaches the sending bind is refused with a temporary error, never acknowledged unread."""
    result = vendor.send(account(smsc, bind="transceiver", enquire_link=0.1), out("AMAN?"))

    assert result.outcome is Outcome.SENT
    assert smsc.count("bind_transceiver") == 1
    assert smsc.wait(lambda: smsc.count("deliver_sm_resp", status=C.SMPP_ESME_RX_T_APPN) >= 1)
    assert smsc.count("deliver_sm_resp", status=C.SMPP_ESME_ROK) == 0


def test_smpp_has_no_webhooks(smsc: Smsc) -> None:
    vendor = get_vendor("smpp")
    hook = Hook(method="POST", url="https://example.org/hooks/notify/kl-smpp/", headers={}, body=b"id:1 stat:DELIVRD")

    assert isinstance(vendor, SmppVendor)
    assert vendor.verify(account(smsc), hook) is False
    with pytest.raises(BadHook):
        vendor.parse(account(smsc), hook)


# --- listening -------------------------------------------------------------------------------------------

def test_receipts_come_back_for_the_ids_the_submits_got(smsc: Smsc, vendor: SmppVendor,
                                                        listening: Callable[..., Inbox]) -> None:
    inbox = listening()
    smsc.receipt_next("DELIVRD")
    smsc.receipt_next("UNDELIV", "001")

    delivered = vendor.send(account(smsc), out("AMAN?"))
    undelivered = vendor.send(account(smsc), out("AMAN?", message_id=2))
    receipts = {r.provider_id: r for r in inbox.receipts(2)}

    assert receipts[delivered.provider_id].status == "delivered"
    assert receipts[delivered.provider_id].at is not None
    assert receipts[undelivered.provider_id].status == "failed"
    assert receipts[undelivered.provider_id].error == "UNDELIV err:001"
    assert smsc.wait(lambda: smsc.count("deliver_sm_resp", status=C.SMPP_ESME_ROK) == 2)  # answered after


def test_decimal_receipt_ids_without_tlvs_match_hex_submit_ids(vendor: SmppVendor) -> None:
    with Smsc(receipt_tlvs=False, decimal_receipt_ids=True) as smsc:
        stop, inbox = threading.Event(), Inbox()
        options = {"dlr_id": "dec-to-hex"}
        thread = threading.Thread(target=listen, args=(account(smsc, **options), inbox, stop), daemon=True)
        thread.start()
        try:
            sent = vendor.send(account(smsc, **options), out("AMAN?"))
            [receipt] = inbox.receipts(1)
        finally:
            stop.set()
            thread.join(timeout=3)
    assert receipt.provider_id == sent.provider_id
    assert receipt.status == "delivered"


RECORDED_RECEIPT = (  # python-smpplib tests/test_command.py: the text in message_payload, the TLV id hex
    b"\x00\x00\x00\xcb\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x01\x00"
    b"\x01\x0131600000000\x00\x05\x00XXX YYYY\x00\x04\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x0e\x00\x01\x01\x00\x06\x00\x01\x01\x00\x1e\x00"
    b"\t1d305b4c\x00\x04'\x00\x01\x02\x04$\x00rid:0489708364 sub:001"
    b" dlvrd:001 submit date:1810151907 done date:1810151907 stat:DELIVRD"
    b" err:000 text:\x04\x1f\x04@\x048\x042\x045\x04B\x04&\x00\x01\x01"
)


def test_a_recorded_receipt_the_tlvs_win_and_decimal_text_ids_convert() -> None:
    pdu = parse_pdu(RECORDED_RECEIPT, None)

    receipt = parse_receipt(pdu)
    assert receipt is not None and receipt.at is not None
    assert (receipt.provider_id, receipt.status, receipt.error) == ("1d305b4c", "delivered", "")
    assert receipt.at.isoformat() == "2018-10-15T19:07:00+00:00"
    pdu.receipted_message_id = pdu.message_state = None  # the text alone: its id is decimal
    assert parse_receipt(pdu) == Receipt("0489708364", "delivered", at=receipt.at)
    assert parse_receipt(pdu, "dec-to-hex") == Receipt("1d305b4c", "delivered", at=receipt.at)


@pytest.mark.parametrize(("mo", "sender", "text"), [
    ({"source": "60123456789", "text": "AMAN @ {KL} €", "data_coding": 0}, "+60123456789", "AMAN @ {KL} €"),
    ({"source": "60123456789", "text": "Olá, señor", "data_coding": 3}, "+60123456789", "Olá, señor"),
    ({"source": "966501234567", "text": "أحتاج مساعدة", "data_coding": 8}, "+966501234567", "أحتاج مساعدة"),
    ({"source": "60123456789", "text": "TOLONG 😢", "data_coding": 8, "source_ton": 0}, "+60123456789", "TOLONG 😢"),
])
def test_mobile_originated_messages(smsc: Smsc, listening: Callable[..., Inbox], mo: dict[str, Any],
                                    sender: str, text: str) -> None:
    inbox = listening()
    smsc.mo(dest="74474", **mo)

    [message] = inbox.inbound(1)
    assert (message.sender, message.to, message.text) == (sender, "74474", text)
    assert message.provider_id.startswith("smpp-mo-")


def test_a_message_in_parts_is_reported_once_whole(smsc: Smsc, listening: Callable[..., Inbox]) -> None:
    inbox = listening()
    text = "SOS -6.2088,106.8456 https://maps.example/?q=-6.2088,106.8456 " * 3
    octets = text.encode("gsm03.38")
    for n, chunk in enumerate((octets[:153], octets[153:]), 1):
        smsc.mo("60123456789", "74474", octets=b"\x05\x00\x03\x2a\x02" + bytes([n]) + chunk, esm_class=0x40)

    [message] = inbox.inbound(1)
    assert message.text == text
    assert smsc.wait(lambda: smsc.count("deliver_sm_resp", status=C.SMPP_ESME_ROK) == 2)
    assert len(inbox.parsed) == 1


def test_a_message_whose_last_part_never_comes_is_reported_with_a_gap(smsc: Smsc,
                                                                      listening: Callable[..., Inbox]) -> None:
    inbox = listening(mo_parts_s=0.05)
    smsc.mo("60123456789", "74474", octets=b"\x05\x00\x03\x07\x03\x01" + b"TOLONG kami di", esm_class=0x40)
    smsc.mo("60123456789", "74474", octets=b"\x05\x00\x03\x07\x03\x03" + b"Jalan Ampang", esm_class=0x40)

    [message] = inbox.inbound(1)
    assert message.text == "TOLONG kami di … Jalan Ampang"
    assert message.sender == "+60123456789"


def test_a_deliver_sm_refused_after_on_parsed_raised_comes_again(smsc: Smsc, listening: Callable[..., Inbox]) -> None:
    inbox = listening()
    inbox.fail_first = 1
    smsc.mo("60123456789", "74474", "1")

    first, again = inbox.inbound(2)
    assert first == again  # the same provider id: the core stores it once
    assert smsc.wait(lambda: smsc.count("deliver_sm_resp") == 2)
    assert [p.status for p in smsc.find("deliver_sm_resp")] == [C.SMPP_ESME_RX_T_APPN, C.SMPP_ESME_ROK]


def test_the_listener_binds_again_after_the_smsc_drops_it(smsc: Smsc, listening: Callable[..., Inbox]) -> None:
    inbox = listening()
    smsc.drop()
    assert smsc.wait(lambda: smsc.count("bind_receiver") == 2 and smsc.bound("receiver") == 1)

    smsc.mo("60123456789", "74474", "AMAN")

    [message] = inbox.inbound(1)
    assert message.text == "AMAN"
    assert smsc.wait(lambda: smsc.count("deliver_sm_resp") == 1)
    assert smsc.find("deliver_sm_resp")[0].conn == smsc.find("bind_receiver")[1].conn


def test_the_listener_over_tls(tmp_path: Path) -> None:
    with Smsc(tls_dir=tmp_path) as smsc:
        stop, inbox = threading.Event(), Inbox()
        link = account(smsc, tls=True, tls_ca=smsc.cafile)
        thread = threading.Thread(target=listen, args=(link, inbox, stop), daemon=True)
        thread.start()
        try:
            smsc.mo("60123456789", "74474", "AMAN")
            smsc.mo("60123456789", "74474", "SAFE")
            texts = [m.text for m in inbox.inbound(2)]
        finally:
            stop.set()
            thread.join(timeout=3)
    assert texts == ["AMAN", "SAFE"]


def test_the_listener_keeps_trying_a_refused_bind_and_stops_when_told(smsc: Smsc) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=listen, args=(account(smsc, password="wrong"), Inbox(), stop), daemon=True)
    thread.start()

    assert smsc.wait(lambda: smsc.count("bind_receiver_resp", status=C.SMPP_ESME_RINVPASWD) >= 2)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
