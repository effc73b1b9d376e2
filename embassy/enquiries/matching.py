"""Matching an enquiry to the registry, with care against false merges.

A citizen is a candidate only through a strong key:
- ID: the passport or NIK given has the same blind index as theirs (and the names share a word);
- PHONE_NAME: the phone given is theirs and the names are similar (names.names_similar);
- NAME_DOB: the names are similar and the dates of birth are equal.
A name alone never makes a candidate. A citizen whose passport, NIK or date of birth contradicts what the family
gave is no candidate by phone or name. One candidate is a match; two or more are shown to an officer, who
confirms one (ambiguity is never resolved by the machine). Citizens whose name alone is similar are kept as
"possible" for the officer to look at, never matched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen
from embassy.common import crypto
from embassy.crises.models import Affected
from embassy.enquiries.names import name_tokens, names_overlap, names_similar

POSSIBLE_MAX = 10
_FIELDS = ("id", "full_name", "birth_date", "phone", "nik_index", "passport_index")


@dataclass(frozen=True)
class Sought:
    """The person as the family describes them (indexes already computed)."""

    name: str
    birth_date: dt.date | None = None
    nik_index: str = ""
    passport_index: str = ""
    phone: str = ""


@dataclass(frozen=True)
class MatchResult:
    strong: dict[int, str] = field(default_factory=dict)  # citizen id → rule
    possible: list[int] = field(default_factory=list)

    @property
    def citizen_id(self) -> int | None:
        return next(iter(self.strong)) if len(self.strong) == 1 else None

    @property
    def rule(self) -> str:
        return next(iter(self.strong.values())) if len(self.strong) == 1 else ""


def identity_indexes(*, nik: str = "", passport: str = "") -> tuple[str, str]:
    """The registry's blind indexes of a NIK and a passport number ("" for none given)."""
    nik, passport = crypto.normalise_identifier(nik or ""), crypto.normalise_identifier(passport or "")
    return (crypto.blind_index(nik, context=NIK_CONTEXT) if nik else "",
            crypto.blind_index(passport, context=PASSPORT_CONTEXT) if passport else "")


def _contradicts(sought: Sought, row: dict[str, Any]) -> bool:
    return bool((sought.nik_index and row["nik_index"] and sought.nik_index != row["nik_index"])
                or (sought.passport_index and row["passport_index"]
                    and sought.passport_index != row["passport_index"])
                or (sought.birth_date and row["birth_date"] and sought.birth_date != row["birth_date"]))


def _rule(sought: Sought, row: dict[str, Any]) -> str:
    """The strong key that makes `row` a candidate, "" for none."""
    by_id = ((sought.nik_index and sought.nik_index == row["nik_index"])
             or (sought.passport_index and sought.passport_index == row["passport_index"]))
    if by_id:
        return "id" if names_overlap(sought.name, row["full_name"]) else ""
    if _contradicts(sought, row) or not names_similar(sought.name, row["full_name"]):
        return ""
    if sought.phone and sought.phone == row["phone"]:
        return "phone_name"
    if sought.birth_date and sought.birth_date == row["birth_date"]:
        return "name_dob"
    return ""


def strong_candidates(sought: Sought, rows: Iterable[dict[str, Any]]) -> dict[int, str]:
    found: dict[int, str] = {}
    for row in rows:
        rule = _rule(sought, row)
        if rule:
            found[row["id"]] = rule
    return found


def citizen_rows(ids: Iterable[int]) -> list[dict[str, Any]]:
    """The matching fields of these citizens, for strong_candidates."""
    return list(Citizen.objects.filter(pk__in=list(ids)).values(*_FIELDS))


def _rows(sought: Sought, only_ids: Iterable[int] | None) -> list[dict[str, Any]]:
    keys = Q(pk__in=[])
    if sought.nik_index:
        keys |= Q(nik_index=sought.nik_index)
    if sought.passport_index:
        keys |= Q(passport_index=sought.passport_index)
    if sought.phone:
        keys |= Q(phone=sought.phone)
    if sought.birth_date:
        keys |= Q(birth_date=sought.birth_date)
    qs = Citizen.objects.filter(keys)
    if only_ids is not None:
        qs = qs.filter(pk__in=list(only_ids))
    return list(qs.values(*_FIELDS)[:2000])


def _possible(sought: Sought, crisis_id: int, exclude: set[int]) -> list[int]:
    """Citizens in the crisis's affected set whose name alone is similar and nothing contradicts."""
    words = [w for w in name_tokens(sought.name) if len(w) >= 3]
    if not words:
        return []
    near = Q()
    for word in words:
        near |= Q(citizen__full_name__icontains=word[:3])
    rows = (Affected.objects.filter(near, crisis_id=crisis_id)
            .values("citizen_id", "citizen__full_name", "citizen__birth_date", "citizen__nik_index",
                    "citizen__passport_index", "citizen__phone")[:500])
    out: list[int] = []
    for r in rows:
        row: dict[str, Any] = {"id": r["citizen_id"], "full_name": r["citizen__full_name"], "birth_date": r["citizen__birth_date"],
               "nik_index": r["citizen__nik_index"], "passport_index": r["citizen__passport_index"],
               "phone": r["citizen__phone"]}
        if row["id"] in exclude or row["id"] in out or _contradicts(sought, row):
            continue
        if names_similar(sought.name, row["full_name"]):
            out.append(row["id"])
        if len(out) >= POSSIBLE_MAX:
            break
    return out


def match_person(sought: Sought, *, crisis_id: int | None = None,
                 only_ids: Iterable[int] | None = None) -> MatchResult:
    """The strong candidates for `sought` in the registry (restricted to `only_ids` when given) and, when there
    is none and `crisis_id` is given, the name-only look-alikes in that crisis's affected set."""
    strong = strong_candidates(sought, _rows(sought, only_ids))
    possible = _possible(sought, crisis_id, set(strong)) if crisis_id and not strong else []
    return MatchResult(strong=strong, possible=possible)
