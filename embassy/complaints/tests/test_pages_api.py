"""Pages and API: the public form, the citizen's own, the console list with its colours and filters, the detail
page with its actions, scoping (another mission: 404; headquarters: all), audited reads, and the API's 422."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from embassy.accounts.models import AuditEvent, User
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import bearer, staff_client
from embassy.complaints import services
from embassy.complaints.models import Complaint, FiledBy
from embassy.complaints.tests.conftest import KL, relative_form

pytestmark = pytest.mark.django_db


def _file(**over: object) -> Complaint:
    return services.complaint_file_for(data=relative_form(**over), filed_by=FiledBy.RELATIVE)


FORM = {"filed_by": "relative", "filer_name": "Ahmad Yani", "filer_relation": "kakak",
        "filer_phone": "+6281234567001", "filer_email": "", "subject_name": "Siti Aminah",
        "subject_birth_date": "1990-01-01", "passport": "", "nik": "", "mission": KL, "category": "abuse",
        "text": "Dipukul majikan.", "place": "Cheras", "client_key": "abc"}


def test_public_form_files_and_shows_the_number(client: Client) -> None:
    page = client.get("/pengaduan/untuk-orang-lain/")
    assert page.status_code == 200 and 'name="subject_name"' in page.content.decode()
    done = client.post("/pengaduan/untuk-orang-lain/", FORM)
    complaint = Complaint.objects.get()
    assert done.status_code == 200 and complaint.number in done.content.decode()
    assert complaint.filed_by == "relative" and complaint.client_ip == "127.0.0.1"
    again = client.post("/pengaduan/untuk-orang-lain/", FORM)  # a double submit: the same number
    assert complaint.number in again.content.decode() and Complaint.objects.count() == 1


def test_public_form_bad_input_is_a_readable_page(client: Client) -> None:
    bad = client.post("/pengaduan/untuk-orang-lain/", {**FORM, "filer_phone": "", "client_key": "x"})
    assert bad.status_code == 422 and 'data-field="filer_phone"' in bad.content.decode()
    assert 'value="Ahmad Yani"' in bad.content.decode()  # nothing typed is lost
    bad = client.post("/pengaduan/untuk-orang-lain/", {**FORM, "subject_birth_date": "01/02/1990"})
    assert bad.status_code == 422 and 'data-field="subject_birth_date"' in bad.content.decode()
    assert not Complaint.objects.exists()


def test_citizen_files_and_sees_my_complaints(citizen_user: User) -> None:
    client = Client()
    client.force_login(citizen_user)
    assert client.get("/pengaduan/baru/").status_code == 200
    done = client.post("/pengaduan/baru/", {"mission": KL, "category": "documents", "text": "Paspor ditahan.",
                                            "client_key": "k"})
    complaint = Complaint.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/pengaduan/{complaint.number}/"
    listing = client.get("/pengaduan/").content.decode()
    assert complaint.number in listing and 'data-testid="status"' in listing
    assert client.get(f"/pengaduan/{complaint.number}/").status_code == 200
    other = _file()
    assert client.get(f"/pengaduan/{other.number}/").status_code == 404
    assert Client().get("/pengaduan/").status_code == 302  # sign in first


def test_console_list_colours_filters_and_scope(officer: User, outsider: User, hq: User) -> None:
    red = _file(category="abuse")
    Complaint.objects.filter(pk=red.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    green = _file(category="documents", filer_phone="+6281234567002")
    sg = _file(mission_code="KBRI-SINGAPORE", filer_phone="+6281234567003")
    client = staff_client(officer)
    page = client.get("/konsol/pengaduan/").content.decode()
    assert red.number in page and green.number in page and sg.number not in page
    red_row = page[page.index(red.number) - 600:page.index(red.number)]
    assert 'data-rag="red"' in red_row and ("overdue" in red_row or "lewat" in red_row)  # in words too
    only_red = client.get("/konsol/pengaduan/?rag=red").content.decode()
    assert red.number in only_red and green.number not in only_red
    only_docs = client.get("/konsol/pengaduan/?category=documents").content.decode()
    assert green.number in only_docs and red.number not in only_docs
    assert client.get(f"/konsol/pengaduan/{sg.number}/").status_code == 404
    assert staff_client(outsider).get(f"/konsol/pengaduan/{red.number}/").status_code == 404
    assert AuditEvent.objects.filter(actor=outsider, action="complaint.view.denied").exists()
    everything = staff_client(hq).get("/konsol/pengaduan/").content.decode()
    assert red.number in everything and sg.number in everything
    assert AuditEvent.objects.filter(actor=officer, action="complaint.list").exists()


def test_console_detail_and_actions(officer: User, consul: User, siti: Citizen) -> None:
    complaint = _file(passport="X7654321")
    client = staff_client(officer)
    page = client.get(f"/konsol/pengaduan/{complaint.number}/")
    assert page.status_code == 200 and "Siti Aminah" in page.content.decode()
    assert AuditEvent.objects.filter(actor=officer, action="complaint.view", object_id=complaint.number).exists()
    base = f"/konsol/pengaduan/{complaint.number}"
    assert client.post(f"{base}/progress/").status_code == 302
    client.post(f"{base}/assign/", {"assignee": consul.pk})
    client.post(f"{base}/note/", {"note": "Menelepon majikan."})
    client.post(f"{base}/resolve/", {"note": "Gaji dibayar."})
    client.post(f"{base}/close/", {"note": ""})
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.assigned_to == consul
    client.post(f"{base}/reopen/", {"note": "Belum dibayar penuh."})
    complaint.refresh_from_db()
    assert complaint.status == "open"
    assert client.post(f"{base}/delete/").status_code == 404  # there is no delete
    assert Complaint.objects.filter(pk=complaint.pk).exists()
    history = client.get(f"{base}/").content.decode()
    assert "Menelepon majikan." in history


def test_officer_records_a_walk_in(officer: User) -> None:
    client = staff_client(officer)
    assert client.get("/konsol/pengaduan/baru/").status_code == 200
    done = client.post("/konsol/pengaduan/baru/", {**FORM, "channel": "walk_in"})
    complaint = Complaint.objects.get()
    assert done.status_code == 302 and complaint.filed_by == "officer" and complaint.assigned_to == officer


def test_api_files_lists_and_reads(citizen_user: User) -> None:
    client = Client()
    headers = bearer(citizen_user)
    body = {"mission": KL, "category": "detention", "text": "Ditahan polisi.", "client_key": "x1"}
    made = client.post("/api/v1/complaints/", body, content_type="application/json", headers=headers)
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    again = client.post("/api/v1/complaints/", body, content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.json()["number"] == number
    listed = client.get("/api/v1/complaints/", headers=headers).json()
    assert [c["number"] for c in listed] == [number]
    one = client.get(f"/api/v1/complaints/{number}", headers=headers).json()
    assert one["events"][0]["kind"] == "filed"


def test_api_bad_input_is_422_with_the_field(citizen_user: User) -> None:
    client = Client()
    headers = bearer(citizen_user)
    bad = client.post("/api/v1/complaints/", {"mission": KL, "category": "gossip", "text": "x"},
                      content_type="application/json", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    bad = client.post("/api/v1/complaints/", {"mission": KL, "category": "abuse"},
                      content_type="application/json", headers=headers)
    assert bad.status_code == 422 and "text" in str(bad.json())
    public = client.post("/api/v1/complaints/for-other", {**FORM, "filer_phone": "123"},
                         content_type="application/json")
    assert public.status_code == 422 and public.json()["errors"][0]["field"] == "filer_phone"
    made = client.post("/api/v1/complaints/for-other", FORM, content_type="application/json")
    assert made.status_code == 201 and made.json()["number"].startswith(KL)
