"""A local stand-in for a vendor's API: a real HTTP server on loopback that records every request and answers
from a script, so the official SDKs and our adapters make their real HTTP calls with no network.

    with VendorServer() as vendor:
        vendor.on("POST", "/2010-04-01/Accounts/AC1/Messages.json", 201, {"sid": "SM1", "status": "queued"})
        ... point the SDK / adapter at vendor.url ...
        assert vendor.requests[0].form()["To"] == "+60123456789"

Answers are matched by method and path (without the query); each `on()` is used once, in order, and a route
with no scripted answer left gets `default` (404 unless set)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Request:
    method: str
    path: str  # with the query
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class VendorServer:
    requests: list[Request] = field(default_factory=list)
    default: Answer = (404, {"Content-Type": "application/json"}, b'{"error": "no scripted answer"}')
    url: str = ""
    _script: dict[tuple[str, str], deque[Answer]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def on(self, method: str, path: str, status: int, body: Any = b"", headers: dict[str, str] | None = None,
           times: int = 1) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = "application/json" if not isinstance(body, bytes) else "text/plain"
        for _ in range(times):
            self._script[(method.upper(), path)].append((status, headers or {"Content-Type": kind}, raw))

    def reset(self) -> None:
        """Forget the recorded requests and any scripted answers left (a server shared by a module's tests)."""
        with self._lock:
            self.requests.clear()
            self._script.clear()

    def _answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            queue = self._script.get((request.method, request.route))
            return queue.popleft() if queue else self.default

    def __enter__(self) -> VendorServer:
        state = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                status, headers, out = state._answer(request)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
