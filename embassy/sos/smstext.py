"""Reading the texts people send the mission by SMS or WhatsApp: their first word (roll-call answers, the SOS
keywords) and the position that the app's offline SOS writes into its SMS (static/sos/panic.js smsBody):

    [Name: ]SOS! I need help. My position: 3.13900,101.68690 (+/-12 m) https://osm.org/?mlat=3.13900&mlon=101.68690
    [Name: ]SOS! Saya butuh bantuan. Posisi saya: posisi tidak diketahui

People also type their own ("SOS banjir", "tolong!!") or paste a map link (Google Maps ?q=lat,lon). Pure
functions: nothing here touches the database, and nothing read from a text ever names who is speaking —
the sender's number does (sos.inbound).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from embassy.sos.services.common import parse_location

SOS_WORDS = frozenset({"SOS", "TOLONG", "HELP"})
_SOS_EMOJI = "\N{SQUARED SOS}"
# The pre-filled text puts the person's name first ("Siti Aminah: SOS! ..."; its intro starts "SOS!" in every
# language); a name is at most one line.
_NAMED_SOS = re.compile(r"^[^\n:]{1,100}:\s*SOS!")

_NUM = r"[-+]?\d{1,3}(?:\.\d+)?"
_LINKS = (
    # openstreetmap.org / osm.org marker link, as panic.js writes it (also HTML-escaped by some gateways).
    re.compile(rf"mlat=(?P<lat>{_NUM})&(?:amp;)?mlon=(?P<lon>{_NUM})", re.IGNORECASE),
    # Google Maps: ?q=lat,lon, ?query=, ?ll=, /@lat,lon, /place/lat,lon, /search/lat,lon (comma maybe escaped).
    re.compile(rf"(?:[?&](?:q|query|ll|daddr)=(?:loc:)?|/@|/place/|/search/)(?P<lat>{_NUM})\s*(?:,|%2C)\s*"
               rf"(?P<lon>{_NUM})", re.IGNORECASE),
    # openstreetmap.org/#map=zoom/lat/lon
    re.compile(rf"#map=\d{{1,2}}/(?P<lat>{_NUM})/(?P<lon>{_NUM})"),
    # A bare "lat,lon" with decimals (not "1,2": the decimals tell a coordinate from a count or a date).
    re.compile(r"(?<![\d.])(?P<lat>[-+]?\d{1,3}\.\d{2,})\s*,\s*(?P<lon>[-+]?\d{1,3}\.\d{2,})(?![\d.])"),
)
_ACCURACY = re.compile(r"\(\s*(?:\+/-|±|\+-)\s*(?P<acc>\d{1,7}(?:\.\d+)?)\s*m\s*\)")


def fold(text: str) -> str:
    """Upper case without accents: "Amán" → "AMAN" (full-width and other compatibility forms folded too)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def _digits(word: str) -> str:
    """Decimal digits of any script as ASCII ("١" → "1"): people answer "1" on an Arabic keyboard too."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in word)


def first_word(text: str) -> str:
    """The first word, upper case, without accents or punctuation: "Aman!" → "AMAN", "1." → "1",
    "S.O.S" → "SOS", "sáfe" → "SAFE", "١" → "1", "🆘" → "SOS". Tokens without a letter or digit (an emoji, a
    dash) are skipped; "" when there is no word at all."""
    for token in fold(text).split():
        if _SOS_EMOJI in token:
            return "SOS"
        runs = re.findall(r"[^\W_]+", token)
        if not runs:
            continue
        if len(runs) > 1 and all(len(run) == 1 for run in runs):  # S.O.S, 1.2.3: letters spelled out
            return _digits("".join(runs))
        return _digits(runs[0])
    return ""


def after_first_word(text: str) -> str:
    """What follows the first word ("2 rumah roboh" → "rumah roboh"): the details of an answer."""
    parts = (text or "").strip().split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def is_sos(text: str) -> bool:
    """An SOS: the first word is SOS, TOLONG or HELP (any case, accents, punctuation), or the app's pre-filled
    text with the person's name before it."""
    if first_word(text) in SOS_WORDS:
        return True
    return bool(_NAMED_SOS.match(fold(text).lstrip()))


@dataclass(frozen=True)
class Position:
    """A position read from a text: `point` (lat, lon, accuracy in metres or None) or None, and why not:
    "missing" (none written) or "invalid" (written, but impossible)."""

    point: tuple[float, float, float | None] | None
    problem: str = ""


def read_position(text: str) -> Position:
    """The first possible position in the text: a map link first (the link is what the app writes from the
    phone's own fix), else a bare "lat,lon" pair; its "(+/-N m)" accuracy when given. Impossible
    coordinates (beyond ±90/±180, or exactly 0,0 — what a phone without a fix writes) are refused."""
    text = text or ""
    accuracy_found = _ACCURACY.search(text)
    accuracy = float(accuracy_found.group("acc")) if accuracy_found else None
    seen = False
    for pattern in _LINKS:
        for found in pattern.finditer(text):
            seen = True
            point = parse_location(found.group("lat"), found.group("lon"), accuracy)
            if point is not None and not (point[0] == 0.0 and point[1] == 0.0):
                return Position(point)
    return Position(None, "invalid" if seen else "missing")
