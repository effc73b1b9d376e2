"""Short signed codes for links that must fit an SMS: `<kind><mac><stamp><id>`, nothing stored.

- kind: one letter naming what the code opens (the caller's vocabulary, e.g. "p" a person's roll-call
  question, "k" the same question put to their emergency contact);
- mac: 8 base62 characters (47 bits) of HMAC-SHA256 over kind, stamp and id with a key derived from
  SECRET_KEY and the caller's salt: a code cannot be guessed or altered, and keys in SECRET_KEY_FALLBACKS
  still verify after a key rotation;
- stamp: the minute it was issued (5 base62 characters, minutes since 1970), so a code expires;
- id: the row it names, in base62 (11 characters at most for a 64-bit id).

So a code is at most 25 characters (1 + 8 + 5 + 11). Replays are the caller's business: the same code is
the same link (roll-call answers store each (person, answer, link) once).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import string
import time

from django.conf import settings

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
MAC_LEN, STAMP_LEN = 8, 5
MAX_ID = 2**63 - 1
MAX_LEN = 1 + MAC_LEN + STAMP_LEN + 11


class ShortCodeRefused(Exception):
    """`reason`: "tampered" (malformed, forged, another kind) or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b62(number: int, width: int = 0) -> str:
    if number < 0:
        raise ValueError("negative")
    out = ""
    while True:
        number, digit = divmod(number, 62)
        out = ALPHABET[digit] + out
        if number == 0:
            break
    return out.rjust(width, "0")


def unb62(text: str) -> int:
    number = 0
    for char in text:
        number = number * 62 + _INDEX[char]
    return number


@functools.lru_cache(maxsize=32)
def _key(salt: str, secret: str) -> bytes:
    """The HMAC key for `salt`, derived as django.utils.crypto.salted_hmac derives it (once, not per code)."""
    return hashlib.sha256((f"embassy.shortlink.{salt}" + secret).encode()).digest()


def _mac(salt: str, message: str, secret: str) -> str:
    digest = hmac.new(_key(salt, secret), message.encode(), hashlib.sha256).digest()
    return b62(int.from_bytes(digest[:8], "big") % 62**MAC_LEN, MAC_LEN)


def short_sign(*, kind: str, value: int, salt: str, now: float | None = None) -> str:
    """A code for row `value` of `kind` (one ASCII letter), valid from now on."""
    if len(kind) != 1 or kind not in string.ascii_letters:
        raise ValueError("kind is one letter")
    if not 0 <= value <= MAX_ID:
        raise ValueError("id out of range")
    stamp = b62(int((time.time() if now is None else now) // 60), STAMP_LEN)
    ident = b62(value)
    return kind + _mac(salt, f"{kind}{stamp}{ident}", settings.SECRET_KEY) + stamp + ident


def short_unsign(code: str, *, salt: str, max_age: float, kinds: str, now: float | None = None) -> tuple[str, int]:
    """(kind, id) of a code made by short_sign with the same salt; raises ShortCodeRefused."""
    head = 1 + MAC_LEN + STAMP_LEN
    if not (head < len(code or "") <= MAX_LEN) or code[0] not in kinds or any(c not in _INDEX for c in code[1:]):
        raise ShortCodeRefused("tampered")
    kind, mac, stamp, ident = code[0], code[1:1 + MAC_LEN], code[1 + MAC_LEN:head], code[head:]
    if ident.startswith("0") and ident != "0":
        raise ShortCodeRefused("tampered")
    message = f"{kind}{stamp}{ident}"
    fallbacks = (key if isinstance(key, str) else key.decode() for key in settings.SECRET_KEY_FALLBACKS)
    secrets = [settings.SECRET_KEY, *fallbacks]
    if not any(hmac.compare_digest(mac, _mac(salt, message, secret)) for secret in secrets):
        raise ShortCodeRefused("tampered")
    value = unb62(ident)
    if value > MAX_ID:
        raise ShortCodeRefused("tampered")
    issued = unb62(stamp) * 60
    if (time.time() if now is None else now) - issued > max_age:
        raise ShortCodeRefused("expired")
    return kind, value
