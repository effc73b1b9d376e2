"""Who a complaint is about: the person given on the form matched to the registry, with care against false
merges. A match needs an identifier (passport or NIK, through the registry's blind indexes) or the full name
AND the date of birth; a name alone never matches. An identifier that points to someone whose date of birth
contradicts the one given, two identifiers that point to two people, or a name and date of birth shared by two
people: no match (the officer links the person by hand)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen
from embassy.common import crypto


@dataclass(frozen=True)
class Match:
    citizen: Citizen | None
    how: str  # passport | nik | name_dob | "" (no match)
    nik_index: str = ""
    passport_index: str = ""


def name_key(name: str) -> str:
    """A name as compared: case, accents, punctuation and spacing ignored."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def _by_index(field: str, index: str) -> Citizen | None:
    found = list(Citizen.objects.filter(**{field: index})[:2])
    return found[0] if len(found) == 1 else None


def match_person(*, name: str, birth_date: dt.date | None, passport: str = "", nik: str = "") -> Match:
    passport_index = crypto.blind_index(passport, context=PASSPORT_CONTEXT) if passport.strip() else ""
    nik_index = crypto.blind_index(nik, context=NIK_CONTEXT) if nik.strip() else ""
    found: dict[str, Citizen] = {}
    if passport_index and (c := _by_index("passport_index", passport_index)) is not None:
        found["passport"] = c
    if nik_index and (c := _by_index("nik_index", nik_index)) is not None:
        found["nik"] = c
    if len({c.pk for c in found.values()}) > 1:
        return Match(None, "", nik_index, passport_index)  # two identifiers, two people
    for how, citizen in found.items():
        if birth_date is not None and citizen.birth_date is not None and citizen.birth_date != birth_date:
            return Match(None, "", nik_index, passport_index)
        return Match(citizen, how, nik_index, passport_index)
    key = name_key(name)
    if key and birth_date is not None:
        first = key.split()[0]
        candidates = [c for c in Citizen.objects.filter(birth_date=birth_date, full_name__icontains=first)[:50]
                      if name_key(c.full_name) == key]
        if len(candidates) == 1:
            return Match(candidates[0], "name_dob", nik_index, passport_index)
    return Match(None, "", nik_index, passport_index)
