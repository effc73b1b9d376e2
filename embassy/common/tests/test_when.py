"""Times in a place's zone with the zone's name; positions with dot decimals and map links."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from embassy.common.when import local_label, zone_abbreviation

MOMENT = dt.datetime(2026, 12, 3, 3, 19, tzinfo=dt.UTC)


def test_local_label_names_the_zone() -> None:
    with translation.override("id"):
        assert local_label(MOMENT, "Asia/Kuala_Lumpur") == "3 Des 2026 11:19 UTC+8"
        assert local_label(MOMENT, "Asia/Jakarta", with_date=False) == "10:19 WIB"
        assert local_label(MOMENT, "Asia/Kolkata", with_date=False) == "08:49 IST"
        assert local_label(MOMENT, "Asia/Kathmandu", with_date=False) == "09:04 UTC+5:45"
        assert local_label(MOMENT, "America/New_York", with_date=False) == "22:19 EST"
        assert local_label(MOMENT, "", with_date=False) == "03:19 UTC"
        assert local_label(MOMENT, "No/Such_Zone", with_date=False) == "03:19 UTC"
    with translation.override("en"):
        assert local_label(MOMENT, "Asia/Riyadh") == "3 Dec 2026 06:19 UTC+3"
    assert zone_abbreviation(MOMENT.astimezone(dt.timezone(dt.timedelta(hours=-3, minutes=-30)))) == "UTC−3:30"


def render(source: str, **context: object) -> str:
    return Template("{% load when %}" + source).render(Context(context))


def test_when_tag_keeps_utc_on_hover() -> None:
    with translation.override("id"):
        html = render("{% when t tz %}", t=MOMENT, tz="Asia/Kuala_Lumpur")
    assert html == '<time datetime="2026-12-03T03:19:00Z" title="2026-12-03 03:19 UTC">3 Des 2026 11:19 UTC+8</time>'
    assert render("{% when t tz 'time' %}", t=MOMENT, tz="Asia/Jakarta").endswith(">10:19 WIB</time>")
    assert render("{% when t tz %}", t=None, tz="Asia/Jakarta") == ""


def test_position_uses_dots_in_every_language() -> None:
    with translation.override("id"):
        html = render("{% position 3.1516 101.6942 20 %}")
    assert "3.15160, 101.69420" in html and "(±20 m)" in html and "," not in html.split("</span>")[0].replace(", ", "")
    assert 'href="https://www.openstreetmap.org/?mlat=3.15160&amp;mlon=101.69420#map=16/3.15160/101.69420"' in html
    assert 'href="geo:3.15160,101.69420"' in html
    assert render("{% position None None %}") == ""
