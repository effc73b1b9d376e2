"""Offline registry of every country and territory (ISO 3166-1, plus Kosovo).

Codes come from pycountry (ISO 3166-1 alpha-2, alpha-3 and numeric); Kosovo is added with the
user-assigned code XK / XKX that the EU, the IMF and most phone and travel systems use. Names are given
in Indonesian (pycountry's translation catalogue, falling back to English where it has none) and in
English, preferring pycountry's `common_name` ("Bolivia", not "Bolivia, Plurinational State of").
Calling codes come from phonenumbers ("" where a territory has none, e.g. Antarctica).

Nothing here touches the network or the database; the registry is built once per process.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import pycountry
from django.utils.translation import gettext as _

from embassy.common.errors import BadInput


@dataclass(frozen=True, slots=True)
class CountryInfo:
    code: str  # ISO 3166-1 alpha-2, upper case ("ID")
    alpha3: str  # ISO 3166-1 alpha-3 ("IDN")
    numeric: str  # ISO 3166-1 numeric, three digits ("360"); "" where none is assigned (XK)
    name_id: str  # Indonesian name
    name_en: str  # English name
    calling_code: str  # international calling code without "+" ("62"); "" where none

    def name(self, language: str | None) -> str:
        """The name for a language code: English for "en*", Indonesian otherwise (the default language)."""
        return self.name_en if (language or "").lower().startswith("en") else self.name_id


# Codes pycountry does not carry: (alpha-2, alpha-3, numeric, Indonesian name, English name).
_EXTRA: tuple[tuple[str, str, str, str, str], ...] = (("XK", "XKX", "", "Kosovo", "Kosovo"),)


def _same(text: str) -> str:
    return text


def _calling_code(alpha2: str) -> str:
    code = phonenumbers.country_code_for_region(alpha2)
    return str(code) if code else ""


@lru_cache(maxsize=1)
def all_countries() -> tuple[CountryInfo, ...]:
    """Every country and territory, sorted by alpha-2 code."""
    try:
        indonesian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"])
        translate: Callable[[str], str] = indonesian.gettext
    except OSError:  # a pycountry build without locales: English names are better than nothing
        translate = _same
    items: list[CountryInfo] = []
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        items.append(
            CountryInfo(
                code=country.alpha_2,
                alpha3=country.alpha_3,
                numeric=country.numeric,
                name_id=translate(english),
                name_en=english,
                calling_code=_calling_code(country.alpha_2),
            )
        )
    known = {c.code for c in items}
    for alpha2, alpha3, numeric, name_id, name_en in _EXTRA:
        if alpha2 not in known:
            items.append(CountryInfo(alpha2, alpha3, numeric, name_id, name_en, _calling_code(alpha2)))
    return tuple(sorted(items, key=lambda c: c.code))


@lru_cache(maxsize=1)
def _index() -> dict[str, CountryInfo]:
    index: dict[str, CountryInfo] = {}
    for country in all_countries():
        index[country.code] = country
        index[country.alpha3] = country
        if country.numeric:
            index[country.numeric] = country
    return index


def _normalise(code: str) -> str:
    key = code.strip().upper()
    if key.isdigit() and len(key) <= 3:
        key = key.zfill(3)  # numeric codes are three digits; "36" means "036"
    return key


def _lookup(code: object) -> CountryInfo | None:
    if not isinstance(code, str):
        return None
    return _index().get(_normalise(code))


def country_info(code: str, field: str = "country") -> CountryInfo:
    """The country for an alpha-2, alpha-3 or numeric code (any case, surrounding spaces ignored).

    Raises BadInput naming `field` when the code is not a known country or territory.
    """
    found = _lookup(code)
    if found is None:
        raise BadInput(_("Unknown country code: %(code)s") % {"code": repr(code)}, field=field)
    return found


def is_country_code(code: object) -> bool:
    """True when `code` is a known alpha-2, alpha-3 or numeric country code (same rules as country_info)."""
    return _lookup(code) is not None
