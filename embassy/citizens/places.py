"""The name a stay is shown by. (What a person typed is looked up by embassy.geo.gazetteer.resolve.)"""

from __future__ import annotations

from embassy.citizens.models import Stay
from embassy.geo.gazetteer import fold


def stay_place_label(stay: Stay) -> str:
    """"Kuala Lumpur, Malaysia": the stay's city and country in the page's language (the country alone without
    a city)."""
    country = stay.country.name() if stay.country_id else ""
    if stay.city and fold(stay.city) != fold(country):
        return f"{stay.city}, {country}" if country else stay.city
    return country or stay.city
