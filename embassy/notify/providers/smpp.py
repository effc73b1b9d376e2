"""SMPP 3.4: a direct operator or aggregator link, through smpplib.

Sending (`SmppVendor.send`) is a submit_sm over a bound transmitter session (option "bind": "transceiver"
for an SMSC that only accepts those). smpplib clients are not thread-safe and the Vendor protocol is per
message, so each account gets a small pool of sessions ("sessions", default 1; many operators allow only a
few binds per system_id): a sending thread takes one session out of the pool, uses it alone, and puts it
back. A session binds lazily, is dropped after any connection or protocol error and binds again on the
next send; a keep-alive thread sends enquire_link on idle sessions ("enquire_link" seconds, default 30) and
answers the SMSC's own; `SmppVendor.close()` and interpreter exit unbind them all.

Receipts and mobile-originated messages come as deliver_sm on the separate receiver bind that
`smpp_listener.listen` keeps: SMPP has no webhooks, so `verify` is always False and `parse` raises BadHook.
A deliver_sm that reaches a sending transceiver anyway is refused with ESME_RX_T_APPN, so the SMSC
delivers it again (to the listener) instead of it being lost.

Outcomes: submit_sm_resp with ESME_ROK → sent, its message_id being the provider id the receipts name;
ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR, timeouts and connection errors → retry; every other status →
failed with its name. SMPP has no idempotency key: a submit_sm whose answer is lost (a timeout, a dropped
connection) is retried and may reach the phone twice, the price of never losing one. A bind refused for its credentials (ESME_RINVPASWD, ESME_RINVSYSID, ESME_RINVSYSTYP)
fails the message rather than retrying it: wrong credentials do not heal with time, a failed message moves
on to the next provider or channel of the fallback order at once instead of waiting out six retries, and the
refusal is remembered for a minute so a queue of messages does not hammer the SMSC with bad binds (operators
lock accounts after a few). A new password (a changed Account) clears it.

Text: GSM 03.38 (data_coding 0, unpacked septets, the `gsm0338` codec of docs/adr/0012) when every character
is in the GSM alphabet, else UCS-2 (data_coding 8, UTF-16BE, so emoji travel as surrogate pairs). A text
longer than one segment (160 septets / 70 UCS-2 units) goes as several submit_sm with a concatenation UDH
(esm_class 0x40; IEI 0x00, one-octet reference), the format of smpplib's `gsm.make_parts`. Its helper is not
used as is: it splits at a fixed octet count, which can cut a GSM escape pair or a UTF-16 surrogate pair in
half, and its GSM table maps "`" to "§". The provider id of a multipart message is its first part's id.

Ids: receipts name the message by its submit_sm_resp id, in the receipted_message_id TLV when the SMSC
sends it (same form as submit_sm_resp), else in the receipt text's "id:" field, which some SMSCs write in
decimal while submit_sm_resp was hex (or the reverse). Option "dlr_id": "same" (default), "dec-to-hex"
(text ids decimal, submit_sm_resp ids hex) or "hex-to-dec"; with a conversion both sides are stored in one
canonical form (`canonical_id`: lower-case hex without leading zeros, or a plain decimal).

Options: host, port (2775), system_type, tls (bool; "tls_ca" a CA file, "tls_verify" false only for a
private link with a self-signed certificate), timeout (seconds for a response, 10), source_addr_ton /
source_addr_npi (default from the sender: alphanumeric → 5/0, international number → 1/1, short code
→ 3/0), service_type, default_alphabet (what data_coding 0 means to this SMSC: "gsm", or "latin-1" /
"ascii" for those that treat it as such), and the listener's own (see smpp_listener). Credentials: system_id
(at most 15 characters) and password (at most 8, the SMPP 3.4 limits that smpplib would otherwise cut
silently). TLS: smpplib wraps its socket without a server name, which a verifying context refuses, so
`SmppClient.connect` opens the connection itself (IPv4 or IPv6) and wraps it with the host name checked.
smpplib logs raw PDUs, bind passwords included, at DEBUG on "embassy.notify.smpp.<account>": keep that
logger above DEBUG in production.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import queue
import secrets
import select
import socket
import ssl
import threading
import time
from typing import Any

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
import smpplib.client
import smpplib.command
import smpplib.consts as C
import smpplib.exceptions
import smpplib.smpp

from embassy.notify.channels import Result
from embassy.notify.providers import Account, BadHook, BaseVendor, Hook, Outgoing, Parsed

log = logging.getLogger(__name__)

STATUS_NAMES = {v: k.removeprefix("SMPP_") for k, v in vars(C).items() if k.startswith("SMPP_ESME_")}
RETRY_STATUSES = frozenset({C.SMPP_ESME_RTHROTTLED, C.SMPP_ESME_RMSGQFUL, C.SMPP_ESME_RSYSERR})
CREDENTIAL_STATUSES = frozenset({C.SMPP_ESME_RINVPASWD, C.SMPP_ESME_RINVSYSID, C.SMPP_ESME_RINVSYSTYP})
REFUSAL_MEMORY_S = 60.0
UDHI = C.SMPP_GSMFEAT_UDHI
# (single-segment limit, per-part limit) in octets of short_message: GSM-7 unpacked (one octet a septet)
# leaves 7 septets of a part for the 6-octet UDH; UCS-2 leaves 134 of 140 octets.
LIMITS = {0: (160, 153), 8: (140, 134)}
ALPHABETS = {"gsm": "gsm03.38", "latin-1": "latin-1", "ascii": "ascii"}
LinkErrors = (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError)


def status_name(status: int) -> str:
    """An SMPP command_status as operators read it: "ESME_RTHROTTLED (0x58): Throttling error ..."."""
    words = C.DESCRIPTIONS.get(status, "unknown status")
    return f"{STATUS_NAMES.get(status, 'ESME_?')} (0x{status:02X}): {words}"


class BindRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"the SMSC refused the bind: {status_name(status)}")
        self.status = status


@dataclasses.dataclass(frozen=True)
class Link:
    """An account's SMPP settings, checked. Equal links share a session pool."""

    key: str
    host: str
    port: int
    system_id: str
    password: str = dataclasses.field(repr=False)
    system_type: str = ""
    tls: bool = False
    tls_ca: str = ""
    tls_verify: bool = True
    timeout: float = 10.0
    enquire_link: float = 30.0
    sessions: int = 1
    bind: str = "transmitter"
    dlr_id: str = "same"
    alphabet: str = "gsm"


def _link(account: Account) -> Link:
    opt = account.option
    return Link(
        key=account.key, host=str(opt("host", "") or ""), port=int(opt("port", 2775) or 2775),
        system_id=account.secret("system_id"), password=account.secret("password"),
        system_type=str(opt("system_type", "") or ""), tls=bool(opt("tls", False)),
        tls_ca=str(opt("tls_ca", "") or ""), tls_verify=bool(opt("tls_verify", True)),
        timeout=float(opt("timeout", 10) or 10), enquire_link=float(opt("enquire_link", 30) or 30),
        sessions=max(1, int(opt("sessions", 1) or 1)), bind=str(opt("bind", "transmitter")),
        dlr_id=str(opt("dlr_id", "same")), alphabet=str(opt("default_alphabet", "gsm")),
    )


def link_of(account: Account) -> Link:
    """The account's link; ValueError with an operator-readable reason when it cannot work."""
    try:
        link = _link(account)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"SMPP account {account.key!r}: port, timeout, enquire_link and sessions must be "
                         f"numbers ({exc})") from exc
    problems = [
        "no host" if not link.host else "",
        "system_id must be 1 to 15 characters" if not 0 < len(link.system_id) <= 15 else "",
        "password must be at most 8 characters (SMPP 3.4)" if len(link.password) > 8 else "",
        "system_type must be at most 12 characters" if len(link.system_type) > 12 else "",
        "bind must be transmitter or transceiver" if link.bind not in ("transmitter", "transceiver") else "",
        "dlr_id must be same, dec-to-hex or hex-to-dec" if link.dlr_id not in ("same", "dec-to-hex", "hex-to-dec") else "",
        "default_alphabet must be gsm, latin-1 or ascii" if link.alphabet not in ALPHABETS else "",
        "timeout and enquire_link must be above 0 seconds" if min(link.timeout, link.enquire_link) <= 0 else "",
    ]
    if any(problems):
        raise ValueError(f"SMPP account {account.key!r}: " + "; ".join(p for p in problems if p))
    return link


def canonical_id(raw: str, mode: str, *, receipt_text: bool) -> str:
    """One form for an SMSC message id, whichever way the SMSC wrote it (see the module docstring)."""
    raw = raw.strip()
    try:
        if mode == "dec-to-hex":
            return format(int(raw, 10 if receipt_text else 16), "x")
        if mode == "hex-to-dec":
            return str(int(raw, 16 if receipt_text else 10))
    except ValueError:
        pass
    return raw


class _DeliverSM(smpplib.command.DeliverSM):
    """deliver_sm read tolerantly: smpplib fails on a TLV that its DeliverSM does not list (a KeyError even
    for standard ones) and drops the last character of a string TLV sent without its NUL. Unknown TLVs are
    kept in `extra_tlvs`."""

    def parse_optional_params(self, data: bytes) -> None:
        self.extra_tlvs: dict[int, bytes] = {}
        pos = 0
        while pos + 4 <= len(data):
            tag, length = int.from_bytes(data[pos:pos + 2], "big"), int.from_bytes(data[pos + 2:pos + 4], "big")
            value, pos = data[pos + 4:pos + 4 + length], pos + 4 + length
            name = next((n for n, code in C.OPTIONAL_PARAMS.items() if code == tag), "")
            param = self.params.get(name)
            if param is None:
                self.extra_tlvs[tag] = value
            elif param.type is int:
                setattr(self, name, int.from_bytes(value, "big"))
            elif param.type is str:
                setattr(self, name, value.rstrip(b"\0"))
            else:
                setattr(self, name, value)


def parse_pdu(raw: bytes, client: Any) -> Any:
    """A raw PDU as an smpplib PDU (deliver_sm through the tolerant reader)."""
    if raw[4:8] == b"\x00\x00\x00\x05":
        pdu = _DeliverSM("deliver_sm", client=client, sequence=0)
        pdu.parse(raw)
        return pdu
    return smpplib.smpp.parse_pdu(raw, client=client, allow_unknown_opt_params=True)


class SmppClient(smpplib.client.Client):
    """smpplib's client with a verified TLS connection, a tolerant reader and a quiet disconnect."""

    def connect(self) -> None:
        raw = None
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self._socket = self._ssl_context.wrap_socket(raw, server_hostname=self.host) if self._ssl_context else raw
        except OSError as exc:  # ssl.SSLError included
            if raw is not None:
                raw.close()
            raise smpplib.exceptions.ConnectionError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        self.state = C.SMPP_CLIENT_STATE_OPEN

    def disconnect(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self.state = C.SMPP_CLIENT_STATE_CLOSED

    def read_pdu(self) -> Any:
        header = self._recv_exact(4)
        length = int.from_bytes(header, "big")
        if not 16 <= length <= 70_000:
            raise smpplib.exceptions.PDUError(f"broken PDU length {length}")
        raw = header + self._recv_exact(length - 4)
        try:
            pdu = parse_pdu(raw, self)
        except (smpplib.exceptions.UnknownCommandError, ValueError, KeyError, IndexError) as exc:
            raise smpplib.exceptions.PDUError(f"unreadable PDU: {exc}") from exc
        if not pdu.is_error() and pdu.command in C.STATE_SETTERS:
            self.state = C.STATE_SETTERS[pdu.command]
        return pdu

    def readable(self, timeout: float) -> bool:
        sock = self._socket
        if sock is None:
            raise smpplib.exceptions.ConnectionError("not connected")
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        return bool(select.select([sock], [], [], timeout)[0])

    def respond(self, request: Any, command: str, status: int = C.SMPP_ESME_ROK) -> None:
        resp = smpplib.smpp.make_pdu(command, client=self, status=status)
        resp.sequence = request.sequence
        self.send_pdu(resp)


def open_client(link: Link, mode: str) -> SmppClient:
    """Connected and bound as `mode` (transmitter, receiver, transceiver). Raises BindRefused when the SMSC
    says no, smpplib's ConnectionError / OSError when it cannot be reached."""
    context = None
    if link.tls:
        context = ssl.create_default_context(cafile=link.tls_ca or None)
        if not link.tls_verify:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    client = SmppClient(link.host, link.port, timeout=link.timeout, ssl_context=context,
                        logger_name=f"embassy.notify.smpp.{link.key}", allow_unknown_opt_params=True)
    client.connect()
    try:
        getattr(client, f"bind_{mode}")(system_id=link.system_id, password=link.password,
                                         system_type=link.system_type or None)
    except smpplib.exceptions.PDUError as exc:
        client.disconnect()
        status = exc.args[1] if len(exc.args) > 1 else C.SMPP_ESME_RBINDFAIL
        raise BindRefused(int(status)) from exc
    except BaseException:
        client.disconnect()
        raise
    return client


def source_address(sender: str, account: Account) -> tuple[int, int, str]:
    """(TON, NPI, address) of the sender: alphanumeric → 5/0, international number → 1/1, short code → 3/0;
    the account's source_addr_ton / source_addr_npi options win."""
    sender = sender.strip()
    bare = sender.removeprefix("+").replace(" ", "")
    if not sender:
        raise ValueError("no sender: set the account's sender")
    if not bare.isdigit():
        ton, npi, addr = 5, 0, sender
    elif sender.startswith("+") or len(bare) > 8:
        ton, npi, addr = 1, 1, bare
    else:
        ton, npi, addr = 3, 0, bare
    if len(addr) > 20 or not addr.isascii():
        raise ValueError(f"sender {sender!r} is not an SMPP address (at most 20 ASCII characters)")
    return int(account.option("source_addr_ton", ton)), int(account.option("source_addr_npi", npi)), addr


def encode_parts(text: str, alphabet: str = "gsm") -> tuple[int, int, list[bytes]]:
    """(data_coding, esm_class, short_message of each part): one part when the text fits a segment, else
    parts with a concatenation UDH, split between characters, never inside one."""
    try:
        units = [c.encode(ALPHABETS[alphabet]) for c in text]
        if alphabet != "gsm":
            text.encode("gsm03.38")  # the SMSC maps it to GSM: it must exist there
        coding = 0
    except UnicodeEncodeError:
        units, coding = [c.encode("utf-16-be") for c in text], 8
    whole, part = LIMITS[coding]
    if sum(map(len, units)) <= whole:
        return coding, 0, [b"".join(units)]
    chunks: list[bytes] = [b""]
    for unit in units:
        if len(chunks[-1]) + len(unit) > part:
            chunks.append(b"")
        chunks[-1] += unit
    if len(chunks) > 255:
        raise ValueError("the text is longer than 255 SMS parts")
    ref = secrets.randbelow(256)  # as smpplib: a random reference tells this message's parts from others'
    return coding, UDHI, [bytes([5, 0, 3, ref, len(chunks), n]) + c for n, c in enumerate(chunks, 1)]


class _Session:
    """One bind to the SMSC, used by one thread at a time (the pool hands it out)."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.client: SmppClient | None = None
        self.last_io = 0.0

    def bound(self) -> SmppClient:
        """The bound client; a stale connection (closed by the SMSC while idle) is noticed here and replaced
        before anything is submitted on it."""
        if self.client is not None:
            try:
                self.drain()
                return self.client
            except LinkErrors as exc:
                log.info("SMPP session of %s lost while idle (%s); binding again", self.link.key, exc)
                self.close(unbind=False)
        self.client = open_client(self.link, self.link.bind)
        self.last_io = time.monotonic()
        return self.client

    def drain(self) -> None:
        """Answer whatever the SMSC sent meanwhile (enquire_link, a stray deliver_sm, unbind)."""
        client = self.client
        while client is not None and client.readable(0):
            self._unsolicited(client, client.read_pdu())

    def _unsolicited(self, client: SmppClient, pdu: Any) -> None:
        if pdu.command == "enquire_link":
            client.respond(pdu, "enquire_link_resp")
        elif pdu.command == "deliver_sm":  # a transceiver bind: receipts belong to the listener's bind
            client.respond(pdu, "deliver_sm_resp", C.SMPP_ESME_RX_T_APPN)
        elif pdu.command == "unbind":
            client.respond(pdu, "unbind_resp")
            raise smpplib.exceptions.ConnectionError("the SMSC unbound the session")
        elif pdu.command == "generic_nack":
            raise smpplib.exceptions.PDUError(f"generic_nack from the SMSC: {status_name(pdu.status)}")

    def call(self, request: Any) -> Any:
        """Send `request` and return its response; other PDUs met on the way are answered."""
        client = self.client
        if client is None:
            raise smpplib.exceptions.ConnectionError("the session is not bound")
        client.send_pdu(request)
        deadline = time.monotonic() + self.link.timeout
        while time.monotonic() < deadline:
            pdu = client.read_pdu()  # the socket's own timeout bounds each read
            self.last_io = time.monotonic()
            if pdu.is_response() and pdu.sequence == request.sequence:
                return pdu
            self._unsolicited(client, pdu)
        raise smpplib.exceptions.ConnectionError(f"no answer to {request.command} in {self.link.timeout:g} s")

    def keepalive(self) -> None:
        if self.client is None:
            return
        try:
            if time.monotonic() - self.last_io >= self.link.enquire_link:
                self.call(smpplib.smpp.make_pdu("enquire_link", client=self.client))
            else:
                self.drain()
        except LinkErrors as exc:
            log.info("SMPP keep-alive of %s failed (%s); it binds again on the next send", self.link.key, exc)
            self.close(unbind=False)

    def close(self, *, unbind: bool = True) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if unbind and client.state != C.SMPP_CLIENT_STATE_OPEN:
                self.client = client
                self.call(smpplib.smpp.make_pdu("unbind", client=client))
        except LinkErrors:
            pass  # the connection is going away either way
        finally:
            self.client = None
            client.disconnect()


class _Pool:
    """An account's sessions: a queue of free ones, a keep-alive thread, a remembered credential refusal."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.free: queue.LifoQueue[_Session] = queue.LifoQueue()
        for _ in range(link.sessions):
            self.free.put(_Session(link))
        self.refused: tuple[float, str] | None = None
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._keepalive, name=f"smpp-keepalive-{link.key}", daemon=True)
        self.thread.start()

    def _keepalive(self) -> None:
        tick = max(0.05, min(self.link.enquire_link / 3, 5.0))
        while not self.closed.wait(tick):
            idle = []
            while True:
                try:
                    idle.append(self.free.get_nowait())
                except queue.Empty:
                    break
            for session in idle:
                try:
                    session.keepalive()
                except Exception:  # a bug must not end the thread: the bind is dropped and made again
                    log.exception("SMPP keep-alive of %s failed", self.link.key)
                    session.close(unbind=False)
                finally:
                    self.free.put(session)

    def refusal(self) -> str:
        if self.refused and self.refused[0] > time.monotonic():
            return self.refused[1]
        return ""

    def close(self) -> None:
        self.closed.set()
        for _ in range(self.link.sessions):
            try:
                session = self.free.get(timeout=self.link.timeout)
            except queue.Empty:
                break
            session.close()
        if self.thread is not threading.current_thread():
            self.thread.join(timeout=1)


_pools: dict[str, _Pool] = {}
_pools_lock = threading.Lock()


def _pool(link: Link) -> _Pool:
    stale = None
    with _pools_lock:
        pool = _pools.get(link.key)
        if pool is None or pool.link != link:
            stale, pool = pool, _Pool(link)
            _pools[link.key] = pool
    if stale is not None:
        stale.close()  # the account changed (new password, host): its old binds go
    return pool


def close_all(key: str | None = None) -> None:
    """Unbind and close the pools (every account's, or the one named)."""
    with _pools_lock:
        pools = [_pools.pop(k) for k in list(_pools) if key in (None, k)]
    for pool in pools:
        pool.close()


atexit.register(close_all)


class SmppVendor(BaseVendor):
    name = "smpp"
    channels = ("sms",)

    def send(self, account: Account, out: Outgoing) -> Result:
        try:
            link = link_of(account)
            ton, npi, source = source_address(out.sender or account.sender, account)
            coding, esm_class, parts = encode_parts(out.text, link.alphabet)
        except ValueError as exc:
            return Result.failed(str(exc))
        destination = out.to.strip().removeprefix("+")
        if not destination.isdigit():
            return Result.failed(f"destination {out.to!r} is not an E.164 number")
        pool = _pool(link)
        if refusal := pool.refusal():
            return Result.failed(refusal)
        try:
            session = pool.free.get(timeout=link.timeout)
        except queue.Empty:
            return Result.retry(f"all {link.sessions} SMPP sessions of {link.key} stayed busy for {link.timeout:g} s")
        try:
            try:
                client = session.bound()
            except BindRefused as exc:
                if exc.status not in CREDENTIAL_STATUSES:
                    return Result.retry(f"{exc} ({link.host}:{link.port})")
                message = f"{exc} ({link.host}:{link.port}): check the account's system_id and password"
                pool.refused = (time.monotonic() + REFUSAL_MEMORY_S, message)
                return Result.failed(message)
            fields = {
                "service_type": str(account.option("service_type", "") or "") or None,
                "source_addr_ton": ton, "source_addr_npi": npi, "source_addr": source,
                "dest_addr_ton": 1, "dest_addr_npi": 1, "destination_addr": destination,
                "esm_class": esm_class, "data_coding": coding, "registered_delivery": 1,
            }
            return self._submit(session, client, fields, parts)
        except LinkErrors as exc:
            session.close(unbind=False)
            reason = str(exc) or "connection closed"
            return Result.retry(f"SMPP link to {link.host}:{link.port} failed: {reason}")
        finally:
            if pool.closed.is_set():  # the account changed or close() ran meanwhile: this bind goes too
                session.close()
            pool.free.put(session)

    def _submit(self, session: _Session, client: SmppClient, fields: dict[str, Any], parts: list[bytes]) -> Result:
        ids: list[str] = []
        for n, part in enumerate(parts, 1):
            resp = session.call(smpplib.smpp.make_pdu("submit_sm", client=client, short_message=part, **fields))
            where = f" (part {n} of {len(parts)})" if len(parts) > 1 else ""
            if resp.command == "generic_nack" or resp.status == C.SMPP_ESME_RINVBNDSTS:
                session.close(unbind=False)
                return Result.retry(f"SMSC answered {resp.command} {status_name(resp.status)}{where}")
            if resp.status in RETRY_STATUSES:
                return Result.retry(f"SMSC answered {status_name(resp.status)}{where}")
            if resp.status != C.SMPP_ESME_ROK:
                return Result.failed(f"SMSC refused the message: {status_name(resp.status)}{where}")
            ids.append((resp.message_id or b"").decode("ascii", "replace"))
        return Result.sent(provider_id=canonical_id(ids[0], session.link.dlr_id, receipt_text=False))

    def verify(self, account: Account, hook: Hook) -> bool:
        return False  # SMPP has no webhooks: nothing that arrives over HTTP is from the SMSC

    def parse(self, account: Account, hook: Hook) -> Parsed:
        raise BadHook("SMPP has no webhooks: receipts and replies arrive on the listener's receiver bind")

    def close(self, account: Account | None = None) -> None:
        """Unbind this account's sessions (all accounts' without one)."""
        close_all(account.key if account else None)
