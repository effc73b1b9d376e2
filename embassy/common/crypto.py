"""Field encryption for national ID and passport numbers.

Values are sealed with AES-256-GCM under the first key of settings.FIELD_ENCRYPTION_KEYS; every listed key
still opens old values, so rotation needs no downtime: add a new key in front, restart, run
`manage.py rotate_field_keys`, then drop the old key. Each value is bound to its column (associated data),
so a ciphertext copied into another column does not open. A keyed blind index (keyed BLAKE2b under
FIELD_HASH_KEY) lets staff find a record by an exact number without decrypting every row.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import blake2b

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "ek1"


@dataclass(frozen=True)
class Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]
    hash_key: bytes


_lock = threading.Lock()
_cache: dict[tuple[str, str], Keyring] = {}


def _decode_key(raw: str, what: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{what} must decode to 32 bytes, got {len(key)}")
    return key


def keyring() -> Keyring:
    spec, hash_spec = settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_HASH_KEY
    ring = _cache.get((spec, hash_spec))
    if ring is not None:
        return ring
    with _lock:
        ciphers: dict[str, AESGCM] = {}
        order: list[str] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            key_id, sep, raw = item.partition(":")
            if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id):
                raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries look like 'keyid:base64key'")
            ciphers[key_id] = AESGCM(_decode_key(raw, f"FIELD_ENCRYPTION_KEYS[{key_id}]"))
            order.append(key_id)
        if not order:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
        ring = Keyring(order[0], ciphers, _decode_key(hash_spec, "FIELD_HASH_KEY"))
        _cache[(spec, hash_spec)] = ring
        return ring


def encrypt(value: str, *, context: str) -> str:
    """Seal `value` for the column named by `context` (e.g. 'citizens.Citizen.nik')."""
    ring = keyring()
    nonce = os.urandom(12)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, value.encode(), context.encode())
    return f"{PREFIX}:{ring.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    """Open a sealed value. Raises ValueError when no configured key opens it."""
    prefix, key_id, payload = [*token.split(":", 2), "", ""][:3]
    cipher = keyring().ciphers.get(key_id)
    if prefix != PREFIX or cipher is None:
        raise ValueError(f"no configured key opens this value (key id {key_id!r})")
    blob = base64.urlsafe_b64decode(payload)
    return cipher.decrypt(blob[:12], blob[12:], context.encode()).decode()


def normalise_identifier(value: str) -> str:
    """Canonical form of an ID or passport number: no spaces or dashes, upper case."""
    return re.sub(r"[\s\-.]", "", value).upper()


def blind_index(value: str, *, context: str) -> str:
    """Keyed, deterministic digest of a normalised identifier, for exact-match search."""
    msg = f"{context}\x00{normalise_identifier(value)}".encode()
    return blake2b(msg, key=keyring().hash_key, digest_size=20).hexdigest()


def sealer(*, context: str) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """(encrypt, blind_index) bound to one column and the current keyring, for bulk paths (no settings
    look-up per value)."""
    ring = keyring()
    cipher, key_id, aad = ring.ciphers[ring.current_id], ring.current_id, context.encode()
    hash_key, prefix = ring.hash_key, f"{context}\x00".encode()
    b64 = base64.urlsafe_b64encode
    pool: list[bytes] = []

    def seal(value: str) -> str:
        if not pool:  # fresh random nonces, 4096 at a time (one system call instead of one per value)
            blob = os.urandom(12 * 4096)
            pool.extend(blob[i : i + 12] for i in range(0, len(blob), 12))
        nonce = pool.pop()
        return f"{PREFIX}:{key_id}:{b64(nonce + cipher.encrypt(nonce, value.encode(), aad)).decode()}"

    def index(value: str) -> str:
        return blake2b(prefix + normalise_identifier(value).encode(), key=hash_key, digest_size=20).hexdigest()

    return seal, index


def seal_json(values: Mapping[str, str], *, context: str) -> str:
    """Seal a set of named secrets (credentials) as one value; empty values are dropped, nothing left is ""."""
    clean = {str(k): str(v) for k, v in values.items() if str(v)}
    return encrypt(json.dumps(clean, sort_keys=True), context=context) if clean else ""


def open_json(sealed: str, *, context: str) -> dict[str, str]:
    """The named secrets of `seal_json` ({} for "")."""
    if not sealed:
        return {}
    data = json.loads(decrypt(sealed, context=context))
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def mask(value: str) -> str:
    """A secret as staff may see it: its length class and last 4 characters at most."""
    value = str(value or "")
    if not value:
        return ""
    if len(value) <= 8:
        return "•" * len(value)
    return "•" * 8 + value[-4:]
