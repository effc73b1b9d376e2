"""The mission responsible for a person who has not reported a stay (a new user, someone who cannot sign
in): where their phone is when its position is known, else the country of their phone number, by the same
routing as a stay (embassy.missions.routing); headquarters only when neither says more (an e-mail address,
a number of the home country or of a country no mission covers).

A citizen's own stay decides before any of this (see sos.views.button_context): these are fallbacks."""

from __future__ import annotations

import phonenumbers

from embassy.common.errors import DomainError
from embassy.missions.contact import Hotline, hotline_for
from embassy.missions.models import Mission
from embassy.missions.routing import get_router, route_point


def phone_country(phone: str) -> str:
    """The ISO country of an E.164 number ("MY" for +60…), "" when it cannot be told (an e-mail address, a
    malformed number, a calling code several countries share without a telling prefix)."""
    if not phone or not phone.strip().startswith("+"):
        return ""
    try:
        number = phonenumbers.parse(phone.strip(), None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(number) or ""


def _hq() -> Mission | None:
    return Mission.objects.filter(kind=Mission.Kind.HQ, active=True).first()


def mission_for_person(*, phone: str = "", lat: float | None = None, lon: float | None = None) -> Mission | None:
    """The mission for someone without a stay: the position's mission when a position is given, else the
    phone number's country's, else headquarters (None only before the missions are loaded)."""
    mission_id: int | None = None
    if lat is not None and lon is not None:
        try:
            mission_id = route_point(lat, lon).mission_id
        except (DomainError, LookupError):  # a bad position, or no missions loaded: try the number
            mission_id = None
    country = phone_country(phone) if mission_id is None else ""
    if country:
        try:
            mission_id, _rule = get_router().route_country(country)
        except LookupError:  # no headquarters loaded yet
            mission_id = None
    if mission_id is not None:
        found = Mission.objects.filter(pk=mission_id, active=True).first()
        if found is not None:
            return found
    return _hq()


def hotline_for_person(*, phone: str = "") -> tuple[Mission | None, Hotline]:
    """The mission for `phone` (as mission_for_person) and the number to call there: its hotline, or
    headquarters' citizen-protection hotline where it lists none (Hotline.fallback)."""
    mission = mission_for_person(phone=phone)
    if mission is None:
        return None, Hotline("", False)
    return mission, hotline_for(mission)
