"""The way back from an SMSC: a receiver bind that turns each deliver_sm into a `Parsed`.

`listen(account, on_parsed, stop)` keeps one bind (option "listen_bind": "receiver", or "transceiver" for an
SMSC that only offers those) until `stop` is set, binding again after any loss with a doubling pause
("reconnect_s", default 1 s, at most 60 s). It answers enquire_link and sends its own when the line is quiet.

Nothing is lost: `on_parsed` runs BEFORE deliver_sm_resp is sent, so a crash before it returns leaves the
deliver_sm unanswered and the SMSC delivers it again; when `on_parsed` raises, the answer is ESME_RX_T_APPN
(temporary application error) and the SMSC retries later. A deliver_sm that carries nothing usable (a
receipt without an id, an unknown state) is answered ESME_ROK and logged: retrying it would not help.

- A delivery receipt (esm_class message type 0x04, or an intermediate notification 0x20, or the
  receipted_message_id / message_state TLVs) becomes a `Receipt`. The text "id:… sub:… dlvrd:… submit date:…
  done date:… stat:DELIVRD err:000 text:…" (SMPP 3.4 appendix B) gives id, state and error; the TLVs win
  when present. DELIVRD → delivered; ENROUTE, ACCEPTD → sent; EXPIRED, DELETED, UNDELIV, REJECTD, UNKNOWN →
  failed, the error naming stat and err (and network_error_code when sent). The id is matched to the
  submit_sm_resp id through `smpp.canonical_id` (option "dlr_id": hex and decimal SMSCs, see smpp). The done
  date is read as UTC: SMPP does not say the SMSC's zone.
- Anything else is a mobile-originated message → `Inbound`: sender in E.164 from source_addr (TON 1 or a
  leading +/00 is international; a national number is read in the "mo_country" option's region), to =
  destination_addr, text decoded per data_coding (GSM 03.38, IA5, Latin-1, UCS-2 with surrogate pairs, and
  the GSM DCS groups; data_coding 0 follows "default_alphabet"), from short_message or message_payload.
  A text in several parts (a concatenation UDH or the sar_* TLVs) is put together in memory and reported
  once, when its last part arrives; the earlier parts are answered at once, so a listener crash between parts
  loses them (an SMSC's window may be a single PDU: holding their answers back would stall it). A group
  still incomplete after "mo_parts_s" (300 s) is reported with what arrived, "…" marking the gap.

Provider id of an inbound message: SMPP 3.4 gives a mobile-originated message no id, and a redelivered
deliver_sm differs from the first only in its sequence number. So the id is a hash of what a redelivery
repeats (source, destination, data_coding, user_message_reference, the concatenation reference and the
octets of the text) and of the current "mo_window_s" window (600 s). The id only matters when the core stored
a message whose answer was then lost (a crash or a dropped line right after `on_parsed`; when `on_parsed`
raised, nothing was stored): the SMSC redelivers within seconds to minutes, the id is the same, and the
core stores it once. The same words sent again later ("1" to the next roll-call) are a new message, which an
id from the content alone (forever) would swallow. The costs: two identical texts from one person within
one window count once, and a redelivery that straddles a window boundary counts twice; both are rare, and
a repeated "1" or "AMAN" changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
import smpplib.consts as C
import smpplib.exceptions
import smpplib.smpp

from embassy.notify.providers import Account, Inbound, Parsed, Receipt, smpp
from embassy.notify.providers.smpp import Link, LinkErrors, SmppClient

log = logging.getLogger(__name__)

RECONNECT_MAX_S = 60.0
STATS = {
    "DELIVRD": "delivered", "DELIVERED": "delivered", "ENROUTE": "sent", "ACCEPTD": "sent", "ACCEPTED": "sent",
    "EXPIRED": "failed", "DELETED": "failed", "UNDELIV": "failed", "UNDELIVERABLE": "failed",
    "REJECTD": "failed", "REJECTED": "failed", "UNKNOWN": "failed",
}
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD",
                  7: "UNKNOWN", 8: "REJECTD"}
_RECEIPT_KEY = re.compile(r"(?:(?<=\s)|^)(id|sub|dlvrd|submit date|done date|stat|err|text):", re.IGNORECASE)


@dataclass(frozen=True)
class ListenOptions:
    reconnect_s: float = 1.0
    mo_country: str | None = None
    mo_window_s: float = 600.0
    mo_parts_s: float = 300.0

    @classmethod
    def of(cls, account: Account) -> ListenOptions:
        region = str(account.option("mo_country", "") or "").upper() or None
        return cls(float(account.option("reconnect_s", 1.0) or 1.0), region,
                   float(account.option("mo_window_s", 600) or 600), float(account.option("mo_parts_s", 300) or 300))


# --- reading one deliver_sm ------------------------------------------------------------------------------

SMPP_CODECS = {1: "ascii", 2: "latin-1", 3: "latin-1", 4: "latin-1", 5: "shift_jis", 6: "iso8859-5",
               7: "iso8859-8", 8: "utf-16-be", 0x0A: "iso2022_jp", 0x0D: "euc_jp", 0x0E: "euc_kr"}
DCS_CODECS = {0: "gsm03.38", 1: "latin-1", 2: "utf-16-be", 3: "latin-1"}  # GSM 03.38 §4, bits 3-2


def decode_text(octets: bytes, data_coding: int, default_alphabet: str = "gsm") -> str:
    """The text of a short message per its data_coding: SMPP 3.4 §5.2.19 below 0x10 (0 = the SMSC's default
    alphabet, GSM unless the account says otherwise; 8-bit data read as Latin-1), the GSM 03.38 data coding
    scheme groups above. Undecodable octets become U+FFFD: a partly readable message beats none."""
    if data_coding == 0:
        codec = smpp.ALPHABETS.get(default_alphabet, "gsm03.38")
    elif data_coding < 0x10:
        codec = SMPP_CODECS.get(data_coding, "latin-1")
    elif data_coding < 0x80:  # general data coding (and its automatic-deletion twin)
        codec = DCS_CODECS[(data_coding >> 2) & 3]
    elif data_coding >= 0xF0:  # data coding / message class
        codec = DCS_CODECS[1 if data_coding & 0x04 else 0]
    else:  # message waiting indication groups: 0xE0 is UCS-2, the others GSM
        codec = DCS_CODECS[2 if data_coding & 0xF0 == 0xE0 else 0]
    if codec == "utf-16-be" and len(octets) % 2:
        octets = octets[:-1]
    return octets.decode(codec, "replace")


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value or "")


def _payload(pdu: Any) -> bytes:
    return bytes(pdu.short_message or getattr(pdu, "message_payload", None) or b"")


def is_receipt(pdu: Any) -> bool:
    kind = (pdu.esm_class or 0) & 0x3C
    return kind in (0x04, 0x20) or pdu.receipted_message_id is not None or pdu.message_state is not None


def receipt_fields(text: str) -> dict[str, str]:
    """The receipt text's fields, lower-case keys ("id", "stat", "done date"…); "text" runs to the end."""
    found: dict[str, str] = {}
    keys = list(_RECEIPT_KEY.finditer(text))
    for m, following in zip(keys, [*keys[1:], None], strict=True):
        key = m.group(1).lower()
        if key == "text":
            found.setdefault("text", text[m.end():])
            break
        found.setdefault(key, text[m.end():following.start() if following else len(text)].strip())
    return found


def _done_at(value: str) -> dt.datetime | None:
    """YYMMDDhhmm (SMPP 3.4), or YYMMDDhhmmss as some SMSCs write it; read as UTC."""
    fmt = {10: "%y%m%d%H%M", 12: "%y%m%d%H%M%S"}.get(len(value))
    if fmt is None or not value.isdigit():
        return None
    try:
        return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def parse_receipt(pdu: Any, dlr_id: str = "same") -> Receipt | None:
    """The receipt a deliver_sm carries; None when it names no message or no known state."""
    fields = receipt_fields(_payload(pdu).decode("latin-1"))
    if pdu.receipted_message_id:
        provider_id = smpp.canonical_id(_text(pdu.receipted_message_id), dlr_id, receipt_text=False)
    else:
        provider_id = smpp.canonical_id(fields.get("id", ""), dlr_id, receipt_text=True)
    stat = MESSAGE_STATES.get(pdu.message_state or 0) or fields.get("stat", "").upper()
    status = STATS.get(stat)
    if not provider_id or status is None:
        log.warning("SMPP receipt without a message id or a known state ignored: %r", fields or pdu.message_state)
        return None
    error = ""
    if status == "failed":
        error = f"{stat} err:{fields.get('err', '') or '-'}"
        network = getattr(pdu, "network_error_code", None)
        if isinstance(network, bytes) and len(network) == 3:
            error += f" network error {network[0]}:{int.from_bytes(network[1:], 'big')}"
    return Receipt(provider_id=provider_id, status=status, error=error, at=_done_at(fields.get("done date", "")))


def e164(address: str, ton: int, region: str | None = None) -> str:
    """The sender as E.164 where the address allows it; an alphanumeric sender stays as it is."""
    address = address.strip()
    digits = address.removeprefix("+")
    if ton == 5 or not digits.isdigit():
        return address
    if address.startswith("+") or ton == 1:
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    candidates: list[tuple[str, str | None]] = [("+" + digits, None)] if ton == 0 else []
    candidates += [(digits, region)] if region else []
    for text, where in candidates:
        try:
            number = phonenumbers.parse(text, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "+" + digits if ton == 0 else digits


def concatenation(pdu: Any) -> tuple[bytes, tuple[int, int, int] | None]:
    """(text octets without the UDH, (reference, total, number) when the message is one part of several)."""
    octets = _payload(pdu)
    part = None
    if (pdu.esm_class or 0) & smpp.UDHI and octets:
        header, octets = octets[1:1 + octets[0]], octets[1 + octets[0]:]
        pos = 0
        while pos + 2 <= len(header):
            iei, size = header[pos], header[pos + 1]
            element = header[pos + 2:pos + 2 + size]
            if iei == 0x00 and size == 3:
                part = (element[0], element[1], element[2])
            elif iei == 0x08 and size == 4:
                part = (int.from_bytes(element[:2], "big"), element[2], element[3])
            pos += 2 + size
    elif getattr(pdu, "sar_total_segments", None):
        part = (pdu.sar_msg_ref_num or 0, pdu.sar_total_segments, pdu.sar_segment_seqnum or 0)
    if part is not None and not (part[1] > 1 and 1 <= part[2] <= part[1]):
        part = None  # a lone or malformed part: take it as a whole message
    return octets, part


@dataclass
class _Group:
    first: float
    coding: int
    ton: int
    parts: dict[int, bytes] = field(default_factory=dict)


class Assembler:
    """Mobile-originated messages, put together from their parts."""

    def __init__(self, link: Link, options: ListenOptions) -> None:
        self.link, self.options = link, options
        self.groups: dict[tuple[str, str, int, int], _Group] = {}

    def inbound(self, pdu: Any) -> tuple[Inbound | None, tuple[str, str, int, int] | None]:
        """(the message, the group to forget once it is stored); (None, None) while parts are missing."""
        source, to = _text(pdu.source_addr), _text(pdu.destination_addr)
        octets, part = concatenation(pdu)
        if part is None:
            return self._message(pdu, [octets]), None
        key = (source, to, part[0], part[1])
        group = self.groups.setdefault(key, _Group(time.monotonic(), pdu.data_coding or 0,
                                                   pdu.source_addr_ton or 0))
        group.parts[part[2]] = octets
        if len(group.parts) < part[1]:
            return None, None
        ordered = [group.parts[n] for n in range(1, part[1] + 1)]
        return self._message(pdu, ordered, f"{part[0]}/{part[1]}"), key

    def stale(self) -> list[tuple[tuple[str, str, int, int], Inbound]]:
        """Groups waited on for longer than mo_parts_s, as messages with a visible gap."""
        now, out = time.monotonic(), []
        for key, group in list(self.groups.items()):
            if now - group.first > self.options.mo_parts_s:
                chunks = [group.parts.get(n) for n in range(1, key[3] + 1)]
                text = " ".join(decode_text(c, group.coding, self.link.alphabet) if c is not None else "…"
                                for c in chunks)
                digest = hashlib.sha256(repr((key, sorted(group.parts.items()))).encode()).hexdigest()[:32]
                sender = e164(key[0], group.ton, self.options.mo_country)
                out.append((key, Inbound(provider_id=f"smpp-mo-{digest}", sender=sender, to=key[1], text=text)))
        return out

    def _message(self, pdu: Any, chunks: list[bytes], ref: str = "") -> Inbound:
        source, to, coding = _text(pdu.source_addr), _text(pdu.destination_addr), pdu.data_coding or 0
        window = int(time.time() // self.options.mo_window_s)
        seen = f"{source}|{to}|{coding}|{getattr(pdu, 'user_message_reference', None)}|{ref}|{window}|".encode()
        digest = hashlib.sha256(seen + b"|".join(chunks)).hexdigest()[:32]
        text = decode_text(b"".join(chunks), coding, self.link.alphabet)
        sender = e164(source, pdu.source_addr_ton or 0, self.options.mo_country)
        return Inbound(provider_id=f"smpp-mo-{digest}", sender=sender, to=to, text=text)


# --- the bind --------------------------------------------------------------------------------------------

OnParsed = Callable[[Parsed], None]


def listen(account: Account, on_parsed: OnParsed, stop: threading.Event) -> None:
    """Receive until `stop` is set (see the module docstring). Raises ValueError at once when the account's
    settings cannot work; every other failure is logged and followed by a new bind."""
    link, options = smpp.link_of(account), ListenOptions.of(account)
    mode = str(account.option("listen_bind", "receiver"))
    if mode not in ("receiver", "transceiver"):
        raise ValueError(f"SMPP account {account.key!r}: listen_bind must be receiver or transceiver")
    assembler = Assembler(link, options)
    pause = options.reconnect_s
    while not stop.is_set():
        try:
            client = smpp.open_client(link, mode)
        except smpp.BindRefused as exc:
            log.error("SMPP receiver %s: %s; trying again in %g s", account.key, exc, pause)
        except LinkErrors as exc:
            log.warning("SMPP receiver %s cannot connect to %s:%s (%s); trying again in %g s",
                        account.key, link.host, link.port, exc, pause)
        else:
            pause = options.reconnect_s
            try:
                _receive(client, link, on_parsed, stop, assembler)
            except LinkErrors as exc:
                log.warning("SMPP receiver %s lost its bind (%s); binding again in %g s", account.key,
                            str(exc) or "connection closed", pause)
            finally:
                _close(client, unbind=stop.is_set())
        if stop.wait(pause):
            break
        pause = min(pause * 2, RECONNECT_MAX_S)


def _receive(client: SmppClient, link: Link, on_parsed: OnParsed, stop: threading.Event,
             assembler: Assembler) -> None:
    last_in = last_out = time.monotonic()
    while not stop.is_set():
        if not client.readable(0.1):
            now = time.monotonic()
            if now - last_in > 2 * link.enquire_link + link.timeout:
                raise smpplib.exceptions.ConnectionError("the SMSC stopped answering enquire_link")
            if now - last_out >= link.enquire_link:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                last_out = now
            _flush_stale(assembler, on_parsed)
            continue
        pdu = client.read_pdu()
        last_in = time.monotonic()
        if pdu.command == "deliver_sm":
            client.respond(pdu, "deliver_sm_resp", _deliver(pdu, link, on_parsed, assembler))
        elif pdu.command == "enquire_link":
            client.respond(pdu, "enquire_link_resp")
        elif pdu.command == "unbind":
            client.respond(pdu, "unbind_resp")
            raise smpplib.exceptions.ConnectionError("the SMSC unbound the receiver")
        elif pdu.is_request() and pdu.command != "alert_notification":
            client.respond(pdu, "generic_nack", C.SMPP_ESME_RINVCMDID)  # data_sm and the like: not offered
        last_out = time.monotonic()


def _deliver(pdu: Any, link: Link, on_parsed: OnParsed, assembler: Assembler) -> int:
    """The deliver_sm_resp status: ROK once `on_parsed` has taken the content (or when there is none)."""
    done = None
    try:
        if is_receipt(pdu):
            receipt = parse_receipt(pdu, link.dlr_id)
            parsed = Parsed(receipts=[receipt] if receipt else [])
        else:
            message, done = assembler.inbound(pdu)
            parsed = Parsed(inbound=[message] if message else [])
        if parsed.receipts or parsed.inbound:
            on_parsed(parsed)
    except Exception:
        log.exception("SMPP deliver_sm from %s not taken; the SMSC will deliver it again", link.key)
        return C.SMPP_ESME_RX_T_APPN
    if done is not None:
        assembler.groups.pop(done, None)
    return C.SMPP_ESME_ROK


def _flush_stale(assembler: Assembler, on_parsed: OnParsed) -> None:
    for key, message in assembler.stale():
        try:
            on_parsed(Parsed(inbound=[message]))
        except Exception:
            log.exception("SMPP incomplete message from %s not taken; trying again", key[0])
            return
        assembler.groups.pop(key, None)


def _close(client: SmppClient, *, unbind: bool) -> None:
    try:
        if unbind and client.state != C.SMPP_CLIENT_STATE_OPEN:
            client.send_pdu(smpplib.smpp.make_pdu("unbind", client=client))
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and client.readable(0.1):
                if client.read_pdu().command == "unbind_resp":
                    break
    except LinkErrors:
        pass  # going away either way
    finally:
        client.disconnect()
