"""The signed QR format, with no database: Ed25519 keys, the canonical payload, signing and parsing a token.

A token is `SE1.<kid>.<payload>.<signature>`: `payload` is base64url (no padding) of the UTF-8 canonical JSON of
the document (keys sorted, no spaces), `signature` is base64url of the 64-byte Ed25519 signature of the ASCII text
`SE1.<kid>.<payload>` — the version and key id are signed too. The QR holds the verification page's address with
the token as its fragment (`https://…/verifikasi/#SE1.…`), so a phone camera opens the page and the token never
reaches a server log. Anyone with the public key of `kid` verifies it offline (docs/credentials.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "SE1"
LIST_VERSION = "SE1R"  # the revocation list, signed the same way
MAX_TOKEN = 2000  # characters: far above what a QR holds; anything longer is not ours
_PART = re.compile(r"[A-Za-z0-9_-]+")


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    if not _PART.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def new_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_of(private_raw: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(private_raw)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def key_id(public_raw: bytes) -> str:
    """8 characters: base64url of the first 6 bytes of SHA-256 of the raw public key."""
    return b64u(hashlib.sha256(public_raw).digest()[:6])


def sign(*, version: str, kid: str, private_raw: bytes, data: dict[str, Any]) -> str:
    signed = f"{version}.{kid}.{b64u(canonical(data))}"
    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(signed.encode("ascii"))
    return f"{signed}.{b64u(signature)}"


class Malformed(ValueError):
    """Not a token of ours: wrong shape, version, encoding or payload."""


@dataclass(frozen=True)
class Parsed:
    version: str
    kid: str
    signed: bytes  # what the signature covers
    payload: bytes
    signature: bytes

    def data(self) -> dict[str, Any]:
        try:
            value = json.loads(self.payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Malformed("payload is not JSON") from None
        if not isinstance(value, dict):
            raise Malformed("payload is not an object")
        return value


def extract(text: str) -> str:
    """The token in what a scanner gives: the token itself, or an address with it after '#'."""
    text = (text or "").strip()
    if "#" in text:
        text = text.rsplit("#", 1)[1]
    return text.strip()


def parse(text: str, *, version: str = VERSION) -> Parsed:
    """Split and decode a token (raises Malformed); the signature is NOT checked here."""
    token = extract(text)
    if not token or len(token) > MAX_TOKEN:
        raise Malformed("empty or too long")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != version or not all(_PART.fullmatch(p) for p in parts[1:]):
        raise Malformed("not VERSION.kid.payload.signature")
    try:
        payload, signature = unb64u(parts[2]), unb64u(parts[3])
    except ValueError:
        raise Malformed("bad base64url") from None
    if len(signature) != 64:
        raise Malformed("an Ed25519 signature has 64 bytes")
    return Parsed(parts[0], parts[1], ".".join(parts[:3]).encode("ascii"), payload, signature)


def signature_ok(parsed: Parsed, public_raw: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(parsed.signature, parsed.signed)
    except InvalidSignature:
        return False
    return True
