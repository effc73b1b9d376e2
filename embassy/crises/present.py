"""The crisis in words, written once for the crisis room, the final report and the CAP alert: the zone and
what each event of its log says."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from embassy.crises.models import Crisis, CrisisEvent


def _country_names(codes: list[str]) -> list[dict[str, str]]:
    from embassy.geo.models import Country

    known = {c.code: c.name() for c in Country.objects.filter(code__in=codes)}
    return [{"code": code, "name": known.get(code, code)} for code in codes]


def zone_text(crisis: Crisis) -> str:
    """The zone in words (no personal data): circle, drawn area and/or whole countries."""
    parts = []
    if crisis.polygon:
        points = sum(max(0, len(ring) - 1) for ring in polygon_rings(crisis.polygon))  # rings are closed
        parts.append(_("Area drawn on the map (%(n)d points)") % {"n": points})
    elif crisis.radius_km and crisis.lat is not None and crisis.lon is not None:
        parts.append(_("Within %(km)s km of %(lat).4f, %(lon).4f") % {
            "km": f"{crisis.radius_km:g}", "lat": crisis.lat, "lon": crisis.lon})
    if crisis.countries:
        names = ", ".join(c["name"] for c in _country_names(list(crisis.countries)))
        parts.append(_("Whole country: %(names)s") % {"names": names})
    return "; ".join(parts) or _("No zone")


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


def _event_detail(event: CrisisEvent) -> str:
    data = event.data or {}
    if event.kind in ("declared", "proposed", "auto_confirmed") and "registered_inside" in data:
        return _("%(n)d registered citizens inside the zone.") % {"n": int(data["registered_inside"] or 0)}
    if event.kind == "rollcall":
        return _("%(n)d people asked.") % {"n": int(data.get("affected") or 0)}
    if event.kind == "contacts_asked":
        return _("Contacts of %(n)d silent people asked.") % {"n": int(data.get("people") or 0)}
    if event.kind == "zone_changed":
        return _("%(added)d came into the zone, %(left)d left it; %(inside)d inside.") % {
            "added": int(data.get("added") or 0), "left": int(data.get("left") or 0),
            "inside": int(data.get("inside") or 0)}
    if event.kind == "cap":
        return f"{data.get('msg_type', '')} · {data.get('identifier', '')}"
    if event.kind == "feed_event":
        return str(data.get("title", ""))
    if event.kind == "advisory":
        return _("%(country)s: level %(level)s (version %(number)s)") % {
            "country": data.get("country", ""), "level": data.get("level", ""), "number": data.get("number", "")}
    return ""
