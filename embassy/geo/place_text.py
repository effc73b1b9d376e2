"""A place typed by a person ("Kuala Lumpur, Malaysia", "kuala lumpur", "Kuala Lum") → one gazetteer place.

Used where a form takes a city by name without JavaScript (the crisis zone's "City at the centre"): the page's
script offers the gazetteer's labels as suggestions, and the same text typed or chosen is resolved here."""

from __future__ import annotations

from embassy.geo import gazetteer


def place_from_text(text: str, *, language: str | None = None) -> gazetteer.Place | None:
    """The place whose label (in `language`, or English) or name is `text`, ignoring case and accents; else the
    gazetteer's first answer for the name part (before a comma); None when nothing matches."""
    text = " ".join(text.split())
    name = text.split(",")[0].strip()
    if len(name) < gazetteer.MIN_QUERY:
        return None
    found = gazetteer.search(name, limit=20)
    wanted = gazetteer.fold(text)
    for place in found:
        if wanted in {gazetteer.fold(place.label(language)), gazetteer.fold(place.label("en")), gazetteer.fold(place.name)}:
            return place
    return found[0] if found else None
