"""Times as people read them (issue 10, point 4): an officer reads the crisis pages in their mission's time
with its zone (UTC on hover), headquarters in WIB; the headquarters-wide pages (advisories console, audit log,
outbox) in WIB; a country page in the country's time; messages that state a time in the reader's zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from embassy.accounts.audit import audit_record
from embassy.accounts.models import AuditEvent
from embassy.accounts.zones import console_zone, country_zone, hq_zone, stay_zone
from embassy.advisories.models import AdvisoryVersion, CountryAdvisory
from embassy.advisories.tests.helpers import analyst, publish
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.common.when import local_label
from embassy.crises.ingest import notify_missions
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.report.pdf import when as pdf_when
from embassy.crises.services import crisis_declare
from embassy.missions.models import Role
from embassy.notify.models import Message
from embassy.notify.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 12, 3, 3, 19, tzinfo=dt.UTC)  # 11:19 in Kuala Lumpur, 10:19 in Jakarta
HOVER = 'datetime="2026-12-03T03:19:00Z" title="2026-12-03 03:19 UTC"'


@pytest.fixture
def crisis() -> Crisis:
    StayFactory.create(citizen=CitizenFactory.create(full_name="Siti Banjir", email="siti@example.com"), lat=3.139, lon=101.6869)
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="time.kl")
    verified(officer)
    found = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69,
                           radius_km=25)
    Crisis.objects.filter(pk=found.pk).update(created_at=AT, occurred_at=AT)
    CrisisEvent.objects.filter(crisis=found).update(at=AT)
    found.refresh_from_db()
    return found


def _kl() -> Client:
    return staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))


def _hq() -> Client:
    return staff_client(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))


def test_a_mission_officer_reads_crisis_times_in_the_missions_zone(crisis: Crisis) -> None:
    web = _kl()
    for path in (f"/konsol/krisis/{crisis.pk}/", "/konsol/krisis/", f"/konsol/krisis/{crisis.pk}/laporan/"):
        page = web.get(path, HTTP_ACCEPT_LANGUAGE="id")
        assert page.status_code == 200, path
        html = page.content.decode()
        assert f"<time {HOVER}>3 Des 2026 11:19 UTC+8</time>" in html, path
        assert "03:19 UTC<" not in html.replace(HOVER, ""), path  # no bare UTC times left
    live = web.get(f"/konsol/krisis/{crisis.pk}/live/").content.decode()
    assert "11:19 UTC+8" in live  # the polled log keeps the zone


def test_headquarters_reads_the_same_crisis_in_wib(crisis: Crisis) -> None:
    html = _hq().get(f"/konsol/krisis/{crisis.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<time {HOVER}>3 Dec 2026 10:19 WIB</time>" in html


def test_the_pdf_report_is_in_the_zone_the_view_activates() -> None:
    with timezone.override("Asia/Kuala_Lumpur"):
        assert pdf_when(AT).endswith("11:19 UTC+8")
    with timezone.override("America/New_York"):
        assert pdf_when(AT).endswith("22:19 EST")
    with timezone.override("America/Sao_Paulo"):  # no abbreviation: an offset, written with a plain hyphen
        assert pdf_when(AT).endswith("00:19 UTC-3") and "\u2212" not in pdf_when(AT)
    assert pdf_when(None) == "–"


def test_the_pdf_view_answers(crisis: Crisis) -> None:
    response = _kl().get(f"/konsol/krisis/{crisis.pk}/laporan.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_headquarters_wide_pages_read_wib() -> None:
    ani, budi = analyst(), analyst()
    version = publish("MY", author=ani, reviewer=budi, level=2, reason_en="Floods")
    AdvisoryVersion.objects.filter(pk=version.pk).update(published_at=AT, submitted_at=AT, reviewed_at=AT,
                                                         created_at=AT)
    CountryAdvisory.objects.filter(country_id="MY").update(published_at=AT)
    web = _hq()
    for path in ("/konsol/advisories/", "/konsol/advisories/MY/", f"/konsol/advisories/versions/{version.pk}/"):
        page = web.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, path
        assert "10:19 WIB" in page.content.decode(), path
    audit_record(actor=None, action="test.time", object_type="x", object_id=1)
    event = AuditEvent.objects.get(action="test.time")  # append-only: its own time, read in WIB
    audit = web.get("/konsol/audit/?action=test.time", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        label = local_label(event.at, "Asia/Jakarta")
    assert label in audit and label.endswith(" WIB")
    MessageFactory.create(channel="email", address="a@example.com", subject="s", body="b", created_at=AT)
    Message.objects.filter(subject="s").update(created_at=AT)
    admin = staff_client(make_staff("HQ-PWNI", Role.ADMINISTRATOR))
    assert "10:19 WIB" in admin.get("/konsol/notify/").content.decode()


def test_a_country_page_reads_the_countrys_time() -> None:
    version = publish("MY", author=analyst(), reviewer=analyst(), level=2, reason_en="Floods")
    AdvisoryVersion.objects.filter(pk=version.pk).update(published_at=AT)
    html = Client().get("/informasi-negara/MY/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<time {HOVER}>3 Dec 2026 11:19 UTC+8</time>" in html


def test_the_zones() -> None:
    assert hq_zone() == "Asia/Jakarta"
    assert country_zone("MY") == "Asia/Kuala_Lumpur" and country_zone("JP") == "Asia/Tokyo"

    class Stay:
        lat, lon, country_id, mission = 21.3069, -157.8583, "US", None  # Honolulu, not New York

    assert stay_zone(Stay()) == "Pacific/Honolulu"


def test_the_console_zone_follows_the_current_mission(rf: Any) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.user = make_staff("KBRI-TOKYO", Role.PROTECTION_OFFICER)
    verified(request.user)  # after the second factor
    assert console_zone(request) == "Asia/Tokyo"


def test_the_officers_alert_states_when_it_happened_in_their_zone(crisis: Crisis) -> None:
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        notify_missions(crisis, "proposed")
    bodies = list(Message.objects.filter(kind="crisis.new").values_list("body", flat=True))
    assert bodies and all("3 Des 2026 11:19 UTC+8" in b for b in bodies)


def test_the_crisis_alert_states_the_time_of_the_place() -> None:
    """The CAP alert's description is read by the people there: Kathmandu's time (UTC+5:45), not UTC."""
    from xml.etree import ElementTree as ET

    from embassy.crises import cap

    hq = analyst()
    crisis = crisis_declare(actor=hq, title="Gempa Nepal", kind="earthquake", lat=27.7172, lon=85.3240, radius_km=50)
    Crisis.objects.filter(pk=crisis.pk).update(occurred_at=AT)
    crisis.refresh_from_db()
    event = cap.crisis_cap_publish(actor=hq, crisis=crisis)
    infos = ET.fromstring(event.data["xml"]).findall("{urn:oasis:names:tc:emergency:cap:1.2}info")  # noqa: S314
    descriptions = [i.findtext("{urn:oasis:names:tc:emergency:cap:1.2}description", "") for i in infos]
    assert "3 Des 2026 09:04 UTC+5:45" in descriptions[0]  # Indonesian first
    assert "3 Dec 2026 09:04 UTC+5:45" in descriptions[1]
