"""Which mission a post concerns (issue 15 point 4): from the post's own location, else the author's profile
location, else the places named in its text — the order the issue sets.

- A position (lat, lon) is routed like a stay or an SOS (missions.routing: the jurisdiction rules).
- A profile's location is free text ("Kuala Lumpur", "Jeddah, Saudi Arabia", "🇲🇾 Penang"): the gazetteer's
  reading of it, routed from the place's position.
- In the text, the strongest sign is a mission itself ("KBRI Kuala Lumpur", "kjri jeddah", or a mention of one
  of a mission's accounts, "@KBRI_KualaLumpur"); then a city abroad ("di Penang", "majikan di Riyadh"); then a
  country ("kerja di Taiwan"), read as its biggest city. The first one written wins.

Places in Indonesia do not count (the post is about someone abroad). A one-word name is read as a place only
after a word of place ("di Penang", "ke Riyadh", "in Dubai") or when written with a capital, and never when it
is an everyday word (one that occurs 50 times or more in the SmSA corpus of Indonesian reviews, or in a short
English list): "kota" is a word before it is Kota, India. Names of two words or more stand on their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from embassy.geo import gazetteer
from embassy.geo.countries import all_countries
from embassy.missions.models import Mission
from embassy.missions.routing import route_point
from embassy.social.models import Account

HOME = "ID"
MIN_POPULATION = 50_000  # smaller towns collide with words and with each other far more often
LONGEST = 4  # words in a place's name ("la paz", "kota kinabalu", "ho chi minh city")
EVERYDAY = 50  # occurrences in SmSA that make a word an everyday word
LOCATIVE = frozenset({"di", "ke", "dari", "daerah", "wilayah", "negara", "kota", "in", "at", "from", "to", "near"})
ENGLISH_WORDS = frozenset({
    "hope", "mercy", "victoria", "union", "central", "university", "pleasant", "friendly", "paradise", "march",
    "may", "june", "angel", "moon", "sun", "santa", "san", "city", "bay", "new", "north", "south", "east", "west",
    "good", "best", "home", "house", "water", "police", "split", "nice", "mobile", "reading", "bath",
    "sale", "wells", "deal", "cork", "media", "bar", "male", "sorry",
})
_MENTION = re.compile(r"@(\w+)")
_CASED = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True)
class Whereabouts:
    mission: str  # the mission's code
    source: str  # "post" (its position), "profile" (the author's location) or "text"
    evidence: str  # what was read: "3.1390, 101.6869", "Kuala Lumpur", "kjri jeddah", "penang", ...


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Words of the SmSA corpus (shipped with the sentiment model) seen 50 times or more."""
    path = resources.files("embassy.social.sentiment") / "data" / "smsa" / "train.tsv"
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        counts.update(gazetteer.fold(line.partition("\t")[0]).split())
    return frozenset(w for w, n in counts.items() if n >= EVERYDAY) | ENGLISH_WORDS


@lru_cache(maxsize=1)
def _places() -> dict[str, gazetteer.Place]:
    """Folded name → the biggest place abroad of that name (main names and the Indonesian aliases)."""
    common = _common_words()
    by_name: dict[str, gazetteer.Place] = {}
    for place in sorted(gazetteer.all_places(), key=lambda p: -p.population):
        if place.country == HOME or place.population < MIN_POPULATION:
            continue
        name = gazetteer.fold(place.name)
        if name and name not in common and name not in by_name:
            by_name[name] = place
    for alias, place in gazetteer.alias_places().items():
        by_name.setdefault(gazetteer.fold(alias), place)
    return by_name


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Folded country name (Indonesian and English) → code, Indonesia left out."""
    names: dict[str, str] = {}
    for info in all_countries():
        if info.code != HOME:
            for name in (info.name_id, info.name_en):
                folded = gazetteer.fold(name)
                if folded and folded not in _common_words():
                    names[folded] = info.code
    return names


MissionNames = tuple[dict[str, str], dict[str, str]]


def mission_names() -> MissionNames:
    """Folded mission names ("kbri kuala lumpur") and folded handles of missions' accounts ("kbrikualalumpur")
    → mission code. Read from the database on each call (a few hundred rows): a caller reading many texts reads
    them once and passes them to `whereabouts`."""
    names = {gazetteer.fold(n): code for code, *both in Mission.objects.filter(active=True).exclude(
        country_id=HOME).values_list("code", "name_id", "name_en") for n in both if n}
    handles = {re.sub(r"[^0-9a-z]", "", h.lower()): code for h, code in Account.objects.filter(
        unit__isnull=False, unit__active=True).exclude(unit__country_id=HOME).values_list("handle", "unit__code")}
    return names, handles


@lru_cache(maxsize=65_536)  # a scan of the gazetteer (~0.3 ms); listening asks it for the same words all day
def _another_name(phrase: str) -> gazetteer.Place | None:
    """A big place abroad that GeoNames knows by this name too ("penang" is George Town)."""
    if len(phrase) < 4 or phrase in _common_words():
        return None
    for place in gazetteer.named(phrase):
        if place.population >= MIN_POPULATION and place.country != HOME:
            return place
    return None


def _route(lat: float, lon: float) -> str | None:
    route = route_point(lat, lon)
    return None if route.country == HOME else route.mission_code


def from_text(text: str, known: MissionNames | None = None) -> Whereabouts | None:
    """The mission the text's first named mission, account, city or country abroad points to (`known`: the
    `mission_names()` the caller read, else they are read now)."""
    names, handles = known if known is not None else mission_names()
    for handle in _MENTION.findall(text):
        code = handles.get(re.sub(r"[^0-9a-z]", "", handle.lower()))
        if code:
            return Whereabouts(code, "text", "@" + handle)
    cased = _CASED.sub(" ", unicodedata.normalize("NFKD", _MENTION.sub(" ", text)).encode("ascii", "ignore")
                       .decode("ascii")).split()
    words = [w.lower() for w in cased]
    places, countries = _places(), _countries()
    for start in range(len(words)):
        for size in range(min(LONGEST + 1, len(words) - start), 0, -1):  # longest first: "kota kinabalu"
            phrase = " ".join(words[start:start + size])
            if phrase in names:
                return Whereabouts(names[phrase], "text", phrase)
            if size == 1 and not (cased[start][:1].isupper() or (start and words[start - 1] in LOCATIVE)):
                continue  # a lone lower-case word not after "di", "ke", "in"...: a word, not a place
            place = places.get(phrase) or _another_name(phrase)
            if place is not None:
                code = _route(place.lat, place.lon)
                if code:
                    return Whereabouts(code, "text", phrase)
            country = countries.get(phrase)
            if country is not None:
                biggest = gazetteer.biggest(country)
                code = _route(biggest.lat, biggest.lon) if biggest else None
                if code:
                    return Whereabouts(code, "text", phrase)
    return None


def whereabouts(*, lat: float | None = None, lon: float | None = None, profile_location: str = "",
                text: str = "", known: MissionNames | None = None) -> Whereabouts | None:
    """The mission a post concerns, and how it was found; None when nothing points abroad (`known`: see
    from_text)."""
    if lat is not None and lon is not None:
        code = _route(lat, lon)
        if code:
            return Whereabouts(code, "post", f"{lat:.4f}, {lon:.4f}")
    if profile_location.strip():
        place = gazetteer.resolve_one(profile_location)
        code = _route(place.lat, place.lon) if place is not None else None
        if code:
            return Whereabouts(code, "profile", profile_location.strip())
        known = known if known is not None else mission_names()
        found = from_text(profile_location, known)
        if found is not None:
            return Whereabouts(found.mission, "profile", found.evidence)
    return from_text(text, known) if text.strip() else None
