"""VAPID (RFC 8292) keys: the application server's identity towards push services.

settings.VAPID_PRIVATE_KEY is the P-256 private key as URL-safe base64 of the raw 32 bytes (what
`npx web-push generate-vapid-keys` prints), or a PEM / base64 DER key. The public key (the browser's
applicationServerKey) is derived from it; a configured VAPID_PUBLIC_KEY that does not match is reported
and ignored, because the push service would refuse every message signed by the private key otherwise.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02

log = logging.getLogger(__name__)
_JWT_LIFETIME = 12 * 3600
_lock = threading.Lock()
_signed: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@lru_cache(maxsize=4)
def _load(private_key: str) -> Vapid02:
    text = private_key.strip()
    if text.startswith("-----BEGIN"):
        return Vapid02.from_pem(text.encode())
    return Vapid02.from_string(text)


def vapid() -> Vapid02 | None:
    """The signing key, or None when push is not configured (no VAPID_PRIVATE_KEY)."""
    key = settings.VAPID_PRIVATE_KEY
    if not key:
        return None
    return _load(key)


@lru_cache(maxsize=4)
def _public_of(private_key: str, configured: str) -> str:
    derived = b64url(_load(private_key).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    if configured and configured.rstrip("=") != derived:
        log.error("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY; using the key derived from the private key")
    return derived


def public_key() -> str:
    """The applicationServerKey (URL-safe base64, uncompressed P-256 point), or "" when not configured."""
    key = settings.VAPID_PRIVATE_KEY
    if not key:
        return ""
    return _public_of(key, settings.VAPID_PUBLIC_KEY)


def subject() -> str:
    return settings.VAPID_SUBJECT


def headers_for(endpoint: str) -> dict[str, str]:
    """Authorization (`vapid t=<JWT>, k=<public key>`) for the push service of `endpoint`. Signed JWTs are
    reused per origin for half their lifetime."""
    key = vapid()
    if key is None:
        return {}
    parts = urlsplit(endpoint)
    aud = f"{parts.scheme}://{parts.netloc}"
    cache_key = (aud, public_key())
    now = time.time()
    with _lock:
        hit = _signed.get(cache_key)
        if hit and hit[0] > now:
            return dict(hit[1])
    claims: dict[str, str | int] = {"sub": subject(), "aud": aud, "exp": int(now) + _JWT_LIFETIME}
    signed = {k: v for k, v in key.sign(claims).items() if k.lower() == "authorization"}
    with _lock:
        _signed[cache_key] = (now + _JWT_LIFETIME / 2, signed)
    return dict(signed)
