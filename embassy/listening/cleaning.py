"""Heard posts made safe to store and compare: the text any database stores, and the hash that finds copies."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re

from django.utils import timezone

MAX_TEXT = 5000  # characters kept of a text (the sentiment model reads this many; an "enormous thread" is cut)

_SURROGATE = re.compile("[\ud800-\udfff]")
_LINK_OR_MENTION = re.compile(r"https?://\S+|www\.\S+|@\w+")
_REPOST_MARK = re.compile(r"^\s*rt\b\s*:?\s*")


def clean_text(text: object) -> str:
    """A text that any database stores and any reader reads: at most MAX_TEXT characters, cut after a word (with
    an ellipsis), lone surrogates (invalid UTF-16 halves some platforms' JSON decodes to) replaced by U+FFFD, NUL
    characters dropped (PostgreSQL refuses them)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_TEXT:
        cut = text.rfind(" ", MAX_TEXT - 200, MAX_TEXT)
        text = text[: cut if cut > 0 else MAX_TEXT - 1].rstrip() + "…"
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.strip()


def normalise(text: str) -> str:
    """The words of a text as a copy or a repost repeats them: lower case, without links, mentions, a leading
    "RT" or differences of spacing."""
    text = text.lower()
    if "http" in text or "www." in text or "@" in text:
        text = _LINK_OR_MENTION.sub(" ", text)
    return " ".join(_REPOST_MARK.sub("", text).split())


def text_hash(normalised: str) -> int:
    """64-bit signed hash of a normalised text (0 for an empty one: media-only posts copy nothing)."""
    if not normalised:
        return 0
    digest = hashlib.blake2b(normalised.encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def coordinate(value: object, limit: float) -> float | None:
    """A finite number within ±limit, else None (a platform's null, a string, NaN, 500)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and -limit <= value <= limit else None


def aware(value: object, now: dt.datetime) -> dt.datetime:
    """A timezone-aware time: a naive one read as UTC, a missing one as now."""
    if not isinstance(value, dt.datetime):
        return now
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
