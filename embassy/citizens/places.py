"""A stay's place by name: what a person typed, looked up in the offline gazetteer (for pages without JavaScript;
with it, the page asks /api/v1/places itself), and the name a stay is shown by."""

from __future__ import annotations

from embassy.citizens.models import Stay
from embassy.geo import gazetteer
from embassy.geo.countries import all_countries, country_info, is_country_code
from embassy.geo.gazetteer import Place, fold

CANDIDATES = 6
DOMINANT = 10  # a first match this many times bigger than the next is the one meant


def place_resolve(text: str, *, pick: int | None = None) -> tuple[Place | None, list[Place]]:
    """(the place meant, []) or (None, the places to choose from; empty when nothing matches).

    "Kuala Lumpur, Malaysia" (a label as the page shows it) is looked up by its name within that country. The
    place is the one match whose name is what was typed, else the only match, else a match ten times bigger than
    the next ("Mecca" is Makkah); otherwise the person chooses (`pick`, an index into the candidates)."""
    head, _sep, tail = text.partition(",")
    country = _country_named(tail) if tail.strip() else None
    candidates = gazetteer.search(head, country=country, limit=CANDIDATES) if head.strip() else []
    if not candidates and country is None and tail.strip():
        candidates = gazetteer.search(text, limit=CANDIDATES)
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


def _country_named(text: str) -> str | None:
    """The code of a country written by name (Indonesian or English) or code; None if unknown."""
    wanted = fold(text)
    if is_country_code(text.strip()):
        return country_info(text.strip()).code
    for info in all_countries():
        if wanted in {fold(info.name_en), fold(info.name_id)}:
            return info.code
    return None


def stay_place_label(stay: Stay) -> str:
    """"Kuala Lumpur, Malaysia": the stay's city and country in the page's language (the country alone without
    a city)."""
    country = stay.country.name() if stay.country_id else ""
    if stay.city and fold(stay.city) != fold(country):
        return f"{stay.city}, {country}" if country else stay.city
    return country or stay.city
