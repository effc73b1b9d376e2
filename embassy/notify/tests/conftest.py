"""Real local stand-ins for the providers: an SMTP server (aiosmtpd) and an HTTP server that records
requests and answers from a script (push service, SMS/WhatsApp provider, webhook receiver)."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from embassy.notify.tests.vendor_server import VendorServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeProvider:
    url: str
    requests: list[Received] = field(default_factory=list)
    script: deque[tuple[int, dict[str, str], bytes]] = field(default_factory=deque)
    default: tuple[int, dict[str, str], bytes] = (200, {"Content-Type": "application/json"}, b'{"id": "prov-1"}')

    def answer(self, status: int, body: Any = b"", headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.script.append((status, headers or {"Content-Type": "application/json"}, raw))


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    state = FakeProvider(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length)
            with lock:
                state.requests.append(Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status, headers, out = state.script.popleft() if state.script else state.default
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox("127.0.0.1", port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            box.messages.append((list(envelope.rcpt_tos), parsed))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any, tmp_path: Any) -> None:
    settings.NOTIFY_SINK_PATH = tmp_path / "sink.jsonl"
    settings.NOTIFY_RATE_LIMITS = {"push": 0, "email": 0, "sms": 0, "whatsapp": 0, "webhook": 0, "sink": 0}
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    settings.NOTIFY_HTTP_TIMEOUT = 5
    settings.NOTIFY_DEV_SINK = False
    settings.NOTIFY_SMS_URL = settings.NOTIFY_WHATSAPP_URL = ""


@pytest.fixture(scope="module")
def module_vendor_server() -> Iterator[VendorServer]:
    with VendorServer() as server:
        yield server


@pytest.fixture
def shared_vendor(module_vendor_server: VendorServer) -> VendorServer:
    """A local vendor API (vendor_server.VendorServer) shared by a module's tests; each test starts with no
    requests and no scripted answers."""
    module_vendor_server.reset()
    return module_vendor_server
