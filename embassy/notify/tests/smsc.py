"""A local SMSC: a real SMPP 3.4 server on 127.0.0.1 (a free port, in threads) for the SMPP vendor's tests.

    with Smsc(system_id="embassy", password="secret") as smsc:
        ... point the account at smsc.host, smsc.port ...
        smsc.fail_next(C.SMPP_ESME_RTHROTTLED)      # the next submit_sm is answered with this status
        smsc.receipt_next("UNDELIV", "001")         # the next accepted submit_sm's receipt
        smsc.mo("60123456789", "74474", "AMAN")     # a mobile-originated deliver_sm to a bound receiver
        smsc.wait(lambda: smsc.count("deliver_sm_resp") == 1)

It speaks what the vendor and the listener use: bind_transmitter / receiver / transceiver (a wrong system_id
→ ESME_RINVSYSID, a wrong password → ESME_RINVPASWD, a second bind on one connection → ESME_RALYBND),
enquire_link, submit_sm (→ submit_sm_resp with a fresh hexadecimal id; submit_sm on a receiver →
ESME_RINVBNDSTS), unbind, and generic_nack for the rest. A submit_sm asking for a receipt
(registered_delivery bit 0) gets one, `receipt_delay` seconds later, as a deliver_sm to a bound receiver or
transceiver: "id:… sub:001 dlvrd:… submit date:… done date:… stat:… err:… text:…" (SMPP 3.4 appendix B)
with the receipted_message_id and message_state TLVs (`receipt_tlvs`), the text id written in decimal when
`decimal_receipt_ids` is set (as some SMSCs do). Like a real SMSC, a deliver_sm answered with an error,
or left unanswered when its connection closes, is delivered again (`redeliver_delay` later). With
`tls_dir` it speaks TLS only, with a self-signed certificate for 127.0.0.1 written there (`cafile`). PDUs
are encoded and decoded with smpplib's own PDU classes; every PDU in both directions is recorded in `pdus`."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import itertools
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import smpplib.consts as C
import smpplib.exceptions
import smpplib.smpp

SYSTEM_ID, PASSWORD = "embassy", "secret"
MESSAGE_STATES = {"ENROUTE": 1, "DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "ACCEPTD": 6,
                  "UNKNOWN": 7, "REJECTD": 8}
BINDS = {"bind_transmitter": "transmitter", "bind_receiver": "receiver", "bind_transceiver": "transceiver"}


class _Sequences:
    """smpplib PDUs take their sequence numbers from a client; this one is the server's."""

    def __init__(self) -> None:
        self._next = itertools.count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = next(self._next)
        return self.sequence


@dataclass
class Pdu:
    direction: str  # "in": from the client; "out": from the SMSC
    conn: int  # the connection's number (1, 2, … in order of arrival)
    command: str
    status: int
    sequence: int
    pdu: Any  # the smpplib PDU (fields read from the wire are bytes)


@dataclass
class _Delivery:
    fields: dict[str, Any]
    attempts: int = 0


@dataclass
class _Conn:
    number: int
    sock: socket.socket
    mode: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


class Smsc:
    def __init__(self, *, system_id: str = SYSTEM_ID, password: str = PASSWORD, receipt_delay: float = 0.02,
                 redeliver_delay: float = 0.05, receipt_tlvs: bool = True, decimal_receipt_ids: bool = False,
                 tls_dir: Path | None = None) -> None:
        self.system_id, self.password = system_id, password
        self.cafile = ""
        self._tls: ssl.SSLContext | None = None
        if tls_dir is not None:
            self.cafile, keyfile = _self_signed(tls_dir)
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(self.cafile, keyfile)
        self.receipt_delay, self.redeliver_delay = receipt_delay, redeliver_delay
        self.receipt_tlvs, self.decimal_receipt_ids = receipt_tlvs, decimal_receipt_ids
        self.pdus: list[Pdu] = []
        self.host, self.port = "127.0.0.1", 0
        self._cond = threading.Condition()
        self._seq = _Sequences()
        self._ids = itertools.count(0x1D305B4C)
        self._conns: dict[int, _Conn] = {}
        self._numbers = itertools.count(1)
        self._fail: deque[int] = deque()
        self._receipts: deque[tuple[str, str]] = deque()
        self._outbox: deque[_Delivery] = deque()
        self._in_flight: dict[tuple[int, int], _Delivery] = {}
        self._running = False
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None

    # --- the test's side ---

    def fail_next(self, status: int, times: int = 1) -> None:
        self._fail.extend([status] * times)

    def receipt_next(self, stat: str, err: str = "000") -> None:
        self._receipts.append((stat, err))

    def mo(self, source: str, dest: str, text: str | None = None, *, octets: bytes | None = None,
           data_coding: int = 0, esm_class: int = 0, source_ton: int = 1, **tlvs: Any) -> None:
        """Queue a mobile-originated deliver_sm: `text` encoded per data_coding (0 GSM 03.38, 3 Latin-1,
        8 UCS-2), or raw `octets` (a UDH included)."""
        if octets is None:
            codec = {0: "gsm03.38", 1: "ascii", 3: "latin-1", 8: "utf-16-be"}[data_coding]
            octets = (text or "").encode(codec)
        self.deliver(source_addr_ton=source_ton, source_addr_npi=1, source_addr=source, dest_addr_ton=0,
                     dest_addr_npi=1, destination_addr=dest, esm_class=esm_class, data_coding=data_coding,
                     short_message=octets, **tlvs)

    def deliver(self, **fields: Any) -> None:
        """Queue any deliver_sm (smpplib's field names); it goes to a bound receiver as soon as there is one."""
        with self._cond:
            self._outbox.append(_Delivery(fields))
            self._cond.notify_all()

    def drop(self) -> None:
        """Close every client connection, as an SMSC restart would."""
        with self._cond:
            conns = list(self._conns.values())
        for conn in conns:
            _shut(conn.sock)

    def count(self, command: str, *, direction: str = "", status: int | None = None) -> int:
        return len(self.find(command, direction=direction, status=status))

    def find(self, command: str, *, direction: str = "", status: int | None = None) -> list[Pdu]:
        with self._cond:
            return [p for p in self.pdus if p.command == command and direction in ("", p.direction)
                    and status in (None, p.status)]

    def bound(self, mode: str) -> int:
        with self._cond:
            return sum(1 for c in self._conns.values() if c.mode == mode)

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # --- the server ---

    def __enter__(self) -> Smsc:
        server = socket.create_server(("127.0.0.1", 0))
        server.settimeout(0.1)
        self._server, self.port, self._running = server, server.getsockname()[1], True
        for target in (self._accept, self._deliverer):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        self.drop()
        if self._server is not None:
            _shut(self._server)  # wakes the accepting thread at once
        for thread in self._threads:
            thread.join(timeout=2)

    def _accept(self) -> None:
        assert self._server is not None
        while self._running:
            try:
                sock, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn = _Conn(next(self._numbers), sock)
            with self._cond:
                self._conns[conn.number] = conn
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: _Conn) -> None:
        try:
            if self._tls is not None:
                conn.sock = self._tls.wrap_socket(conn.sock, server_side=True)
            while self._running:
                header = _recv(conn.sock, 16)
                raw = header + _recv(conn.sock, int.from_bytes(header[:4], "big") - 16)
                try:
                    pdu = smpplib.smpp.parse_pdu(raw, client=self._seq, allow_unknown_opt_params=True)
                except smpplib.exceptions.UnknownCommandError:
                    self._send(conn, self._make("generic_nack", int.from_bytes(raw[12:16], "big"), C.SMPP_ESME_RINVCMDID))
                    continue
                self._record("in", conn, pdu)
                if not self._handle(conn, pdu):
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            _shut(conn.sock)
            with self._cond:
                self._conns.pop(conn.number, None)
                for key in [k for k in self._in_flight if k[0] == conn.number]:
                    self._outbox.appendleft(self._in_flight.pop(key))  # unanswered: delivered again later
                self._cond.notify_all()

    def _handle(self, conn: _Conn, pdu: Any) -> bool:
        """Answer one PDU; False when the connection is to close."""
        if pdu.command in BINDS:
            status = C.SMPP_ESME_ROK
            if conn.mode:
                status = C.SMPP_ESME_RALYBND
            elif pdu.system_id != self.system_id.encode():
                status = C.SMPP_ESME_RINVSYSID
            elif pdu.password != self.password.encode():
                status = C.SMPP_ESME_RINVPASWD
            resp = self._make(pdu.command + "_resp", pdu.sequence, status, system_id="SMSCSIM")
            self._send(conn, resp)
            if status == C.SMPP_ESME_ROK:
                with self._cond:
                    conn.mode = BINDS[pdu.command]
                    self._cond.notify_all()
        elif pdu.command == "submit_sm":
            self._submit(conn, pdu)
        elif pdu.command == "enquire_link":
            self._send(conn, self._make("enquire_link_resp", pdu.sequence))
        elif pdu.command == "unbind":
            self._send(conn, self._make("unbind_resp", pdu.sequence))
            return False
        elif pdu.command == "deliver_sm_resp":
            with self._cond:
                delivery = self._in_flight.pop((conn.number, pdu.sequence), None)
            if delivery is not None and pdu.status != C.SMPP_ESME_ROK:
                threading.Timer(self.redeliver_delay, self._requeue, args=(delivery,)).start()
        elif pdu.is_request():
            self._send(conn, self._make("generic_nack", pdu.sequence, C.SMPP_ESME_RINVCMDID))
        return True

    def _submit(self, conn: _Conn, pdu: Any) -> None:
        if conn.mode not in ("transmitter", "transceiver"):
            self._send(conn, self._make("submit_sm_resp", pdu.sequence, C.SMPP_ESME_RINVBNDSTS))
            return
        if self._fail:
            self._send(conn, self._make("submit_sm_resp", pdu.sequence, self._fail.popleft()))
            return
        message_id = format(next(self._ids), "x")
        self._send(conn, self._make("submit_sm_resp", pdu.sequence, message_id=message_id))
        if pdu.registered_delivery and pdu.registered_delivery & 1:
            stat, err = self._receipts.popleft() if self._receipts else ("DELIVRD", "000")
            threading.Timer(self.receipt_delay, self.deliver, kwargs=self._receipt(pdu, message_id, stat, err)).start()

    def _receipt(self, submit: Any, message_id: str, stat: str, err: str) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC).strftime("%y%m%d%H%M")
        text_id = f"{int(message_id, 16):010d}" if self.decimal_receipt_ids else message_id
        dlvrd = "001" if stat == "DELIVRD" else "000"
        text = (f"id:{text_id} sub:001 dlvrd:{dlvrd} submit date:{now} done date:{now} stat:{stat} err:{err} "
                f"text:{submit.short_message[:20].decode('latin-1')}")
        fields: dict[str, Any] = {
            "source_addr_ton": submit.dest_addr_ton, "source_addr_npi": submit.dest_addr_npi,
            "source_addr": submit.destination_addr.decode(), "dest_addr_ton": submit.source_addr_ton,
            "dest_addr_npi": submit.source_addr_npi, "destination_addr": submit.source_addr.decode(),
            "esm_class": 0x04, "data_coding": 0, "short_message": text.encode("latin-1"),
        }
        if self.receipt_tlvs:
            fields.update(receipted_message_id=message_id, message_state=MESSAGE_STATES.get(stat, 7))
        return fields

    def _requeue(self, delivery: _Delivery) -> None:
        with self._cond:
            self._outbox.append(delivery)
            self._cond.notify_all()

    def _deliverer(self) -> None:
        """Send queued deliver_sm to a bound receiver (the first), keeping them until answered."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: not self._running or (self._outbox and self._receiver()), 1.0)
                if not self._running:
                    return
                conn = self._receiver()
                if not self._outbox or conn is None:
                    continue
                delivery = self._outbox.popleft()
                delivery.attempts += 1
                pdu = smpplib.smpp.make_pdu("deliver_sm", client=self._seq, **delivery.fields)
                self._in_flight[(conn.number, pdu.sequence)] = delivery
            with contextlib.suppress(OSError):  # the connection's reader puts it back in the queue
                self._send(conn, pdu)

    def _receiver(self) -> _Conn | None:
        return next((c for c in self._conns.values() if c.mode in ("receiver", "transceiver")), None)

    def _make(self, command: str, sequence: int, status: int = C.SMPP_ESME_ROK, **fields: Any) -> Any:
        pdu = smpplib.smpp.make_pdu(command, client=self._seq, status=status, **fields)
        pdu.sequence = sequence
        return pdu

    def _send(self, conn: _Conn, pdu: Any) -> None:
        raw = pdu.generate()
        self._record("out", conn, pdu)
        with conn.lock:
            conn.sock.sendall(raw)

    def _record(self, direction: str, conn: _Conn, pdu: Any) -> None:
        with self._cond:
            self.pdus.append(Pdu(direction, conn.number, pdu.command, pdu.status or 0, pdu.sequence, pdu))
            self._cond.notify_all()


def _recv(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _self_signed(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files in `folder`: (certificate, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smsc.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "smsc.pem", folder / "smsc.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(certfile), str(keyfile)
