"""Checks for what a citizen may be reporting twice: the same family member, or a second active stay in the same
place. These are warnings, not errors: a person may have two children of the same name, or two jobs in one city,
and may say so (`StayDuplicates` carries the warnings; the caller confirms and sends again)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from embassy.citizens.models import Citizen, Stay
from embassy.common.errors import DomainError
from embassy.geo.distance import haversine_km

SAME_PLACE_KM = 15.0  # two stay positions this close are "the same city" (a city's own area)


class StayDuplicates(DomainError):
    """Possible duplicates; nothing was saved. `warnings` are the sentences to show (each one a duplicate)."""

    status = 409
    code = "duplicate"

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(" ".join(warnings), field=None)
        self.warnings = warnings


def name_key(name: str) -> str:
    """A name as compared for duplicates: case, accents, punctuation and spacing ignored."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def family_duplicates(citizen: Citizen, family: Iterable[Mapping[str, Any]]) -> list[str]:
    """Warnings for new family members entered twice in one form, or already on the citizen's profile."""
    known = {name_key(d.full_name): d.full_name for d in citizen.dependants.all()}
    warnings: list[str] = []
    seen: set[str] = set()
    for member in family:
        name = str(member.get("full_name") or "")
        key = name_key(name)
        if not key:
            continue
        if key in seen:
            warnings.append(_("%(name)s is entered twice.") % {"name": name})
        elif key in known:
            warnings.append(_("%(name)s is already in your family list. Tick the name above instead of adding it "
                              "again.") % {"name": known[key]})
        seen.add(key)
    return warnings


def stay_same_place(citizen: Citizen, *, country: str, city: str, lat: float | None, lon: float | None,
                    exclude: int | None = None) -> Stay | None:
    """Another active stay of the citizen in the same city (same name in the same country, or positions within
    SAME_PLACE_KM), or None."""
    others = Stay.objects.filter(citizen=citizen, status=Stay.Status.ACTIVE, country_id=country)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    key = name_key(city)
    for stay in others.only("id", "city", "lat", "lon", "start_date", "country_id"):
        if key and name_key(stay.city) == key:
            return stay
        if lat is not None and lon is not None and stay.lat is not None and stay.lon is not None and haversine_km(
                lat, lon, stay.lat, stay.lon) <= SAME_PLACE_KM:
            return stay
    return None


def same_place_warning(same: Stay) -> str:
    return (_("You already reported a stay in %(place)s (since %(date)s) that has not ended. Send this report only "
              "if it is another stay; to change that one, open it from your home page.")
            % {"place": same.city or same.country_id, "date": date_format(same.start_date, "DATE_FORMAT")})


def stay_duplicates(citizen: Citizen, *, country: str, city: str, lat: float | None, lon: float | None,
                    family: Iterable[Mapping[str, Any]] = (), exclude: int | None = None) -> list[str]:
    """Every duplicate warning for a stay about to be saved (empty: nothing looks reported twice)."""
    warnings = family_duplicates(citizen, family)
    same = stay_same_place(citizen, country=country, city=city, lat=lat, lon=lon, exclude=exclude)
    if same is not None:
        warnings.append(same_place_warning(same))
    return warnings
