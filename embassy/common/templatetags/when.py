"""`{% when dt tz %}` and `{% position lat lon accuracy %}`: times in a place's zone, positions people can open.

    {% load when %}
    {% when case.created_at mission.timezone %}        → <time datetime="…Z" title="2026-12-03 03:19 UTC">3 Des 2026 11:19 UTC+8</time>
    {% when case.created_at mission.timezone "time" %} → … 11:19 UTC+8
    {% position case.lat case.lon case.accuracy_m %}   → 3.15160, 101.69420 (±20 m) · map links
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from embassy.common.when import local_label, utc_label

register = template.Library()


@register.simple_tag
def when(value: dt.datetime | None, tz: str | None = None, part: str = "datetime") -> SafeString | str:
    """A UTC time shown in zone `tz` with the zone's name; the UTC time on hover and in the datetime attribute."""
    if not isinstance(value, dt.datetime):
        return ""
    iso = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = local_label(value, tz, with_date=part != "time")
    return format_html('<time datetime="{}" title="{}">{}</time>', iso, utc_label(value), text)


def _coordinate(value: float, digits: int = 5) -> str:
    return f"{float(value):.{digits}f}"  # a dot decimal in every language (never "3,15160")


@register.simple_tag
def position(lat: float | None, lon: float | None, accuracy_m: float | None = None) -> SafeString | str:
    """ "3.15160, 101.69420 (±20 m)" with links that open the point in OpenStreetMap and in the phone's map app."""
    if lat is None or lon is None:
        return ""
    la, lo = _coordinate(lat), _coordinate(lon)
    accuracy = f" (±{round(float(accuracy_m)):d} m)" if accuracy_m is not None else ""
    osm = f"https://www.openstreetmap.org/?mlat={la}&mlon={lo}#map=16/{la}/{lo}"
    return format_html(
        '<span class="position"><span class="coords" translate="no">{}, {}</span>{} '
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a> · <a href="geo:{},{}">{}</a></span>',
        la, lo, accuracy, osm, _("Open in OpenStreetMap"), la, lo, _("Open in map app"))
