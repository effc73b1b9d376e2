"""The client's address behind the reverse proxy, for the WSGI server (Granian has no --proxy-headers of its own).

For a request whose peer is a trusted proxy (FORWARDED_ALLOW_IPS: addresses or CIDR ranges, `*` for any),
REMOTE_ADDR becomes the right-most X-Forwarded-For address that is not itself a trusted proxy: the address the
first trusted hop saw, which a client cannot forge by sending its own X-Forwarded-For. Requests from anywhere
else keep their peer address. (The scheme comes from X-Forwarded-Proto through Django's SECURE_PROXY_SSL_HEADER.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyHeaders:
    def __init__(self, app: Callable[..., Iterable[bytes]], trusted: str) -> None:
        self.app = app
        items = [item.strip() for item in trusted.split(",") if item.strip()]
        self.any = "*" in items
        self.networks: list[Network] = [ipaddress.ip_network(item, strict=False) for item in items if item != "*"]

    def trusts(self, address: str) -> bool:
        if self.any:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded and self.trusts(environ.get("REMOTE_ADDR", "")):
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            client = next((hop for hop in reversed(hops) if not self.trusts(hop)), hops[0] if hops else "")
            if client:
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)
