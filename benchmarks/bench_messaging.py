"""benchmarks/messaging: the providers' webhooks against the server as `make run` starts it (issue 12).

A fresh server (manage.py serve_all: Granian WSGI with 2 workers, the task workers and the scheduler; DEBUG=1;
SQLite under a temporary VAR_DIR; reference data and 20,000 demo citizens) is started on a free port with
SITE_URL set to its address (vendors sign the URL they call). The seeding step (one `manage.py shell`) gives
every demo citizen a distinct E.164 phone, adds two provider accounts (Twilio: the mission's SMS number,
whose outbound API is a local stand-in process so that the SOS acknowledgements the server sends by SMS make
their real SDK calls; Infobip), and bulk-inserts two finished roll-calls of --receipts people each (one per
account; benchmark citizens added to the demo population to reach that many): a crisis, its Affected rows
and one sent SMS outbox row per person with the vendor's message id, as the roll-call leaves them.

Phases, in this order (the SOS cases escalate 5 minutes after they are raised: that fan-out must not run
under a receipts phase):
  1. healthz: closed loop, 16 keep-alive clients, --burst seconds: the rate of a bare request (the floor).
  2. receipts (a): Infobip delivery reports, 100 per request (Basic auth), 16 clients, as fast as the server
     takes them; 5% of requests sent again 1-2,000 requests later (a vendor retry, some while the first is in
     flight); a 5xx or a dropped connection is retried 0.5 s later, up to 5 tries, as a vendor would.
     Receipts/s = receipts / (first request -> the last row's receipt written, read from the database).
     (b) Twilio status callbacks, one per request (signed), the same way. 97% of receipts say delivered, 3%
     failed (Infobip UNDELIVERABLE / Twilio undelivered 30003), in shuffled order (a vendor reports in
     delivery order, not in sending order).
  3. healthz closed loop again (the baseline is the mean of 1 and 3), then GET /healthz in an open loop at
     --rate for 10 s on 32 connections: the latency of a bare request at that rate (baseline for p50/p99).
  4. inbound: 5 s at 100/s (warm-up), then an open loop at --rate webhooks/s for --seconds (default 200/s for
     60 s) over 32 keep-alive connections: Twilio inbound-SMS webhooks (the form Twilio posts,
     X-Twilio-Signature computed with twilio's RequestValidator over the exact URL) carrying the app's
     offline SOS text (static/sos/panic.js: "[Name: ]SOS! Saya butuh bantuan. Posisi saya: <lat>,<lon>
     (+/-N m) https://osm.org/?mlat=..&mlon=..") from demo citizens' phones at their registered stays
     (±100 m), every webhook from another citizen. The webhook stores the text and the worker makes the case
     (notify.inbox), so the latency that counts is in the queue: from when the request was due (no coordinated
     omission) to the Inbound row's handled_at, written by the transaction that made the case; due -> 200 is
     reported beside it (inbound_answer_*). 3% of webhooks are sent again with the same MessageSid 0-2 s after
     the first (a vendor retry; some overlap the first).

Checks, in the database afterwards:
- inbound: exactly one notify.Inbound row per distinct MessageSid; each taken as an SOS ("sos": a new case;
  "sos-joined": the sender's open case) of the sender's citizen, every case with the position of its text;
  one case per "sos" row, no case of a sender that no row names, Case.alerts = 1 + the joins; retries
  answered 200 and made nothing. A webhook with no case is lost; a second row or case is duplicated.
- receipts: triggers added by the seeding step (benchmark instrumentation, not the product's) log every
  write of notify_message.receipt and of crises_affected.reached_at. Each row must end with the status sent
  to it, written exactly once; the roll-call hook must mark each delivered person reached exactly once and no
  failed one. The triggers' timestamps give the moment the last receipt was applied.

`--quick`: 10 s inbound, 10,000 receipts per vendor, 5 s bursts (a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import heapq
import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from benchmarks.bench_sos import _free_port, _manage, _pct, quiet, start_server, stop_server
from benchmarks.common import write_result

ROOT = Path(__file__).resolve().parents[1]
INBOUND_CONNS = 32
CLIENTS = 16
TW_KEY, IB_KEY = "bench-twilio", "bench-infobip"
TW_SID, TW_TOKEN = "AC" + "5e" * 16, "4d" * 16  # fixed test credentials (sealed in the database like any)
IB_USER, IB_PASSWORD = "infobip-hooks", "bench-" + "9f" * 12
INBOUND_NUMBER = "+6531580000"  # the mission's SMS number people text
FAILED_SHARE = 0.03
EPOCH_JD = 2440587.5  # julianday('1970-01-01'): the triggers' timestamps are Julian days

SETUP = r"""
import json, os, random
from django.db import connection, transaction
from django.utils import timezone
from embassy.citizens.models import Citizen, Stay
from embassy.common.bulk import insert_many
from embassy.crises.models import Affected, Crisis
from embassy.notify.models import Message, ProviderAccount
from embassy.notify.routing import seal_credentials

cfg = json.loads(os.environ["BENCH_MSG_CONFIG"])
n, rng, now = cfg["receipts"], random.Random(5), timezone.now()
at = connection.ops.adapt_datetimefield_value(now)
table = Citizen._meta.db_table
demo = list(Citizen.objects.filter(source="demo").order_by("id").values_list("id", flat=True))
with transaction.atomic(), connection.cursor() as cursor:
    cursor.executemany(f"UPDATE {table} SET phone = %s WHERE id = %s", [(f"+628139{c:07d}", c) for c in demo])
stays = list(Stay.objects.filter(citizen__source="demo", status="active").order_by("citizen_id")
             .values_list("citizen_id", "id", "mission_id", "lat", "lon", "citizen__full_name"))
extra = max(0, n - len(stays))
Citizen.objects.bulk_create([Citizen(full_name=f"Bench Warga {i}", phone=f"+628138{i:07d}", source="bench")
                             for i in range(extra)], batch_size=5000)
people = [(c, s, m, la, lo) for c, s, m, la, lo, _n in stays]
people += [(c, None, rng.choice(stays)[2], None, None) for c in
           Citizen.objects.filter(source="bench").order_by("id").values_list("id", flat=True)]
ProviderAccount.objects.create(
    key=cfg["tw_key"], name="Twilio (benchmark)", vendor="twilio", channel="sms", rank=1, sender=cfg["number"],
    inbound_number=cfg["number"], options={"base_url": cfg["standin"], "timeout": 5},
    credentials=seal_credentials({"account_sid": cfg["tw_sid"], "auth_token": cfg["tw_token"]}))
ProviderAccount.objects.create(
    key=cfg["ib_key"], name="Infobip (benchmark)", vendor="infobip", channel="sms", rank=2, countries="SA",
    sender="KBRI", options={"base_url": "https://bench.api.infobip.com"},
    credentials=seal_credentials({"api_key": "bench", "webhook_username": cfg["ib_user"],
                                  "webhook_password": cfg["ib_password"]}))
out = {"people": [[c, f"+628139{c:07d}", la, lo, name] for c, _s, _m, la, lo, name in stays], "rollcall": {}}
phones = dict(Citizen.objects.values_list("id", "phone"))
next_id = (Message.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
for vendor, key in (("infobip", cfg["ib_key"]), ("twilio", cfg["tw_key"])):
    crisis = Crisis.objects.create(title=f"Banjir (benchmark {vendor})", kind="flood", status="active",
                                   rollcall_started_at=now, occurred_at=now)
    with transaction.atomic():
        insert_many(Affected, ["crisis_id", "citizen_id", "stay_id", "mission_id", "lat", "lon", "added_at",
                               "asked_at"],
                    [(crisis.pk, c, s, m, la, lo, at, at) for c, s, m, la, lo in people[:n]],
                    constants={"via": "stay", "dependants": 0, "inside": True, "channel": "sms", "reminders": 0,
                               "answer": "", "answered_via": ""})
    affected = list(Affected.objects.filter(crisis=crisis).order_by("id").values_list("id", "citizen_id",
                                                                                      "mission_id"))
    rows, msgs = [], []
    for aid, cid, mid in affected:
        pid = f"se-{key}-{next_id}" if vendor == "infobip" else "SM" + f"{rng.getrandbits(128):032x}"
        rows.append([next_id, pid, aid, phones[cid]])
        msgs.append((next_id, phones[cid], json.dumps({"affected": aid, "crisis": crisis.pk}),
                     f"rollcall:{crisis.pk}:{aid}:0", pid, mid))
        next_id += 1
    with transaction.atomic():
        for i in range(0, len(msgs), 5000):
            insert_many(Message, ["id", "address", "data", "dedupe_key", "provider_id", "mission_id"], msgs[i:i + 5000],
                        constants={"channel": "sms", "subject": "Apakah Anda aman?", "url": "", "kind": "crisis.rollcall",
                                   "body": "KBRI: Banjir. Anda aman? Balas 1 AMAN / 2 TOLONG, atau buka tautan.",
                                   "priority": 90, "status": "sent", "attempts": 1, "next_attempt_at": now,
                                   "claimed_by": "", "last_error": "", "created_at": now, "sent_at": now,
                                   "provider": key, "receipt": "", "receipt_error": "", "topic": f"crisis:{crisis.pk}"})
    out["rollcall"][vendor] = {"crisis": crisis.pk, "rows": rows}
with open(os.environ["BENCH_MSG_OUT"], "w") as fh:
    json.dump(out, fh)
"""

# Benchmark instrumentation: every write of a receipt, and of "reached", is logged with its time.
TRIGGERS = """
CREATE TABLE bench_receipt_log (message_id INTEGER, receipt TEXT, at REAL);
CREATE TABLE bench_reached_log (affected_id INTEGER, at REAL);
CREATE TRIGGER bench_receipt_written AFTER UPDATE OF receipt ON notify_message
  WHEN NEW.provider IN ('bench-twilio', 'bench-infobip') AND NEW.kind = 'crisis.rollcall'
  BEGIN INSERT INTO bench_receipt_log VALUES (NEW.id, NEW.receipt, julianday('now')); END;
CREATE TRIGGER bench_reached_written AFTER UPDATE OF reached_at ON crises_affected
  WHEN NEW.reached_at IS NOT NULL
  BEGIN INSERT INTO bench_reached_log VALUES (NEW.id, julianday('now')); END;
"""

# Twilio's Messages API for the SOS acknowledgements the worker sends: 201 with a new SID, as Twilio answers.
STANDIN = r"""
import json, secrets, sys
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        form = dict(parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()))
        sid, account = "SM" + secrets.token_hex(16), self.path.split("/")[3] if self.path.count("/") > 3 else ""
        body = json.dumps({"account_sid": account, "api_version": "2010-04-01", "body": form.get("Body", ""),
                           "date_created": formatdate(usegmt=True), "direction": "outbound-api", "error_code": None,
                           "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
                           "num_media": "0", "num_segments": "1", "sid": sid, "status": "queued",
                           "to": form.get("To"), "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
server.serve_forever()
"""


# --- HTTP ------------------------------------------------------------------------------------------------------
class Client:
    """One keep-alive HTTP/1.1 connection sending prepared requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, data: bytes) -> int:
        """Send one request; its status (0 when the connection failed: the caller may retry)."""
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            self.writer.write(data)
            await self.writer.drain()
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.close()
            return 0
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
            elif name.lower() == "transfer-encoding":
                raise RuntimeError("the benchmark client expects Content-Length, got chunked encoding")
        try:
            if length:
                await self.reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError):
            self.close()
            return 0
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def request(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


@dataclass
class Req:
    data: bytes
    key: str = ""  # the MessageSid (inbound) or a request number (receipts)
    retry: bool = False


# --- What the vendors post ----------------------------------------------------------------------------------------
def sos_text(name: str, lat: float, lon: float, accuracy: float) -> str:
    """The SMS the app pre-fills offline (static/sos/panic.js smsBody, Indonesian): the name first when it still
    fits one GSM-7 segment."""
    la, lo = f"{lat:.5f}", f"{lon:.5f}"
    body = (f"SOS! Saya butuh bantuan. Posisi saya: {la},{lo} (+/-{round(accuracy)} m) "
            f"https://osm.org/?mlat={la}&mlon={lo}")
    named = f"{name.strip()}: {body}"
    return named if name.strip() and named.isascii() and len(named) <= 160 else body


def twilio_post(port: int, site: str, path: str, params: dict[str, str]) -> bytes:
    """A form POST as Twilio sends it, signed over the exact URL (SITE_URL + path) and the parameters."""
    signature = RequestValidator(TW_TOKEN).compute_signature(site + path, params)
    return request(port, "POST", path, {"Content-Type": "application/x-www-form-urlencoded",
                                        "X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1",
                                        "Accept": "*/*"}, urlencode(params).encode())


def inbound_sms(port: int, site: str, person: Sequence[Any], rng: random.Random) -> tuple[Req, dict[str, Any]]:
    """A Twilio inbound-SMS webhook from this citizen's phone with the app's SOS text at their stay (±~100 m)."""
    cid, phone, lat, lon, name = person
    lat, lon = lat + rng.uniform(-0.001, 0.001), lon + rng.uniform(-0.001, 0.001)
    text = sos_text(name, lat, lon, rng.uniform(5, 60))
    sid = "SM" + f"{rng.getrandbits(128):032x}"
    params = {"ToCountry": "SG", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
              "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": text,
              "FromCountry": "ID", "To": INBOUND_NUMBER, "ToZip": "", "NumSegments": "1", "MessageSid": sid,
              "AccountSid": TW_SID, "From": phone, "ApiVersion": "2010-04-01"}
    meta = {"citizen": cid, "lat": round(lat, 5), "lon": round(lon, 5)}
    return Req(twilio_post(port, site, f"/hooks/notify/{TW_KEY}/", params), sid), meta


def expected_statuses(rows: Sequence[Sequence[Any]], seed: int) -> dict[int, str]:
    rng = random.Random(seed)
    return {int(r[0]): "failed" if rng.random() < FAILED_SHARE else "delivered" for r in rows}


def infobip_report(row: Sequence[Any], status: str, done: str) -> dict[str, Any]:
    """One result of Infobip's delivery-report webhook (SMS v3), as their documentation shows it."""
    msg_id, provider_id, _affected, phone = row
    ok = {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "description": "No Error", "permanent": False}
    if status == "delivered":
        state = {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET",
                 "description": "Message delivered to handset"}
        error = ok
    else:
        state = {"groupId": 2, "groupName": "UNDELIVERABLE", "id": 9, "name": "UNDELIVERABLE_NOT_DELIVERED",
                 "description": "Message sent not delivered"}
        error = {"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 27, "name": "EC_ABSENT_SUBSCRIBER",
                 "description": "Absent Subscriber", "permanent": False}
    return {"bulkId": "bench-rollcall", "price": {"pricePerMessage": 0.01, "currency": "EUR"}, "status": state,
            "error": error, "messageId": provider_id, "to": phone.lstrip("+"), "sender": "KBRI",
            "sentAt": done, "doneAt": done, "messageCount": 1, "callbackData": str(msg_id)}


def infobip_requests(port: int, rows: list[list[Any]], expected: dict[int, str]) -> list[Req]:
    auth = "Basic " + base64.b64encode(f"{IB_USER}:{IB_PASSWORD}".encode()).decode()
    done = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
    out = []
    for n, start in enumerate(range(0, len(rows), 100)):
        body = json.dumps({"results": [infobip_report(r, expected[r[0]], done) for r in rows[start:start + 100]]})
        out.append(Req(request(port, "POST", f"/hooks/notify/{IB_KEY}/",
                               {"Content-Type": "application/json", "Authorization": auth, "User-Agent": "Infobip"},
                               body.encode()), f"ib-{n}"))
    return out


def twilio_callbacks(port: int, site: str, rows: list[list[Any]], expected: dict[int, str]) -> list[Req]:
    out = []
    for msg_id, sid, _affected, phone in rows:
        status = "delivered" if expected[msg_id] == "delivered" else "undelivered"
        params = {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": phone, "MessageSid": sid,
                  "AccountSid": TW_SID, "From": INBOUND_NUMBER, "ApiVersion": "2010-04-01"}
        if status == "undelivered":
            params["ErrorCode"] = "30003"
        out.append(Req(twilio_post(port, site, f"/hooks/notify/{TW_KEY}/", params), sid))
    return out


def with_retries(reqs: list[Req], share: float, rng: random.Random) -> list[Req]:
    """`share` of the requests sent again 1-2,000 requests later (some while the first is still in flight)."""
    out: list[Req | None] = [*reqs]
    later: dict[int, list[Req]] = defaultdict(list)
    for i, req in enumerate(reqs):
        if rng.random() < share:
            later[min(len(reqs), i + rng.randint(1, 2000))].append(Req(req.data, req.key, retry=True))
    merged: list[Req] = []
    for i in range(len(out) + 1):
        merged.extend(later.get(i, []))
        if i < len(out) and out[i] is not None:
            merged.append(out[i])  # type: ignore[arg-type]  # checked on the line above
    return merged


# --- Load ----------------------------------------------------------------------------------------------------------
@dataclass
class Loop:
    """An open loop's record: (latency from due, status) per request, fresh and retried apart."""

    fresh: list[tuple[float, int]] = field(default_factory=list)
    retries: list[tuple[float, int]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)  # key → status of its first answer
    seconds: float = 0.0  # from the first request due to the last answer
    due: dict[str, float] = field(default_factory=dict)  # key → when its first request was due (time.time())


async def open_loop(port: int, reqs: list[Req], rate: float, retry_share: float, seed: int) -> Loop:
    """Send reqs[k] at start + k/rate over INBOUND_CONNS connections; `retry_share` of them again 0-2 s after
    (same bytes). A request waits for a free connection if all are busy: that wait is latency."""
    rng = random.Random(seed)
    pool: asyncio.Queue[Client] = asyncio.Queue()
    for _ in range(INBOUND_CONNS):
        pool.put_nowait(Client(port))
    record = Loop()
    start = time.perf_counter() + 0.1
    wall = time.time() - time.perf_counter()
    heap: list[tuple[float, int, Req]] = [(start + k / rate, k, r) for k, r in enumerate(reqs)]
    heapq.heapify(heap)
    tasks: set[asyncio.Task[None]] = set()
    seq = len(reqs)

    async def send(req: Req, due: float) -> None:
        client = await pool.get()
        status = await client.call(req.data)
        pool.put_nowait(client)
        (record.retries if req.retry else record.fresh).append((time.perf_counter() - due, status))
        if not req.retry:
            record.status[req.key] = status
            record.due[req.key] = due + wall

    while heap:
        due, _n, req = heapq.heappop(heap)
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        task = asyncio.create_task(send(req, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if not req.retry and rng.random() < retry_share:
            seq += 1
            heapq.heappush(heap, (due + rng.uniform(0.0, 2.0), seq, Req(req.data, req.key, retry=True)))
    if tasks:
        await asyncio.gather(*tasks)
    record.seconds = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return record


@dataclass
class Drain:
    first: float = 0.0  # time.time() of the first request
    last: float = 0.0  # time.time() of the last answer
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    errors: int = 0  # non-2xx or a dropped connection (each retried, up to 5 tries)
    gave_up: int = 0


async def drain(port: int, reqs: list[Req], clients: int) -> Drain:
    """Closed loop: `clients` connections take the next request as soon as they are free. A failed request is
    retried 0.5 s later, as a vendor retries a webhook, up to 5 tries."""
    queue: deque[tuple[Req, int]] = deque((r, 1) for r in reqs)
    pending = 0
    out = Drain(first=time.time())

    async def later(item: tuple[Req, int]) -> None:
        nonlocal pending
        await asyncio.sleep(0.5)
        queue.append(item)
        pending -= 1

    async def worker() -> None:
        nonlocal pending
        client = Client(port)
        while queue or pending:
            if not queue:
                await asyncio.sleep(0.02)
                continue
            req, tries = queue.popleft()
            sent = time.perf_counter()
            status = await client.call(req.data)
            out.latencies.append(time.perf_counter() - sent)
            out.last = time.time()
            if 200 <= status < 300:
                out.answered += 1
                continue
            out.errors += 1
            if tries >= 5:
                out.gave_up += 1
                continue
            pending += 1
            asyncio.get_running_loop().create_task(later((req, tries + 1)))
        client.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return out


async def healthz_closed(port: int, seconds: float) -> dict[str, float]:
    data = request(port, "GET", "/healthz", {"Accept": "application/json"})
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        client = Client(port)
        while time.perf_counter() < end:
            sent = time.perf_counter()
            status = await client.call(data)
            latencies.append(time.perf_counter() - sent)
            errors += status != 200
        client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return {"rate": (len(latencies) - errors) / (time.perf_counter() - began), "p99_ms": _pct(latencies, 99) * 1000,
            "errors": errors}


# --- Checks --------------------------------------------------------------------------------------------------------
def _ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


def _case_checks(sent: dict[str, dict[str, Any]], rows: dict[str, list[tuple[Any, ...]]],
                 cases: dict[int, tuple[Any, ...]]) -> Counter[str]:
    """Each webhook's row: taken as an SOS of its sender, on a case with the text's position."""
    c: Counter[str] = Counter()
    for sid, meta in sent.items():
        found = rows.get(sid, [])
        if not found:
            c["missing_row"] += 1
            continue
        c["extra_rows"] += len(found) - 1
        _pk, outcome, ref = found[0]
        c[f"outcome:{outcome or '-'}"] += 1
        case = cases.get(int(ref.rpartition(":")[2])) if outcome in ("sos", "sos-joined") and ":" in ref else None
        if case is None:
            c["no_case"] += 1
            continue
        citizen, lat, lon, _alerts = case
        if citizen != meta["citizen"]:
            c["wrong_person"] += 1
        if lat is None or lon is None:
            c["no_position"] += 1
        elif outcome == "sos" and (abs(lat - meta["lat"]) > 2e-5 or abs(lon - meta["lon"]) > 2e-5):
            c["wrong_position"] += 1
    return c


def verify_inbound(db: Path, sent: dict[str, dict[str, Any]], retries: list[tuple[float, int]]) -> dict[str, Any]:
    con = _ro(db)
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    handled: dict[str, float] = {}
    for pid, pk, outcome, ref, at in con.execute("SELECT provider_id, id, outcome, ref, handled_at FROM "
                                                 "notify_inbound WHERE account = ?", (TW_KEY,)):
        rows[pid].append((pk, outcome, ref))
        if at:
            handled[pid] = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).timestamp()
    cases = {r[0]: r[1:] for r in con.execute("SELECT id, citizen_id, lat, lon, alerts FROM sos_case")}
    con.close()
    c = _case_checks(sent, rows, cases)
    senders = {m["citizen"] for m in sent.values()}
    made: Counter[int] = Counter()
    joins: Counter[int] = Counter()
    for sid in sent:
        for _pk, outcome, ref in rows.get(sid, [])[:1]:
            if outcome in ("sos", "sos-joined") and ":" in ref:
                (made if outcome == "sos" else joins)[int(ref.rpartition(":")[2])] += 1
    sender_cases = {pk for pk, case in cases.items() if case[0] in senders}
    unreported = len(sender_cases - set(made) - set(joins))  # a case no webhook's row names
    two_cases = sum(n - 1 for n in made.values() if n > 1)
    alerts_off = sum(1 for pk in made if cases[pk][3] != 1 + joins.get(pk, 0))
    lost = c["missing_row"] + c["no_case"]
    return {"sent": len(sent), "lost": lost, "duplicated": c["extra_rows"] + two_cases + unreported,
            "wrong_person": c["wrong_person"], "no_position": c["no_position"] + c["wrong_position"],
            "alerts_mismatch": alerts_off, "cases": len(made), "joined": sum(joins.values()),
            "bad_retries": sum(1 for _lat, status in retries if status != 200),
            "outcomes": {k.partition(":")[2]: v for k, v in c.items() if k.startswith("outcome:")},
            "handled_at": handled}


def verify_receipts(db: Path, account: str, crisis: int, expected: dict[int, str]) -> dict[str, Any]:
    """Each row ends with the status sent to it, written exactly once; delivered people reached exactly once."""
    con = _ro(db)
    final = dict(con.execute("SELECT id, receipt FROM notify_message WHERE provider = ? AND kind = 'crisis.rollcall'",
                             (account,)).fetchall())
    writes: dict[int, tuple[int, float]] = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT message_id, COUNT(*), MAX(at) FROM bench_receipt_log GROUP BY message_id")}
    affected = dict(con.execute("SELECT id, reached_at IS NOT NULL FROM crises_affected WHERE crisis_id = ?",
                                (crisis,)).fetchall())
    reached = dict(con.execute("SELECT affected_id, COUNT(*) FROM bench_reached_log GROUP BY affected_id").fetchall())
    by_message = {r[0]: int(json.loads(r[1])["affected"]) for r in con.execute(
        "SELECT id, data FROM notify_message WHERE provider = ? AND kind = 'crisis.rollcall'", (account,))}
    con.close()
    lost = wrong = duplicated = reached_missing = reached_wrong = 0
    last = 0.0
    for msg_id, status in expected.items():
        count, at = writes.get(msg_id, (0, 0.0))
        last = max(last, at)
        if final.get(msg_id) != status:
            lost += final.get(msg_id) in ("", None)
            wrong += final.get(msg_id) not in ("", None)
        duplicated += max(0, count - 1)
        aid = by_message[msg_id]
        duplicated += max(0, reached.get(aid, 0) - 1)
        if status == "delivered" and not affected.get(aid):
            reached_missing += 1
        elif status == "failed" and affected.get(aid):
            reached_wrong += 1
    return {"lost": lost, "wrong": wrong, "duplicated": duplicated, "reached_missing": reached_missing,
            "reached_wrong": reached_wrong, "last_applied": (last - EPOCH_JD) * 86400.0 if last else 0.0}


# --- Running it ------------------------------------------------------------------------------------------------------
def seed(env: dict[str, str], folder: Path, receipts: int, standin: str) -> dict[str, Any]:
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_reference")
    _manage(env, "seed_demo", "--citizens", "20000", "--seed", "1")
    config = {"receipts": receipts, "tw_key": TW_KEY, "ib_key": IB_KEY, "tw_sid": TW_SID, "tw_token": TW_TOKEN,
              "ib_user": IB_USER, "ib_password": IB_PASSWORD, "number": INBOUND_NUMBER, "standin": standin}
    env = {**env, "BENCH_MSG_CONFIG": json.dumps(config), "BENCH_MSG_OUT": str(folder / "seed.json")}
    _manage(env, "shell", "-c", SETUP, timeout=1800)
    con = sqlite3.connect(folder / "embassy.sqlite3", timeout=30)
    con.executescript(TRIGGERS)
    con.close()
    return dict(json.loads((folder / "seed.json").read_text()))


def _inbound_phase(port: int, site: str, people: list[list[Any]], rate: float, seconds: float,
                   ledger: dict[str, dict[str, Any]], rng: random.Random) -> Loop:
    reqs = []
    for _ in range(round(rate * seconds)):
        if not people:
            raise RuntimeError("ran out of demo citizens to send an SOS from")
        req, meta = inbound_sms(port, site, people.pop(), rng)
        ledger[req.key] = meta
        reqs.append(req)
    return asyncio.run(open_loop(port, reqs, rate, 0.03, seed=rng.randrange(1 << 30)))


def _healthz_open(port: int, rate: float, seconds: float) -> Loop:
    data = request(port, "GET", "/healthz", {"Accept": "application/json"})
    return asyncio.run(open_loop(port, [Req(data, str(k)) for k in range(round(rate * seconds))], rate, 0.0, 1))


def _receipts_phase(name: str, port: int, built: list[Req], db: Path, account: str, crisis: int,
                    expected: dict[int, str]) -> dict[str, Any]:
    reqs = with_retries(built, 0.05, random.Random(name))
    run = asyncio.run(drain(port, reqs, CLIENTS))
    time.sleep(0.5)
    check = verify_receipts(db, account, crisis, expected)
    applied_end = check["last_applied"] or run.last
    elapsed = max(applied_end, run.last) - run.first
    applied = len(expected) - check["lost"] - check["wrong"]  # a lost receipt is not ingested, however fast
    result = {"receipts_per_s": applied / elapsed if elapsed > 0 else 0.0,
              "requests": len(reqs), "retries_sent": sum(r.retry for r in reqs),
              "requests_per_s": len(reqs) / (run.last - run.first) if run.last > run.first else 0.0,
              "p99_ms": _pct(run.latencies, 99) * 1000, "errors": run.errors, "gave_up": run.gave_up,
              "seconds": elapsed, **check}
    print(f"{name}: {json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()})}",
          flush=True)
    return result


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench messaging")
    parser.add_argument("--rate", type=float, default=200.0, help="inbound SOS webhooks per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the inbound open loop")
    parser.add_argument("--receipts", type=int, default=100_000, help="outbox rows (and receipts) per vendor")
    parser.add_argument("--burst", type=float, default=10.0, help="seconds of each /healthz closed loop")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.receipts, args.burst = 10.0, 10_000, 5.0
    return args


def main(argv: list[str]) -> dict[str, Any]:
    args = _parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="embassy-bench-messaging-"))
    port, standin_port = _free_port(), _free_port()
    site = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS",
                                                            "FIELD_HASH_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update(VAR_DIR=str(folder), DEBUG="1", HOST="127.0.0.1", PORT=str(port), SITE_URL=site,
               DJANGO_SETTINGS_MODULE="config.settings")
    server = standin = None
    db = folder / "embassy.sqlite3"
    m: dict[str, Any] = {}
    try:
        standin = subprocess.Popen([sys.executable, "-c", STANDIN, str(standin_port)], start_new_session=True)
        started = time.perf_counter()
        seeded = seed(env, folder, args.receipts, f"http://127.0.0.1:{standin_port}")
        print(f"set-up: {time.perf_counter() - started:.0f} s", flush=True)
        server = start_server(env, port)
        _measure(args, port, site, db, seeded, m)
    finally:
        if server is not None:
            m["server_exit"] = server.poll()  # None: still running, as it must be
            if m["server_exit"] is not None:
                log = (folder / "server.log").read_text(errors="replace").splitlines()
                print(f"THE SERVER EXITED ({m['server_exit']}) during the benchmark; its log ends:", *log[-40:],
                      sep="\n", flush=True)
            stop_server(server)
        if standin is not None:
            stop_server(standin)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}")
    return _report(args, m)


def _measure(args: argparse.Namespace, port: int, site: str, db: Path, seeded: dict[str, Any],
             m: dict[str, Any]) -> None:
    try:  # the client's own CPU use is part of the noise on 2 cores: use the faster event loop
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    # Receipts first: the SOS cases of the inbound phase escalate 5 minutes after they are raised, and that
    # fan-out must not run under a receipts phase. Warm-up: every web worker loads the vendors and the routes
    # (receipts for ids nobody sent change nothing).
    m["healthz"] = [asyncio.run(healthz_closed(port, args.burst))]
    asyncio.run(drain(port, infobip_requests(port, [[0, f"se-{IB_KEY}-0-{i}", 0, "+6500000000"]
                                                    for i in range(3000)], defaultdict(lambda: "delivered")), CLIENTS))
    asyncio.run(drain(port, twilio_callbacks(port, site, [[0, f"SM{i:032x}", 0, "+6500000000"] for i in range(2000)],
                                             defaultdict(lambda: "delivered")), CLIENTS))
    for vendor, account in (("infobip", IB_KEY), ("twilio", TW_KEY)):
        quiet(db, timeout=60)
        roll = seeded["rollcall"][vendor]
        rows = list(roll["rows"])
        random.Random(vendor).shuffle(rows)
        expected = expected_statuses(roll["rows"], seed=len(vendor))
        built = (infobip_requests(port, rows, expected) if vendor == "infobip"
                 else twilio_callbacks(port, site, rows, expected))
        m[vendor] = _receipts_phase(vendor, port, built, db, account, roll["crisis"], expected)
    quiet(db, timeout=60)
    m["healthz"].append(asyncio.run(healthz_closed(port, args.burst)))
    m["floor_open"] = _healthz_open(port, args.rate, min(args.seconds, 10.0))
    rng = random.Random(3)
    people = list(seeded["people"])
    rng.shuffle(people)
    ledger: dict[str, dict[str, Any]] = {}
    warm = _inbound_phase(port, site, people, 100.0, 5.0, ledger, rng)
    m["inbound"] = _inbound_phase(port, site, people, args.rate, args.seconds, ledger, rng)
    m["quiet_s"], m["quiet_left"] = quiet(db, timeout=300)
    m["inbound_check"] = verify_inbound(db, ledger, warm.retries + m["inbound"].retries)
    print(f"inbound: {json.dumps({k: v for k, v in m['inbound_check'].items() if k != 'handled_at'})}; waited {m['quiet_s']:.1f} s for quiet "
          f"({m['quiet_left']} left)", flush=True)
    con = _ro(db)
    m["acks"] = con.execute("SELECT COUNT(*) FROM notify_message WHERE channel = 'sms' AND provider = ? AND "
                            "kind != 'crisis.rollcall' AND status = 'sent'", (TW_KEY,)).fetchone()[0]
    m["reminders"] = con.execute("SELECT COUNT(*) FROM notify_message WHERE kind = 'crisis.rollcall' AND "
                                 "provider NOT IN (?, ?)", (TW_KEY, IB_KEY)).fetchone()[0]
    con.close()


def _latencies(record: list[tuple[float, int]]) -> list[float]:
    """Latencies of the answered (200) requests; a failed one never reached the queue: it counts as slower than
    any answer (inf), so that a p99 is not met by failing fast."""
    return [lat if status == 200 else math.inf for lat, status in record]


def _ms(values: list[float], q: float) -> float:
    """The q-th percentile in ms, rounded; NaN (a goal not met) when it falls on a failed request."""
    value = _pct(values, q)
    return round(value * 1000, 2) if math.isfinite(value) else math.nan


def _report(args: argparse.Namespace, m: dict[str, Any]) -> dict[str, Any]:
    inbound: Loop = m["inbound"]
    floor: Loop = m["floor_open"]
    check, ib, tw = m["inbound_check"], m["infobip"], m["twilio"]
    # In the queue: from when the webhook was due to when the worker's transaction made its case (handled_at).
    in_queue = [check["handled_at"].get(key, math.inf) - due for key, due in inbound.due.items()]
    answered = _latencies(inbound.fresh)
    done = [check["handled_at"][key] for key in inbound.due if key in check["handled_at"]]
    span = (max(done) - min(inbound.due.values())) if done else math.inf
    healthz = sum(h["rate"] for h in m["healthz"]) / len(m["healthz"])
    results = {
        "inbound_per_s": round(len(done) / max(args.seconds, span), 1),  # in the queue, over the time it took
        "inbound_p50_ms": _ms(in_queue, 50),
        "inbound_p99_ms": _ms(in_queue, 99),
        "inbound_answer_p50_ms": _ms(answered, 50),
        "inbound_answer_p99_ms": _ms(answered, 99),
        "inbound_retry_p99_ms": _ms(_latencies(inbound.retries), 99),
        "inbound_errors": sum(1 for _lat, s in inbound.fresh if s != 200),
        "inbound_cases": check["cases"], "inbound_joined": check["joined"], "inbound_lost": check["lost"],
        "inbound_duplicated": check["duplicated"], "inbound_wrong_person": check["wrong_person"],
        "inbound_without_position": check["no_position"], "inbound_alerts_mismatch": check["alerts_mismatch"],
        "inbound_bad_retries": check["bad_retries"], "sos_acks_sent": m["acks"],
        "infobip_receipts_per_s": round(ib["receipts_per_s"], 1),
        "infobip_requests_per_s": round(ib["requests_per_s"], 1), "infobip_p99_ms": round(ib["p99_ms"], 2),
        "twilio_receipts_per_s": round(tw["receipts_per_s"], 1),
        "twilio_requests_per_s": round(tw["requests_per_s"], 1), "twilio_p99_ms": round(tw["p99_ms"], 2),
        "receipts_per_s": round(min(ib["receipts_per_s"], tw["receipts_per_s"]), 1),
        "receipt_errors": ib["errors"] + tw["errors"],
        "receipts_lost": ib["lost"] + ib["wrong"] + tw["lost"] + tw["wrong"],
        "receipts_duplicated": ib["duplicated"] + tw["duplicated"],
        "reached_missing": ib["reached_missing"] + tw["reached_missing"],
        "reached_wrong": ib["reached_wrong"] + tw["reached_wrong"],
        "lost": check["lost"] + ib["lost"] + ib["wrong"] + tw["lost"] + tw["wrong"] + ib["gave_up"] + tw["gave_up"],
        "duplicated": check["duplicated"] + ib["duplicated"] + tw["duplicated"],
        "reminders_sent": m["reminders"],
    }
    floor_lat = _latencies(floor.fresh)
    baseline = {"inbound_p50_ms": _ms(floor_lat, 50), "inbound_p99_ms": _ms(floor_lat, 99),
                "inbound_answer_p50_ms": _ms(floor_lat, 50), "inbound_answer_p99_ms": _ms(floor_lat, 99),
                "infobip_requests_per_s": round(healthz, 1), "twilio_requests_per_s": round(healthz, 1),
                "twilio_receipts_per_s": round(healthz, 1)}
    goals = [("inbound_per_s", ">=", 0.98 * args.rate), ("inbound_p99_ms", "<=", 200.0),
             ("receipts_per_s", ">=", 2000.0), ("lost", "==", 0), ("duplicated", "==", 0),
             ("inbound_wrong_person", "==", 0), ("inbound_without_position", "==", 0),
             ("inbound_bad_retries", "==", 0), ("reached_missing", "==", 0), ("reached_wrong", "==", 0)]
    params = {"rate": args.rate, "seconds": args.seconds, "inbound_connections": INBOUND_CONNS,
              "receipt_clients": CLIENTS, "receipts_per_vendor": args.receipts, "burst_seconds": args.burst,
              "healthz_per_s": [round(h["rate"], 1) for h in m["healthz"]],
              "quiet_wait_s": round(m["quiet_s"], 1), "quiet_left": m["quiet_left"],
              "server_exit": m.get("server_exit"), "outcomes": check["outcomes"],
              "server": "serve_all (granian WSGI x2 + 2 workers + scheduler), DEBUG=1, SQLite", "cpus": os.cpu_count()}
    return write_result("messaging", params, results, baseline, goals)


if __name__ == "__main__":
    main(sys.argv[1:])
