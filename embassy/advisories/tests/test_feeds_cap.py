from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.test import Client

from embassy.advisories.tests.helpers import analyst, publish

pytestmark = pytest.mark.django_db
SCHEMA = xmlschema.XMLSchema(Path(__file__).resolve().parents[1] / "schema" / "CAP-v1.2.xsd")
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
CAP_TIME = re.compile(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


def _cap(client: Client, version) -> ET.Element:
    response = client.get(f"/informasi-negara/{version.country_id}/cap/{version.pk}.xml")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/cap+xml")
    SCHEMA.validate(response.content.decode())  # raises when not valid CAP 1.2
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def _atom(client: Client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{name}"), name
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None  # entries inherit the feed's author
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.findtext(f"{ATOM}{name}", ""), name
        assert entry.findtext(f"{ATOM}id", "").startswith("tag:")
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
    return feed


def test_a_cap_alert_only_when_the_level_rises_and_an_update_references_the_previous_one() -> None:
    ani, budi = analyst(), analyst()
    client = Client()
    first = publish("MY", author=ani, reviewer=budi, level=2, reason_id="Banjir", reason_en="Floods",
                    regions=[{"code": "MY-12", "level": 3, "reason_en": "Kidnapping risk"}])
    alert = _cap(client, first)
    assert alert.findtext(f"{CAP}msgType") == "Alert" and alert.find(f"{CAP}references") is None
    assert alert.findtext(f"{CAP}status") == "Actual" and alert.findtext(f"{CAP}scope") == "Public"
    assert CAP_TIME.match(alert.findtext(f"{CAP}sent", ""))
    infos = alert.findall(f"{CAP}info")
    assert [i.findtext(f"{CAP}language") for i in infos] == ["id-ID", "en-US"]
    english = infos[1]
    assert {c.text for c in english.findall(f"{CAP}category")} == {"Safety", "Security"}
    assert english.findtext(f"{CAP}severity") == "Moderate"  # the highest level anywhere: 3 in Sabah
    assert "Floods" in english.findtext(f"{CAP}description", "")
    areas = english.findall(f"{CAP}area")
    assert areas[0].findtext(f"{CAP}areaDesc") == "Malaysia"
    assert areas[0].findtext(f"{CAP}geocode/{CAP}valueName") == "ISO3166-1"
    assert areas[0].findtext(f"{CAP}geocode/{CAP}value") == "MY"
    assert areas[1].findtext(f"{CAP}geocode/{CAP}value") == "MY-12"
    first_id = alert.findtext(f"{CAP}identifier")
    assert first_id == _cap(client, first).findtext(f"{CAP}identifier")  # stable

    # The level falls back to normal: an all-clear Update of the alert (issue 9), not silence.
    lowered = publish("MY", author=ani, reviewer=budi, level=1, regions=[])
    clear = _cap(client, lowered)
    assert clear.findtext(f"{CAP}msgType") == "Update"
    assert clear.findtext(f"{CAP}references", "").split(",")[1] == first_id
    assert {i.findtext(f"{CAP}responseType") for i in clear.findall(f"{CAP}info")} == {"AllClear"}

    raised = publish("MY", author=ani, reviewer=budi, level=4, reason_en="Armed conflict", is_demo=True)
    update = _cap(client, raised)
    assert update.findtext(f"{CAP}msgType") == "Update"
    assert update.findtext(f"{CAP}status") == "Exercise"  # demo content is never an actual alert
    sender, identifier, sent = update.findtext(f"{CAP}references", "").split(",")
    assert (sender, identifier, sent) == (clear.findtext(f"{CAP}sender"), clear.findtext(f"{CAP}identifier"),
                                          clear.findtext(f"{CAP}sent"))
    assert update.findtext(f"{CAP}identifier") != first_id
    assert update.find(f"{CAP}info").findtext(f"{CAP}severity", "") == "Severe"
    assert update.find(f"{CAP}info").findtext(f"{CAP}responseType", "") == "Avoid"
    # an alert of another country is not found under this one
    assert client.get(f"/informasi-negara/SG/cap/{raised.pk}.xml").status_code == 404

    index = _atom(client, "/informasi-negara/cap.atom")
    links = [e.find(f"{ATOM}link[@type='application/cap+xml']").get("href") for e in index.findall(f"{ATOM}entry")]
    assert links == [f"http://127.0.0.1:8000/informasi-negara/MY/cap/{v.pk}.xml" for v in (raised, lowered, first)]


def test_cap_times_are_utc_written_minus_zero_and_every_alert_expires() -> None:
    """CAP 1.2 §3.3.2: "The timezone for UTC MUST be represented as -00:00" (the XSD's pattern also accepts
    +00:00, so the schema alone does not catch it)."""
    version = publish("MY", author=analyst(), reviewer=analyst(), level=3, reason_en="Unrest")
    alert = _cap(Client(), version)
    sent = alert.findtext(f"{CAP}sent")
    assert sent is not None
    assert sent.endswith("-00:00") and "+00:00" not in sent and "Z" not in sent
    for info in alert.findall(f"{CAP}info"):
        expires = info.findtext(f"{CAP}expires")
        assert expires and expires.endswith("-00:00") and expires > sent  # same zone: the text compares
        assert expires[:10] == (version.published_at + dt.timedelta(days=30)).strftime("%Y-%m-%d")
    published = publish("MY", author=analyst(), reviewer=analyst(), level=4, reason_en="War")
    references = _cap(Client(), published).findtext(f"{CAP}references")
    assert references is not None
    assert references.endswith(sent) and references.count("-00:00") == 1


def test_atom_feeds_have_one_entry_per_published_version_with_stable_ids() -> None:
    ani, budi = analyst(), analyst()
    client = Client()
    publish("MY", author=ani, reviewer=budi, level=2, reason_en="Floods")
    publish("MY", author=ani, reviewer=budi, level=3, reason_en="Unrest")
    publish("SG", author=ani, reviewer=budi, level=1, reason_en="Calm")
    from embassy.advisories.services import advisory_draft_create

    advisory_draft_create(actor=ani, country="SG")  # a draft is never in a feed
    everything = _atom(client, "/informasi-negara/feed.atom")
    ids = [e.findtext(f"{ATOM}id", "") for e in everything.findall(f"{ATOM}entry")]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert ids == [e.findtext(f"{ATOM}id", "") for e in _atom(client, "/informasi-negara/feed.atom").findall(f"{ATOM}entry")]
    malaysia = _atom(client, "/informasi-negara/my/feed.atom")
    titles = [e.findtext(f"{ATOM}title", "") for e in malaysia.findall(f"{ATOM}entry")]
    assert len(titles) == 2 and all("Malaysia" in t for t in titles) and "3" in titles[0]
    english = Client(headers={"accept-language": "en"})
    entry = _atom(english, "/informasi-negara/MY/feed.atom").find(f"{ATOM}entry")
    assert entry is not None
    assert "Reconsider travel" in entry.findtext(f"{ATOM}title", "") and "Unrest" in entry.findtext(f"{ATOM}summary", "")
    assert client.get("/informasi-negara/XX/feed.atom").status_code == 404
