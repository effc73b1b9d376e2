"""Crisis CAP alerts as CAP 1.2 asks (issue 9, point 3): UTC written -00:00, every country the zone touches
in the geocodes, an expiry, and an all-clear Update when the crisis closes. Validated against the OASIS XSD."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.test import Client
from django.urls import reverse

from embassy.advisories.tests.helpers import analyst
from embassy.crises import cap
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.reach import countries_touched
from embassy.crises.services import crisis_declare, crisis_dismiss

pytestmark = pytest.mark.django_db
SCHEMA = xmlschema.XMLSchema(Path(__file__).resolve().parents[2] / "advisories" / "schema" / "CAP-v1.2.xsd")
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
KATHMANDU = (27.7172, 85.3240)


def _alert(xml: str) -> ET.Element:
    SCHEMA.validate(xml)  # raises when not valid CAP 1.2
    return ET.fromstring(xml)  # noqa: S314 - our own output


def _utc(text: str) -> dt.datetime:
    assert text.endswith("-00:00") and "+00:00" not in text and "Z" not in text, text
    return dt.datetime.fromisoformat(text.replace("-00:00", "+00:00"))


def test_a_circle_around_kathmandu_lists_every_country_it_touches_with_utc_times_and_an_expiry() -> None:
    hq = analyst()
    crisis = crisis_declare(actor=hq, title="Gempa Nepal", kind="earthquake", lat=KATHMANDU[0], lon=KATHMANDU[1],
                            radius_km=520)
    # Natural Earth 1:10m: the circle reaches China to the north, India to the south and west, Bhutan (~360 km)
    # and Bangladesh (~340 km, the Panchagarh salient) to the east. The centre alone says only Nepal.
    assert countries_touched(crisis) == ["BD", "BT", "CN", "IN", "NP"]
    assert countries_touched(Crisis(lat=KATHMANDU[0], lon=KATHMANDU[1], radius_km=50)) == ["NP"]
    event = cap.crisis_cap_publish(actor=hq, crisis=crisis)
    alert = _alert(event.data["xml"])
    sent = _utc(alert.findtext(f"{CAP}sent", ""))
    for info in alert.findall(f"{CAP}info"):
        assert _utc(info.findtext(f"{CAP}onset", "")) <= sent
        assert _utc(info.findtext(f"{CAP}expires", "")) == sent + dt.timedelta(hours=24)
        area = info.find(f"{CAP}area")
        assert area is not None
        codes = [g.findtext(f"{CAP}value") for g in area.findall(f"{CAP}geocode")]
        assert codes == ["BD", "BT", "CN", "IN", "NP"]
        assert {g.findtext(f"{CAP}valueName") for g in area.findall(f"{CAP}geocode")} == {"ISO3166-1"}
    english = alert.findall(f"{CAP}info")[1]
    assert "Bhutan" in english.findtext(f"{CAP}area/{CAP}areaDesc", "")


def test_a_circle_across_the_antimeridian_touches_fiji_on_both_sides() -> None:
    crisis = Crisis(lat=-16.8, lon=179.9, radius_km=120)
    assert countries_touched(crisis) == ["FJ"]
    wide = Crisis(lat=-17.5, lon=-179.5, radius_km=900)  # Fiji and Tonga, across the line
    assert {"FJ", "TO"} <= set(countries_touched(wide))


def test_closing_a_crisis_with_alerts_publishes_an_all_clear_update(settings: Any) -> None:
    settings.CRISES_CAP_EXPIRES_HOURS = 6
    hq = analyst()
    crisis = crisis_declare(actor=hq, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69, radius_km=30)
    first = cap.crisis_cap_publish(actor=hq, crisis=crisis)
    second = cap.crisis_cap_publish(actor=hq, crisis=crisis)
    crisis_dismiss(actor=hq, crisis=crisis, reason="water receded")
    last = CrisisEvent.objects.filter(crisis=crisis, kind="cap").order_by("id").last()
    assert last is not None and last.pk not in (first.pk, second.pk) and last.data["all_clear"] is True
    alert = _alert(last.data["xml"])
    assert alert.findtext(f"{CAP}msgType") == "Update"
    references = alert.findtext(f"{CAP}references", "").split(" ")
    assert [r.split(",")[1] for r in references] == [first.data["identifier"], second.data["identifier"]]
    sent = _utc(alert.findtext(f"{CAP}sent", ""))
    for info in alert.findall(f"{CAP}info"):
        assert info.findtext(f"{CAP}responseType") == "AllClear"
        assert (info.findtext(f"{CAP}urgency"), info.findtext(f"{CAP}severity")) == ("Past", "Minor")
        assert _utc(info.findtext(f"{CAP}expires", "")) == sent + dt.timedelta(hours=6)
    # Public like every alert of the crisis.
    served = Client().get(reverse("crises:crisis-cap-public", args=[last.data["identifier"]]))
    assert served.status_code == 200 and served.content.decode() == last.data["xml"]

    quiet = crisis_declare(actor=hq, title="Banjir Selangor", kind="flood", lat=3.07, lon=101.52, radius_km=20)
    crisis_dismiss(actor=hq, crisis=quiet, reason="no alert was ever published")
    assert not CrisisEvent.objects.filter(crisis=quiet, kind="cap").exists()
