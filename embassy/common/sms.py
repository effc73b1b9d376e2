"""SMS text that fits its channel: GSM 03.38 (GSM-7) characters, one 160-septet segment, link included.

An SMS whose text holds a single character outside the GSM 03.38 basic set and its extension table (an em
dash, curly quotes, "…", most accented letters) is sent as UCS-2: 70 characters a segment instead of 160.
A long one is split into parts of 153 septets (67 UCS-2 characters), each billed as one message. So every
SMS the platform sends is built here:

- `sms_render(template, values, shrink=...)` fills a translated template with values made GSM-safe and
  shortens the values named in `shrink` (a crisis title, a name, a place) until the text fits one segment;
  None when even the shortest allowed values do not fit (the caller then tries a shorter template).
- `sms_fit(text)` is the last line of defence at queue time: a text that still does not fit is made
  GSM-safe and cut (keeping a trailing link whole) instead of being sent as ten segments.
- `septets`, `segments` and `is_gsm` count; `sms_link(path)` builds the absolute link an SMS carries.

The character tables come from the `gsm0338` package's codec (docs/adr/0012), not from a list kept here.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping, Sequence

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from django.conf import settings

from embassy.common.links import site_base

CODEC = "gsm03.38"
SEGMENT = 160  # septets in a single-part GSM-7 message
PART = 153  # septets per part of a concatenated GSM-7 message (7 go to the part header)
UCS2_SEGMENT, UCS2_PART = 70, 67
ELLIPSIS = "..."
MIN_KEEP = 8  # a shortened value keeps at least this many septets (with its "...")
LINK_BASE_MAX = 32  # characters of SMS_LINK_BASE the texts are budgeted for ("https://" and the host)


def _decodable(raw: bytes) -> str:
    try:
        return codecs.decode(raw, CODEC)
    except (UnicodeDecodeError, KeyError):
        return ""


# The basic set (one septet each; 0x1B is the escape to the extension table) and the extension table (two
# septets each: the escape and the character), read from the package's codec.
BASIC = frozenset(c for i in range(128) if i != 0x1B for c in _decodable(bytes([i])))
EXTENSION = frozenset(c for i in range(128) for c in _decodable(bytes([0x1B, i]))) - BASIC
_NOT_GSM = re.compile("[^" + re.escape("".join(sorted(BASIC | EXTENSION))) + "]")

# Characters outside GSM 03.38 that have a plain equivalent (the rest lose their accents, or become "?").
_PLAIN = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2026": "...", "\u00b1": "+/-", "\u00d7": "x", "\u2022": "-", "\u00b7": "-", "\u00b0": " deg",
    "\u0131": "i", "\u0130": "I", "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u00f0": "d",
    "\u00de": "Th", "\u00fe": "th", "\u0152": "OE", "\u0153": "oe", "\u00e7": "c", "\u2122": "TM",
}
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\.{4,}")  # a shortened value ("...") followed by the template's own full stop


def is_gsm(text: str) -> bool:
    """True when every character is in the GSM 03.38 basic set or its extension table."""
    return _NOT_GSM.search(text) is None


def septets(text: str) -> int | None:
    """Septets `text` takes in GSM-7 (extension-table characters count two); None if it needs UCS-2."""
    if not is_gsm(text):
        return None
    return len(text) + sum(text.count(c) for c in EXTENSION if c in text)


def segments(text: str) -> int:
    """How many SMS parts (each billed as one message) `text` is sent as."""
    n = septets(text)
    if n is not None:
        return 1 if n <= SEGMENT else -(-n // PART)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= UCS2_SEGMENT else -(-units // UCS2_PART)


def fits(text: str, limit: int = SEGMENT) -> bool:
    n = septets(text)
    return n is not None and n <= limit


def _plain(char: str) -> str:
    if char in BASIC or char in EXTENSION:
        return char
    if char in _PLAIN:
        return _PLAIN[char]
    if char.isspace():
        return " "
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare and is_gsm(bare):
        return bare
    return "" if unicodedata.category(char) in ("Cc", "Cf", "Mn") else "?"


def gsm_clean(value: object, *, one_line: bool = True) -> str:
    """`value` as text made of GSM 03.38 characters: typographic punctuation becomes its plain form,
    accents that GSM lacks are dropped (ğ → g), anything else becomes "?". With `one_line` every run of
    white space (line breaks included) becomes one space."""
    text = str(value)
    if one_line:
        text = _SPACES.sub(" ", text).strip()
    if is_gsm(text):
        return text
    return "".join(_plain(c) for c in text)


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` septets, "..." included, at a word boundary when one is near."""
    if (septets(value) or 0) <= limit:
        return value
    room = max(0, limit - len(ELLIPSIS))
    out, used = [], 0
    for char in value:
        cost = 2 if char in EXTENSION else 1
        if used + cost > room:
            break
        out.append(char)
        used += cost
    cut = "".join(out)
    space = cut.rfind(" ")
    if space >= max(1, len(cut) - 12):
        cut = cut[:space]
    return cut.rstrip(" ,.;:-(") + ELLIPSIS


def sms_values(template: str, values: Mapping[str, object], *, shrink: Sequence[str] = (),
               limit: int = SEGMENT, min_keep: int = MIN_KEEP) -> dict[str, str] | None:
    """The values made GSM-safe, those named in `shrink` shortened in that order (each to no fewer than
    `min_keep` septets) until `template % values` fits `limit` septets; None when it cannot fit, or when the
    template itself is not GSM-7 (a translation with a typographic character is a bug)."""
    clean = {key: gsm_clean(value) for key, value in values.items()}
    if not is_gsm(template):
        return None
    for name in (None, *shrink):
        if name is not None:
            over = (septets(template % clean) or 0) - limit
            current = septets(clean[name]) or 0
            clean[name] = shorten(clean[name], max(min_keep, current - over)) if current > min_keep else clean[name]
        size = septets(template % clean)
        if size is not None and size <= limit:
            return clean
    return None


def sms_format(template: str, values: Mapping[str, object]) -> str:
    """`template % values`, without the fourth dot of a shortened value followed by a full stop."""
    return _DOTS.sub(ELLIPSIS, template % values)


def sms_render(template: str, values: Mapping[str, object], *, shrink: Sequence[str] = (),
               limit: int = SEGMENT, min_keep: int = MIN_KEEP) -> str | None:
    """`template % values` fitted into one GSM-7 segment (see sms_values); None when it cannot fit."""
    clean = sms_values(template, values, shrink=shrink, limit=limit, min_keep=min_keep)
    return None if clean is None else sms_format(template, clean)


_TRAILING_LINK = re.compile(r"(?:^|\s)(https?://\S+)$")


def sms_fit(text: str, *, limit: int = SEGMENT) -> tuple[str, bool]:
    """(text made GSM-safe that fits one GSM-7 segment, whether it had to be cut to fit). Line breaks stay;
    when cut, a trailing link is kept whole and the words before it are shortened."""
    lines = [_SPACES.sub(" ", line).strip() for line in (text or "").splitlines()]
    clean = gsm_clean("\n".join(line for line in lines if line), one_line=False)
    if fits(clean, limit):
        return clean, False
    found = _TRAILING_LINK.search(clean)
    link = found.group(1) if found and len(found.group(1)) <= limit - MIN_KEEP else ""
    head = clean[: found.start()] if link and found else clean
    room = limit - (septets(link) or 0) - (1 if link else 0)
    head = shorten(_SPACES.sub(" ", head).strip(), room)
    return (f"{head} {link}" if link else head), True


def sms_link_base() -> str:
    """Scheme and host of the links in SMS: SMS_LINK_BASE, else SITE_URL (without a trailing slash)."""
    base = settings.SMS_LINK_BASE
    return str(base).rstrip("/") if base else site_base()


def sms_link(path: str) -> str:
    """The absolute link for `path` (starting with "/") as an SMS carries it."""
    return sms_link_base() + path
