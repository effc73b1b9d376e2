"""The crisis in words, written once for the crisis room, the final report and the CAP alert: the zone and
what each event of its log says. No personal data: counts, places and identifiers only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from embassy.crises.models import Crisis, CrisisEvent
from embassy.geo.models import Country

Kind = CrisisEvent.Kind


def country_names(codes: list[str]) -> list[dict[str, str]]:
    """[{code, name}] in the order given; a code the reference data does not know stands for its name."""
    known = {c.code: c.name() for c in Country.objects.filter(code__in=codes)}
    return [{"code": code, "name": known.get(code, code)} for code in codes]


def zone_parts(crisis: Crisis) -> list[str]:
    """The zone in words, one part per shape: the drawn area or the circle, and whole countries."""
    parts = []
    if crisis.polygon:
        points = sum(max(0, len(ring) - 1) for ring in polygon_rings(crisis.polygon))  # rings are closed
        parts.append(_("Area drawn on the map (%(n)d points)") % {"n": points})
    elif crisis.radius_km and crisis.lat is not None and crisis.lon is not None:
        parts.append(_("Within %(km)s km of %(lat).4f, %(lon).4f") % {
            "km": f"{crisis.radius_km:g}", "lat": crisis.lat, "lon": crisis.lon})
    if crisis.countries:
        names = [c["name"] for c in country_names(list(crisis.countries))]
        parts.append(ngettext("Whole country: %(names)s", "Whole countries: %(names)s", len(names)) % {
            "names": ", ".join(sorted(names))})
    return parts


def zone_text(crisis: Crisis) -> str:
    """The zone in one line (the report, the CAP alert's area)."""
    return "; ".join(zone_parts(crisis)) or _("No zone")


def polygon_rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    """The exterior rings ([lon, lat] pairs) of a GeoJSON Polygon or MultiPolygon; holes are left out."""
    if not geometry:
        return []
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        return [coords[0]] if coords else []
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in coords if polygon]
    return []


def event_label(event: CrisisEvent) -> str:
    """What happened, in a few words (an unknown kind, from older data, shows as itself)."""
    return str(Kind(event.kind).label) if event.kind in Kind.values else event.kind


def _n(data: dict[str, Any], key: str) -> int:
    return int(data.get(key) or 0)


def _found(d: dict[str, Any]) -> str:
    if "people" in d:
        return _("%(inside)s registered citizens inside, %(people)s people counting dependants") % {
            "inside": _n(d, "registered_inside"), "people": _n(d, "people")}
    return _("%(n)d registered citizens inside the zone.") % {"n": _n(d, "registered_inside")} \
        if "registered_inside" in d else ""


def _zone_changed(d: dict[str, Any]) -> str:
    return _("%(added)d came into the zone, %(left)d left it; %(inside)d inside.") % {
        "added": _n(d, "added"), "left": _n(d, "left"), "inside": _n(d, "inside")}


def _feed_event(d: dict[str, Any]) -> str:
    """Another feed event joined the crisis; its title is the event's text (shown apart)."""
    return _("%(added)d came into the zone; %(inside)d inside.") % {
        "added": _n(d, "added"), "inside": _n(d, "inside")} if "added" in d else ""


def _closed(d: dict[str, Any]) -> str:
    return _("%(n)s roll-call messages still waiting in the outbox were withdrawn") % {
        "n": _n(d, "withdrawn")} if d.get("withdrawn") else ""


_DETAILS: dict[str, Callable[[dict[str, Any]], str]] = {
    Kind.DECLARED: _found, Kind.PROPOSED: _found, Kind.AUTO_CONFIRMED: _found,
    Kind.ROLLCALL: lambda d: _("%(n)s people to ask") % {"n": _n(d, "affected")},
    Kind.CONTACTS_ASKED: lambda d: _("contacts of %(people)s silent people, %(messages)s messages") % {
        "people": _n(d, "people"), "messages": _n(d, "messages")},
    Kind.ZONE_CHANGED: _zone_changed,
    Kind.FEED_EVENT: _feed_event,
    Kind.CAP: lambda d: " · ".join(str(v) for v in (d.get("msg_type"), d.get("identifier")) if v),
    Kind.ADVISORY: lambda d: _("%(country)s: level %(previous)s → %(level)s") % {
        "country": d.get("country", ""), "previous": d.get("previous_level", ""), "level": d.get("level", "")},
    Kind.CLOSED: _closed,
}


def event_detail(event: CrisisEvent) -> str:
    """What the event's data says, in a line: counts, the CAP identifier, the advisory level ("" if none)."""
    detail = _DETAILS.get(event.kind)
    return detail(event.data or {}) if detail is not None else ""
