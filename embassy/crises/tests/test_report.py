"""The final report (data, HTML, PDF — no citizen names anywhere), CAP alerts from a crisis (valid CAP 1.2,
Alert then Update, circle / polygon / country areas, Exercise for drills) and raising the advisory level
through the four-eyes workflow; who may do what, and the audit trail."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse
from django.utils import timezone

from embassy.accounts.models import AuditEvent
from embassy.advisories.models import AdvisoryVersion
from embassy.advisories.services import advisory_publish
from embassy.advisories.tests.helpers import analyst, publish
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.crises import cap
from embassy.crises.answers import rollcall_answer_link
from embassy.crises.links import link_token
from embassy.crises.models import Affected, Crisis, CrisisEvent
from embassy.crises.report.data import crisis_report_data, crisis_report_pdf, is_drill
from embassy.crises.report.views import crisis_cap_public
from embassy.crises.rollcall import rollcall_start
from embassy.crises.services import crisis_declare, crisis_dismiss, crisis_note_add
from embassy.missions.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollcall_channels")]
SCHEMA = xmlschema.XMLSchema(Path(__file__).resolve().parents[2] / "advisories" / "schema" / "CAP-v1.2.xsd")
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
NAMES = ("Siti Rahmawati", "Budi Santoso", "Dewi Lestari", "Agus Salim")
PHONES = ("+60123450001", "+60123450002", "+60123450003", "+60123450004")




def _officer(role: str = Role.PROTECTION_OFFICER, unit: str = "KBRI-KUALA-LUMPUR") -> Any:
    return verified(make_staff(unit, role))


def _drill(officer: Any) -> Crisis:
    """A drill in Kuala Lumpur: four people inside, roll-call started; two safe, one needs help, one silent."""
    for name, phone in zip(NAMES, PHONES, strict=True):
        email = f"{name.split()[0].lower()}@example.com"
        StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone, email=email), lat=3.14, lon=101.69)
    crisis = crisis_declare(actor=officer, title="Gempa Kuala Lumpur", kind="earthquake", lat=3.14, lon=101.69,
                            radius_km=30)
    crisis.data = {"drill": True}
    crisis.magnitude = 6.2
    crisis.save(update_fields=["data", "magnitude"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    rows = {a.citizen.full_name: a for a in Affected.objects.filter(crisis=crisis).select_related("citizen")}
    for name, answer in ((NAMES[0], "safe"), (NAMES[1], "safe"), (NAMES[2], "help")):
        rollcall_answer_link(crisis_id=crisis.pk, token=link_token(rows[name].pk, crisis.pk), answer=answer)
    crisis_note_add(actor=officer, crisis=crisis, text="Posko dibuka di KBRI; tim lapangan berangkat.")
    crisis.refresh_from_db()
    return crisis


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages: every content stream, inflated."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            # decompressobj, not decompress: the regex may have eaten a last "\r" of the compressed bytes
            out.append(zlib.decompressobj().decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(match.group(1).decode("latin-1"))
    return "\n".join(out)


def _pages(pdf: bytes) -> int:
    """Page objects in the file (the page tree's /Count says the same)."""
    pages = len(re.findall(rb"/Type\s*/Page(?!s)\b", pdf))
    assert re.search(rb"/Count %d\b" % pages, pdf)
    return pages


def _no_people(text: str) -> None:
    for value in (*NAMES, *PHONES, "example.com"):
        assert value not in text, value


# --- The report -----------------------------------------------------------------------------------------------
def test_report_data_counts_timeline_cases_and_durations() -> None:
    officer = _officer()
    crisis = _drill(officer)
    data = crisis_report_data(crisis)

    c = data["counts"]
    assert (c["registered"], c["asked"], c["safe"], c["help"], c["silent"]) == (4, 4, 2, 1, 1)
    assert data["by_mission"] == [{"mission": "KBRI-KUALA-LUMPUR", "registered": 4, "safe": 2, "help": 1,
                                   "silent": 1, "name": "KBRI Kuala Lumpur"}]
    assert data["summary"]["drill"] is True and data["summary"]["declared_by"] == officer.username
    assert data["zone"]["kind"] == "circle" and "30 km" in data["zone"]["text"]
    last = data["over_time"]["points"][-1]
    assert (last["safe"], last["help"]) == (2, 1) and data["over_time"]["points"][0]["hour"] == 0
    kinds = [e["kind"] for e in data["timeline"]]
    assert kinds[0] == "declared" and "rollcall" in kinds
    note = next(e for e in data["timeline"] if e["kind"] == "note")
    assert note["actor"] == officer.username and "Posko dibuka" in note["text"]
    (case,) = data["cases"]
    helped = Affected.objects.get(crisis=crisis, answer="help")
    assert case["id"] == helped.case_id and case["reference"] == f"SOS-{helped.case_id:06d}"
    assert case["status"] == "new" and case["mission"] == "KBRI-KUALA-LUMPUR"
    assert set(case) == {"id", "reference", "status", "status_label", "mission", "raised_at", "resolved_at"}
    assert data["durations"]["answered"] == 3 and data["durations"]["median_answer"]["seconds"] is not None
    assert data["durations"]["to_rollcall"]["seconds"] is not None
    via = {v["via"]: v["count"] for v in data["follow_up"]["via"]}
    assert via["link"] == 3 and via["app"] == 0
    _no_people(repr(data))


def test_answers_over_time_are_cumulative_per_hour() -> None:
    officer = _officer()
    crisis = _drill(officer)
    start = crisis.rollcall_started_at
    assert start is not None
    safe = list(Affected.objects.filter(crisis=crisis, answer="safe").order_by("id"))
    Affected.objects.filter(pk=safe[0].pk).update(answered_at=start + dt.timedelta(minutes=30))
    Affected.objects.filter(pk=safe[1].pk).update(answered_at=start + dt.timedelta(hours=2, minutes=5))
    Affected.objects.filter(crisis=crisis, answer="help").update(answered_at=start + dt.timedelta(hours=1, minutes=1))
    points = crisis_report_data(crisis)["over_time"]["points"]
    assert [(p["hour"], p["safe"], p["help"]) for p in points] == [(0, 0, 0), (1, 1, 0), (2, 1, 1), (3, 2, 1)]


def test_report_page_and_pdf_in_both_languages_without_names() -> None:
    officer = _officer()
    crisis = _drill(officer)
    client = staff_client(officer)
    page = client.get(reverse("console:crisis-report", args=[crisis.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="count-safe">2<' in html and 'data-testid="count-help">1<' in html
    assert "Gempa bumi" in html and "Posko dibuka" in html  # Indonesian by default; the note is in the log
    assert f"SOS-{Affected.objects.get(crisis=crisis, answer='help').case_id:06d}" in html
    assert "<script>" not in html and "style=" not in html  # strict CSP: no inline script or style
    _no_people(html)

    response = client.get(reverse("console:crisis-report-pdf", args=[crisis.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and _pages(pdf) >= 1
    text = _pdf_text(pdf)
    assert "Gempa Kuala Lumpur" in text and "Gempa bumi" in text and "KBRI-KUALA-LUMPUR" in text
    _no_people(text)

    english = _pdf_text(crisis_report_pdf(crisis, language="en"))
    assert "Earthquake" in english and "Gempa bumi" not in english
    assert "Crisis report" in english and "DRILL" in english
    _no_people(english)
    client.cookies["lang"] = "en"
    assert "Earthquake" in client.get(reverse("console:crisis-report", args=[crisis.pk])).content.decode()


def test_report_is_scoped_to_the_crisis_missions() -> None:
    crisis = _drill(_officer())
    elsewhere = staff_client(_officer(unit="KJRI-JEDDAH"))
    assert elsewhere.get(reverse("console:crisis-report", args=[crisis.pk])).status_code == 404
    assert elsewhere.get(reverse("console:crisis-report-pdf", args=[crisis.pk])).status_code == 404
    assert Client().get(reverse("console:crisis-report", args=[crisis.pk])).status_code == 302  # to sign in


# --- CAP alerts -------------------------------------------------------------------------------------------------
def _alert(xml: str | bytes) -> ET.Element:
    SCHEMA.validate(xml if isinstance(xml, str) else xml.decode())  # raises when not valid CAP 1.2
    return ET.fromstring(xml)  # noqa: S314 - our own output


def test_cap_alert_then_update_valid_and_without_personal_data() -> None:
    officer = _officer()
    crisis = _drill(officer)
    first = cap.crisis_cap_publish(actor=officer, crisis=crisis)
    alert = _alert(first.data["xml"])
    assert alert.findtext(f"{CAP}msgType") == "Alert" and alert.find(f"{CAP}references") is None
    assert alert.findtext(f"{CAP}status") == "Exercise" and alert.findtext(f"{CAP}scope") == "Public"
    assert alert.findtext(f"{CAP}identifier") == first.data["identifier"]
    infos = alert.findall(f"{CAP}info")
    assert [i.findtext(f"{CAP}language") for i in infos] == ["id-ID", "en-US"]
    indonesian, english = infos
    assert [c.text for c in english.findall(f"{CAP}category")] == ["Geo"]
    assert english.findtext(f"{CAP}event") == "Earthquake" and indonesian.findtext(f"{CAP}event") == "Gempa bumi"
    assert english.findtext(f"{CAP}severity") == "Severe"  # magnitude 6.2
    assert (english.findtext(f"{CAP}urgency"), english.findtext(f"{CAP}certainty")) == ("Immediate", "Observed")
    assert "2 safe, 1 need help, 1 have not answered" in english.findtext(f"{CAP}description", "")
    assert "+60176688032" in english.findtext(f"{CAP}instruction", "")  # the mission's hotline
    area = english.find(f"{CAP}area")
    assert area is not None
    assert area.findtext(f"{CAP}circle") == "3.14,101.69 30" and area.find(f"{CAP}polygon") is None
    assert area.findtext(f"{CAP}geocode/{CAP}valueName") == "ISO3166-1"
    assert area.findtext(f"{CAP}geocode/{CAP}value") == "MY"
    _no_people(first.data["xml"])
    assert AuditEvent.objects.filter(action="crisis.cap", object_id=str(crisis.pk)).count() == 1

    second = cap.crisis_cap_publish(actor=officer, crisis=crisis)
    update = _alert(second.data["xml"])
    assert update.findtext(f"{CAP}msgType") == "Update"
    assert update.findtext(f"{CAP}identifier") != alert.findtext(f"{CAP}identifier")
    assert update.findtext(f"{CAP}references") == ",".join(
        alert.findtext(f"{CAP}{name}", "") for name in ("sender", "identifier", "sent"))

    # Served as stored: to staff who see the crisis, and publicly by identifier.
    client = staff_client(officer)
    response = client.get(reverse("console:crisis-cap-xml", args=[crisis.pk, first.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/cap+xml")
    assert response.content.decode() == first.data["xml"]
    assert client.get(reverse("console:crisis-cap-xml", args=[crisis.pk, first.pk + 999])).status_code == 404
    public = crisis_cap_public(RequestFactory().get("/"), identifier=second.data["identifier"])
    assert public.status_code == 200 and public.content.decode() == second.data["xml"]
    assert "public" in public["Cache-Control"]
    from django.test import Client

    url = reverse("crises:crisis-cap-public", args=[second.data["identifier"]])
    served = Client().get(url)  # no sign-in
    assert served.status_code == 200 and served.content.decode() == second.data["xml"]
    for bad in ("nope", "a,b", ""):
        with pytest.raises(NotFound):
            crisis_cap_public(RequestFactory().get("/"), identifier=bad)


def test_cap_polygon_country_and_actual_status() -> None:
    officer, hq = _officer(), analyst()  # nobody lives inside these zones: no mission yet, headquarters publishes
    ring = [[101.5, 3.0], [101.9, 3.0], [101.9, 3.3], [101.5, 3.3], [101.5, 3.0]]
    drawn = crisis_declare(actor=officer, title="[LATIHAN] Kerusuhan di pusat kota", kind="conflict",
                           polygon={"type": "Polygon", "coordinates": [ring]})
    assert is_drill(drawn)
    alert = _alert(cap.crisis_cap_publish(actor=hq, crisis=drawn).data["xml"])
    assert alert.findtext(f"{CAP}status") == "Exercise"
    info = alert.findall(f"{CAP}info")[1]
    assert [c.text for c in info.findall(f"{CAP}category")] == ["Safety", "Security"]
    area = info.find(f"{CAP}area")
    assert area is not None
    pairs = area.findtext(f"{CAP}polygon", "").split(" ")
    assert pairs[0] == pairs[-1] == "3,101.5" and pairs[1] == "3,101.9" and len(pairs) == 5  # lat,lon
    assert area.find(f"{CAP}circle") is None

    flood = crisis_declare(actor=officer, title="Banjir Malaysia", kind="flood", countries=["MY"])
    assert not is_drill(flood)
    alert = _alert(cap.crisis_cap_publish(actor=hq, crisis=flood).data["xml"])
    assert alert.findtext(f"{CAP}status") == "Actual" and alert.findtext(f"{CAP}msgType") == "Alert"
    info = alert.findall(f"{CAP}info")[1]
    assert [c.text for c in info.findall(f"{CAP}category")] == ["Met"]
    area = info.find(f"{CAP}area")
    assert area is not None
    assert area.findtext(f"{CAP}areaDesc") == "Malaysia" and area.find(f"{CAP}polygon") is None
    assert area.findtext(f"{CAP}geocode/{CAP}value") == "MY"

    crisis_dismiss(actor=hq, crisis=flood, reason="over")
    with pytest.raises(Conflict):
        cap.crisis_cap_publish(actor=hq, crisis=flood)


def test_cap_multipolygon_and_antimeridian() -> None:
    assert cap.cap_polygon([[182.0, -19.0], [178.0, -19.0], [178.0, -17.5]]) == \
        "-19,-178 -19,178 -17.5,178 -19,-178"  # closed, longitudes back in [-180, 180]
    crisis = Crisis(title="x", kind="cyclone", polygon={"type": "MultiPolygon", "coordinates": [
        [[[178.0, -19.0], [180.0, -19.0], [180.0, -15.5], [178.0, -19.0]]],
        [[[-180.0, -19.0], [-178.0, -19.0], [-178.0, -17.5], [-180.0, -19.0]]]]})
    crisis.save()
    xml = cap.crisis_cap_xml(crisis, identifier="t.1", sent=timezone.now(), references=[])
    areas = _alert(xml).findall(f"{CAP}info")[0].findall(f"{CAP}area/{CAP}polygon")
    assert len(areas) == 2


def test_who_may_publish_and_the_audit() -> None:
    officer = _officer()
    crisis = _drill(officer)
    social = _officer(Role.SOCIAL_MEDIA_OFFICER)
    with pytest.raises(PermissionDenied):
        cap.crisis_cap_publish(actor=social, crisis=crisis)
    assert AuditEvent.objects.filter(action="crisis.cap.denied", actor=social).exists()
    client = staff_client(social)
    response = client.post(reverse("console:crisis-cap", args=[crisis.pk]))
    assert response.status_code == 302
    assert not CrisisEvent.objects.filter(crisis=crisis, kind="cap").exists()
    # Another mission's protection officer does not see the crisis at all.
    jeddah = staff_client(_officer(unit="KJRI-JEDDAH"))
    assert jeddah.post(reverse("console:crisis-cap", args=[crisis.pk])).status_code == 404
    # The officer's POST publishes and comes back with a link to the document.
    mine = staff_client(officer)
    response = mine.post(reverse("console:crisis-cap", args=[crisis.pk]), follow=True)
    event = CrisisEvent.objects.get(crisis=crisis, kind="cap")
    assert reverse("console:crisis-cap-xml", args=[crisis.pk, event.pk]) in response.content.decode()
    # Headquarters may publish for any crisis.
    assert cap.crisis_cap_publish(actor=analyst(), crisis=crisis).data["msg_type"] == "Update"


# --- Raising the advisory level ----------------------------------------------------------------------------------
def test_raise_level_drafts_and_submits_for_review_and_refuses_lower() -> None:
    officer = _officer()
    crisis = _drill(officer)
    ani, budi = analyst(), analyst()
    publish("MY", author=ani, reviewer=budi, level=2, reason_id="Waspada banjir", reason_en="Flood season")

    for too_low in (2, 1):
        with pytest.raises(Conflict):
            cap.crisis_raise_level(actor=ani, crisis=crisis, level=too_low)
    with pytest.raises(BadInput):
        cap.crisis_raise_level(actor=ani, crisis=crisis, level=5)
    with pytest.raises(PermissionDenied):
        cap.crisis_raise_level(actor=officer, crisis=crisis, level=3)
    assert AuditEvent.objects.filter(action="crisis.advisory.denied", actor=officer).exists()
    assert not AdvisoryVersion.objects.filter(status__in=AdvisoryVersion.OPEN).exists()

    version = cap.crisis_raise_level(actor=ani, crisis=crisis, level=3)  # country from the zone's centre
    assert (version.country_id, version.level, version.status) == ("MY", 3, AdvisoryVersion.Status.IN_REVIEW)
    assert "Gempa Kuala Lumpur" in version.reason_id and "Gempa Kuala Lumpur" in version.reason_en
    assert "Flood season" in version.reason_en  # the earlier reason is kept below
    logged = CrisisEvent.objects.get(crisis=crisis, kind="advisory")
    assert logged.data["version_id"] == version.pk and logged.data["level"] == 3
    assert AuditEvent.objects.filter(action="crisis.advisory", actor=ani).exists()
    with pytest.raises(PermissionDenied):  # four-eyes: the one who raised it does not publish it
        advisory_publish(actor=ani, version_id=version.pk)
    assert advisory_publish(actor=budi, version_id=version.pk).status == AdvisoryVersion.Status.PUBLISHED
    report = crisis_report_data(crisis)
    assert report["advisories"][0]["version_id"] == version.pk


def test_raise_level_through_the_console() -> None:
    officer = _officer()
    crisis = _drill(officer)
    ani = analyst()
    client = staff_client(ani)
    response = client.post(reverse("console:crisis-raise-level", args=[crisis.pk]), {"level": "4"}, follow=True)
    version = AdvisoryVersion.objects.get(country_id="MY", status=AdvisoryVersion.Status.IN_REVIEW)
    assert version.level == 4
    assert reverse("console:advisory-version", args=[version.pk]) in response.content.decode()
    # Officers see the report but the level form is not theirs; their POST is refused with a message.
    refused = staff_client(officer).post(reverse("console:crisis-raise-level", args=[crisis.pk]), {"level": "4"},
                                         follow=True)
    assert refused.status_code == 200
    assert AdvisoryVersion.objects.filter(country_id="MY").count() == 1
