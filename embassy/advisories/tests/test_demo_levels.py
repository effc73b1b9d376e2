"""The demo's advisory levels come from a named public source, and a first publication above level 1 is a
CAP alert — through the editorial workflow and through the demo seed (issue 10, point 7)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from embassy.advisories.models import AdvisoryVersion
from embassy.advisories.selectors import cap_alerts
from embassy.advisories.tests.helpers import analyst, publish

pytestmark = pytest.mark.django_db
DATA = Path(settings.DATA_DIR) / "advisories"
SCHEMA = xmlschema.XMLSchema(Path(__file__).resolve().parents[1] / "schema" / "CAP-v1.2.xsd")
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _index(client: Client) -> list[str]:
    """The CAP documents the public CAP index links to."""
    response = client.get("/informasi-negara/cap.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    return [e.find(f"{ATOM}link[@type='application/cap+xml']").get("href") for e in feed.findall(f"{ATOM}entry")]


def _cap(client: Client, version: AdvisoryVersion) -> ET.Element:
    response = client.get(f"/informasi-negara/{version.country_id}/cap/{version.pk}.xml")
    assert response.status_code == 200, response.content
    SCHEMA.validate(response.content.decode())
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def test_a_first_publication_above_level_1_is_a_cap_alert() -> None:
    ani, budi = analyst(), analyst()
    calm = publish("SG", author=ani, reviewer=budi, level=1, reason_en="Calm")
    first = publish("AF", author=ani, reviewer=budi, level=4, reason_en="Armed conflict")
    assert first.previous_level is None and first.level_rose
    assert not calm.level_rose
    client = Client()
    alert = _cap(client, first)
    assert alert.findtext(f"{CAP}msgType") == "Alert" and alert.find(f"{CAP}references") is None
    assert alert.find(f"{CAP}info").findtext(f"{CAP}severity", "") == "Severe"
    assert _index(client) == [f"{settings.SITE_URL}/informasi-negara/AF/cap/{first.pk}.xml"]


def test_the_demo_seed_publishes_cap_alerts_for_its_levels_above_1() -> None:
    call_command("load_advisories", stdout=io.StringIO())
    seed = json.loads((DATA / "demo_advisories.json").read_text(encoding="utf-8"))["countries"]
    raised = {code for code, row in seed.items() if row["level"] > 1}
    assert raised, "the demo has levels above 1"
    alerted = {v.country_id for v in cap_alerts(limit=1000)}
    assert alerted == raised
    client = Client()
    links = _index(client)
    assert len(links) == min(100, len(raised))  # the index lists the newest 100
    afghanistan = AdvisoryVersion.objects.get(country_id="AF", status="published")
    assert afghanistan.level == 4 and afghanistan.level_rose
    alert = _cap(client, afghanistan)
    assert alert.findtext(f"{CAP}status") == "Exercise"  # demo content is never an actual alert
    assert "DEMO" in alert.findtext(f"{CAP}note", "")
    assert alert.find(f"{CAP}info").findtext(f"{CAP}severity", "") == "Severe"
    malaysia = AdvisoryVersion.objects.get(country_id="MY", status="published")
    assert malaysia.level == 1 and not malaysia.level_rose
    assert client.get(f"/informasi-negara/MY/cap/{malaysia.pk}.xml").status_code == 404


def test_the_demo_levels_name_their_source_and_date() -> None:
    source = json.loads((DATA / "levels_source.json").read_text(encoding="utf-8"))
    for meta in source["sources"].values():
        assert meta["name"] and meta["url"].startswith("https://") and meta["retrieved"][:2] == "20"
    seed = json.loads((DATA / "demo_advisories.json").read_text(encoding="utf-8"))
    assert seed["_levels_source"] == source["sources"]
    levels = source["levels"]
    # Not guesses: each seeded level is the source's, and its reason says where it comes from and when.
    for code, row in seed["countries"].items():
        if code in levels:
            assert row["level"] == levels[code]["level"], code
            assert levels[code]["updated"] in row["reason_en"] and levels[code]["updated"] in row["reason_id"], code
        else:
            assert row["level"] == 1 and "DEMO CONTENT" in row["reason_en"], code
    assert seed["countries"]["AF"]["level"] == 4  # not level 1
    assert {seed["countries"][c]["level"] for c in ("SY", "YE", "SO", "KP")} == {4}
    assert seed["countries"]["SG"]["level"] == 1 and "ID" not in levels  # home: no travel advice
