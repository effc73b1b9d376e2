"""A stay's place by name: what a person typed, looked up in the offline gazetteer (for pages without JavaScript;
with it, the page asks /api/v1/places itself), and the name a stay is shown by."""

from __future__ import annotations

from embassy.citizens.models import Stay
from embassy.geo import gazetteer
from embassy.geo.countries import all_countries, country_info, is_country_code
from embassy.geo.gazetteer import Place, fold

CANDIDATES = 6


def place_resolve(text: str, *, pick: int | None = None) -> tuple[Place | None, list[Place]]:
    """(the place meant, []) or (None, the places to choose from; empty when nothing matches).

    "Kuala Lumpur, Malaysia" (a label as the page shows it) is looked up by its name within that country. One
    match, or a match whose whole name is what was typed, is the place; `pick` chooses among several."""
    head, _sep, tail = text.partition(",")
    country = _country_named(tail) if tail.strip() else None
    candidates = gazetteer.search(head, country=country, limit=CANDIDATES) if head.strip() else []
    if not candidates and country is None and tail.strip():
        candidates = gazetteer.search(text, limit=CANDIDATES)
    if pick is not None and 0 <= pick < len(candidates):
        return candidates[pick], []
    wanted = fold(head)
    exact = [p for p in candidates if fold(p.name) == wanted]
    if len(candidates) == 1 or len(exact) == 1:
        return (candidates[0] if len(candidates) == 1 else exact[0]), []
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
