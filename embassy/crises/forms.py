"""Forms of the officer console: they only parse the request; the rules live in crises.services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from embassy.crises.models import Crisis
from embassy.geo.gazetteer import resolve_one
from embassy.geo.selectors import country_list

ZONE_CIRCLE, ZONE_POLYGON, ZONE_COUNTRIES = "circle", "polygon", "countries"


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language."""
    return sorted(((c.code, c.name()) for c in country_list()), key=lambda pair: pair[1].casefold())


class ZoneForm(forms.Form):
    """A zone drawn on the map (the page's script fills lat/lon/radius or the polygon) or whole countries."""

    zone = forms.ChoiceField(label=_("Zone"), initial=ZONE_CIRCLE, widget=forms.RadioSelect, choices=[
        (ZONE_CIRCLE, _("Circle")), (ZONE_POLYGON, _("Polygon")), (ZONE_COUNTRIES, _("Whole countries"))])
    lat = forms.FloatField(label=_("Latitude of the centre"), required=False)
    lon = forms.FloatField(label=_("Longitude of the centre"), required=False)
    radius_km = forms.FloatField(label=_("Radius (km)"), required=False)
    place = forms.CharField(label=_("City at the centre"), required=False, max_length=200)  # without JavaScript
    polygon = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200_000)
    countries = forms.MultipleChoiceField(label=_("Countries"), required=False)

    # The fields that can show a service's message, by kind of zone; any other message goes with the map.
    SHOWN = {ZONE_CIRCLE: {"lat", "lon", "radius_km"}, ZONE_POLYGON: {"polygon"}, ZONE_COUNTRIES: {"countries"}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = self.fields["countries"]
        assert isinstance(countries, forms.MultipleChoiceField)
        countries.choices = country_choices()
        for name in ("lat", "lon", "radius_km"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["countries"].widget.attrs.update({"size": "8"})

    def clean(self) -> dict[str, Any]:
        """What the chosen kind of zone needs is there (the services judge the values)."""
        data = super().clean() or {}
        zone = data.get("zone")
        typed = (data.get("place") or "").strip()
        if zone == ZONE_CIRCLE and typed and (data.get("lat") is None or data.get("lon") is None):
            found = resolve_one(typed)
            if found is None:
                self.add_error("place", _("No place of that name."))
                return data
            data["lat"], data["lon"] = found.lat, found.lon
        if zone == ZONE_CIRCLE and (data.get("lat") is None or data.get("lon") is None) \
                and not (self.has_error("lat") or self.has_error("lon")):
            self.add_error("zone", _("Click the centre of the circle on the map, or type its coordinates."))
        elif zone == ZONE_POLYGON and not (data.get("polygon") or "").strip():
            self.add_error("polygon", _("Draw the zone as a polygon of at least three points."))
        elif zone == ZONE_COUNTRIES and not data.get("countries") and not self.has_error("countries"):
            self.add_error("countries", _("Choose at least one country."))
        return data

    def zone_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for crisis_declare / crisis_zone_update of the chosen kind of zone only."""
        data = self.cleaned_data
        if data["zone"] == ZONE_POLYGON:
            raw = data.get("polygon") or ""
            try:
                polygon = json.loads(raw) if raw else None
            except ValueError:
                polygon = raw  # the service rejects it with its own message
            return {"polygon": polygon}
        if data["zone"] == ZONE_COUNTRIES:
            return {"countries": list(data.get("countries") or [])}
        return {"lat": data.get("lat"), "lon": data.get("lon"), "radius_km": data.get("radius_km")}

    def field_for(self, name: str | None) -> str:
        """The form field that shows a service's BadInput naming `name`."""
        if name in ("title", "kind") and name in self.fields:
            return name
        if name in self.SHOWN.get(self.cleaned_data.get("zone", ""), set()):
            return str(name)
        return "zone"


class DeclareForm(ZoneForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Crisis.Kind.choices, initial=Crisis.Kind.OTHER)

    field_order = ["title", "kind", "zone", "lat", "lon", "radius_km", "polygon", "countries"]
