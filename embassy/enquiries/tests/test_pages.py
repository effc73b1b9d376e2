"""Pages: the public form (CSRF, rate limit, bilingual errors), the status page by its signed link, the
citizen's sharing page, the officers' list, phone intake, confirmation and PFIF export, scoped and audited."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from embassy.accounts.models import AuditEvent
from embassy.common.tests.factories import make_citizen_user, staff_client
from embassy.crises.models import Affected
from embassy.enquiries.links import status_token
from embassy.enquiries.models import Enquiry, SharingPreference
from embassy.enquiries.tests.helpers import ask, flood, officer, person
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1990, 1, 5)
NS = "{http://zesty.ca/pfif/1.4}"


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{NS}{tag}")
    assert found is not None, tag
    return found.text or ""
FORM = {"enquirer_name": "Ibu Sumiati", "relation": "ibu", "enquirer_phone": "+62 811 1000 001",
        "sought_name": "Siti Aminah", "sought_birth_date": "1990-01-05", "last_city": "Kuala Lumpur"}


def test_public_form_to_status_page() -> None:
    crisis = flood()
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("enquiries:new", args=[crisis.pk]))
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post(reverse("enquiries:new", args=[crisis.pk]), FORM).status_code == 403  # no CSRF token
    client = Client()
    assert crisis.title in client.get(reverse("enquiries:crises")).content.decode()
    bad = client.post(reverse("enquiries:new", args=[crisis.pk]), {**FORM, "enquirer_phone": "0811"})
    assert bad.status_code == 422 and "kode negara" in bad.content.decode()  # Indonesian by default
    done = client.post(reverse("enquiries:new", args=[crisis.pk]), FORM)
    assert done.status_code == 302 and "/kabar/" in done["Location"]
    status = client.get(done["Location"])
    assert status.status_code == 200 and "Siti Aminah" in status.content.decode()
    assert 'data-state="looking"' in status.content.decode()
    assert client.get(done["Location"].replace("/kabar/", "/kabar/x")).status_code == 404  # forged
    enquiry = Enquiry.objects.get()
    other = Enquiry.objects.create(crisis=crisis, enquirer_name="x", sought_name="y", token_nonce="abc")
    assert client.get(reverse("enquiries:status", args=[status_token(other)[:-2] + "zz"])).status_code == 404
    assert enquiry.via == "web" and enquiry.enquirer_phone == "+628111000001"


def test_public_form_only_for_an_active_crisis() -> None:
    crisis = flood()
    crisis.status = "closed"
    crisis.save()
    assert Client().get(reverse("enquiries:new", args=[crisis.pk])).status_code == 404


def test_rate_limit_per_network(settings: Any) -> None:
    settings.ENQUIRIES_PER_ADDRESS_HOUR = 2
    crisis = flood()
    client = Client(REMOTE_ADDR="198.51.100.7")
    for name in ("Orang Satu", "Orang Dua"):
        assert client.post(reverse("enquiries:new", args=[crisis.pk]),
                           {**FORM, "sought_name": name}).status_code == 302
    refused = client.post(reverse("enquiries:new", args=[crisis.pk]), {**FORM, "sought_name": "Orang Tiga"})
    assert refused.status_code == 429 and Enquiry.objects.count() == 2
    # a double submit is the same enquiry, not a new one
    assert Client(REMOTE_ADDR="198.51.100.8").post(reverse("enquiries:new", args=[crisis.pk]),
                                                   {**FORM, "sought_name": "orang  satu"}).status_code == 302
    assert Enquiry.objects.count() == 2


def test_officer_list_phone_intake_confirm_and_scoping() -> None:
    kl = officer()
    a, b = person("Siti Aminah", birth=BIRTH), person("Siti Amina", birth=BIRTH)
    crisis = flood(kl)  # the crisis concerns KBRI Kuala Lumpur: people are registered there
    client = staff_client(kl)
    phone = client.post(reverse("console:enquiry-phone", args=[crisis.pk]),
                        {**FORM, "enquirer_phone": "+628111000055"})
    assert phone.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.via == "phone" and enquiry.taken_by_id == kl.pk and enquiry.status == "to_confirm"
    listing = client.get(reverse("console:enquiries", args=[crisis.pk])).content.decode()
    assert "Siti Aminah" in listing and 'data-testid="enquiry-counts"' in listing
    detail = client.get(reverse("console:enquiry", args=[crisis.pk, enquiry.pk])).content.decode()
    assert "Siti Amina" in detail and 'data-testid="candidates"' in detail
    client.post(reverse("console:enquiry-confirm", args=[crisis.pk, enquiry.pk]), {"citizen_id": a.pk})
    enquiry.refresh_from_db()
    assert (enquiry.status, enquiry.citizen_id, enquiry.rule) == ("matched", a.pk, "officer")
    assert b.pk != a.pk
    assert AuditEvent.objects.filter(action="enquiry.read", actor=kl).exists()
    assert AuditEvent.objects.filter(action="enquiry.confirm", citizen_id=a.pk).exists()
    # another mission's officer: 404; a social-media officer of the mission: 403
    sg = staff_client(officer("KBRI-SINGAPORE"))
    assert sg.get(reverse("console:enquiries", args=[crisis.pk])).status_code == 404
    assert sg.get(reverse("console:enquiries-pfif", args=[crisis.pk])).status_code == 404
    socmed = staff_client(officer(role=Role.SOCIAL_MEDIA_OFFICER))
    assert socmed.get(reverse("console:enquiries", args=[crisis.pk])).status_code == 403


def test_pfif_export_follows_consent() -> None:
    kl = officer()
    siti = person("Siti Aminah", birth=BIRTH, city="Petaling Jaya")
    crisis = flood(kl)
    SharingPreference.objects.create(citizen=siti, level=SharingPreference.Level.STATUS_CITY)
    Affected.objects.filter(crisis=crisis, citizen=siti).update(answer="safe")
    ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH, last_city="Kuala Lumpur")
    ask(crisis, sought_name="Orang Dicari", enquirer_phone="+628111000099")
    response = staff_client(kl).get(reverse("console:enquiries-pfif", args=[crisis.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)  # noqa: S314 - our own document
    assert root.tag == f"{NS}pfif"
    persons = root.findall(f"{NS}person")
    assert len(persons) == 2
    for p in persons:
        for required in ("person_record_id", "source_date", "full_name"):
            assert p.find(f"{NS}{required}") is not None
        assert _text(p, "person_record_id").startswith("smart-embassy.example/person.")
        tags = [c.tag.removeprefix(NS) for c in p]
        assert tags.index("full_name") > tags.index("source_date")  # the 1.4 sequence
        for note in p.findall(f"{NS}note"):
            for required in ("note_record_id", "author_name", "source_date"):
                assert note.find(f"{NS}{required}") is not None
    statuses = sorted(_text(n, "status") for n in root.iter(f"{NS}note"))
    assert statuses == ["believed_alive", "information_sought", "information_sought"]
    alive = next(n for n in root.iter(f"{NS}note") if _text(n, "status") == "believed_alive")
    assert _text(alive, "last_known_location") == "Petaling Jaya"
    text = response.content.decode()
    assert "+628111000001" not in text and "Ibu Sumiati" not in text  # no enquirer's contact details
    assert AuditEvent.objects.filter(action="enquiry.pfif", actor=kl).exists()


def test_pfif_without_consent_has_no_news() -> None:
    kl = officer()
    siti = person("Siti Aminah", birth=BIRTH)
    crisis = flood(kl)
    Affected.objects.filter(crisis=crisis, citizen=siti).update(answer="safe")
    ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH)
    root = ET.fromstring(staff_client(kl).get(reverse("console:enquiries-pfif", args=[crisis.pk])).content)  # noqa: S314
    assert [_text(n, "status") for n in root.iter(f"{NS}note")] == ["information_sought"]


def test_citizen_sharing_page() -> None:
    user = make_citizen_user()
    client = Client()
    assert client.get(reverse("enquiries:sharing")).status_code == 302  # sign in first
    client.force_login(user)
    page = client.get(reverse("enquiries:sharing")).content.decode()
    assert 'value="default"' in page and "checked" in page
    assert client.post(reverse("enquiries:sharing"), {"level": "status"}).status_code == 302
    assert SharingPreference.objects.get(citizen=user.citizen).level == "status"
    assert client.post(reverse("enquiries:sharing"), {"level": "everything"}).status_code == 422


def test_room_panel_counts_without_personal_data() -> None:
    kl = officer()
    person("Siti Aminah", birth=BIRTH)
    crisis = flood(kl)
    ask(crisis, sought_name="Orang Dicari")
    ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH, enquirer_phone="+628111000044")
    url = reverse("console:enquiries-panel", args=[crisis.pk])
    page = staff_client(kl).get(url).content.decode()
    assert 'data-testid="count-sought">1<' in page and reverse("console:enquiries", args=[crisis.pk]) in page
    socmed = staff_client(officer(role=Role.SOCIAL_MEDIA_OFFICER)).get(url)
    assert socmed.status_code == 200 and "Orang Dicari" not in socmed.content.decode()
    assert reverse("console:enquiries", args=[crisis.pk]) not in socmed.content.decode()
    assert staff_client(officer("KBRI-SINGAPORE")).get(url).status_code == 404
