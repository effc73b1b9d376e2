"""The console pages and the API: scoped to the officer's missions (another mission's shelter or resident is a
404, headquarters reads all), reads of residents audited, bad input answered with the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from embassy.accounts.models import AuditEvent, User
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import bearer, staff_client
from embassy.missions.models import Mission
from embassy.shelters import selectors, services
from embassy.shelters.models import Residence, Shelter, Step
from embassy.shelters.tests.conftest import complaint_for

pytestmark = pytest.mark.django_db


def test_the_officers_pages(officer: User, shelter: Shelter, citizen: Citizen) -> None:
    client = staff_client(officer)
    index = client.get("/konsol/shelter/")
    assert index.status_code == 200 and "Shelter KBRI KL" in index.content.decode()
    found = client.get(f"/konsol/shelter/{shelter.pk}/masuk/", {"q": "siti"}).content.decode()
    assert f"citizen={citizen.pk}" in found
    chosen = client.get(f"/konsol/shelter/{shelter.pk}/masuk/", {"q": "siti", "citizen": str(citizen.pk)})
    assert 'data-testid="chosen"' in chosen.content.decode()
    done = client.post(f"/konsol/shelter/{shelter.pk}/masuk/", {"citizen_id": citizen.pk, "repatriation": "1"})
    r = Residence.objects.get(citizen=citizen)
    assert done.status_code == 302 and done["Location"] == f"/konsol/shelter/penghuni/{r.pk}/"
    page = client.get(f"/konsol/shelter/{shelter.pk}/").content.decode()
    assert "Siti Aminah" in page and 'value="1"' in page  # one bed of three in use (the meter)
    detail = client.get(f"/konsol/shelter/penghuni/{r.pk}/").content.decode()
    assert 'data-testid="step-form"' in detail and 'value="documents"' in detail
    today = r.repatriation_waiting_since
    assert today is not None
    assert client.post(f"/konsol/shelter/penghuni/{r.pk}/langkah/",
                       {"step": "documents", "done_on": today.isoformat()}).status_code == 302
    board = client.get("/konsol/shelter/pemulangan/").content.decode()
    assert "Siti Aminah" in board and 'data-step="exit_permit"' in board
    client.post(f"/konsol/shelter/penghuni/{r.pk}/keluar/", {"reason": "other_shelter"})
    r.refresh_from_db()
    assert r.checked_out_at is not None
    report = client.get(f"/konsol/shelter/{shelter.pk}/hunian/")
    assert report.status_code == 200 and 'data-testid="day"' in report.content.decode()
    csv = client.get(f"/konsol/shelter/{shelter.pk}/hunian.csv", {"start": today.isoformat(), "end": today.isoformat()})
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "date,beds,occupied,free,arrivals,departures,average_stay_days"
    assert lines[1].startswith(f"{today.isoformat()},3,0,3,1,1,")
    assert client.get(f"/konsol/shelter/{shelter.pk}/hunian/", {"start": "2026-13-01"}).status_code == 302
    assert AuditEvent.objects.filter(action="shelter.residence.view", actor=officer).exists()
    assert AuditEvent.objects.filter(action="shelter.residents", actor=officer).exists()
    assert AuditEvent.objects.filter(action="shelter.board", actor=officer).exists()


def test_check_in_form_errors_keep_what_was_typed(officer: User, shelter: Shelter) -> None:
    client = staff_client(officer)
    for n in range(3):
        services.residence_check_in(actor=officer, shelter=shelter, person_name=f"P{n}")
    full = client.post(f"/konsol/shelter/{shelter.pk}/masuk/", {"person_name": "Ani", "note": "luka ringan"})
    body = full.content.decode()
    assert full.status_code == 422 and 'data-field="overflow"' in body and "luka ringan" in body
    assert 'data-testid="overflow"' in body
    ok = client.post(f"/konsol/shelter/{shelter.pk}/masuk/", {"person_name": "Ani", "overflow": "1"})
    assert ok.status_code == 302 and Residence.objects.get(person_name="Ani").overflow


def test_another_mission_gets_404(shelter: Shelter, officer: User, sg_officer: User, analyst: User) -> None:
    r = services.residence_check_in(actor=officer, shelter=shelter, person_name="Ani")
    sg = staff_client(sg_officer)
    assert "Shelter KBRI KL" not in sg.get("/konsol/shelter/").content.decode()
    for url in (f"/konsol/shelter/{shelter.pk}/", f"/konsol/shelter/{shelter.pk}/masuk/",
                f"/konsol/shelter/{shelter.pk}/hunian/", f"/konsol/shelter/{shelter.pk}/pemulangan/",
                f"/konsol/shelter/penghuni/{r.pk}/"):
        assert sg.get(url).status_code == 404, url
    assert sg.post(f"/konsol/shelter/penghuni/{r.pk}/keluar/", {"reason": "left"}).status_code == 404
    headers = bearer(sg_officer)
    assert Client().get(f"/api/v1/shelters/{shelter.pk}", headers=headers).status_code == 404
    assert Client().get(f"/api/v1/shelters/residences/{r.pk}", headers=headers).status_code == 404
    # Headquarters reads every mission's shelters, but checks nobody in or out.
    hq = staff_client(analyst)
    assert hq.get(f"/konsol/shelter/penghuni/{r.pk}/").status_code == 200
    page = hq.get(f"/konsol/shelter/{shelter.pk}/").content.decode()
    assert "Ani" in page and 'data-testid="check-in-link"' not in page
    assert hq.get(f"/konsol/shelter/{shelter.pk}/masuk/").status_code == 403
    hq.post(f"/konsol/shelter/penghuni/{r.pk}/keluar/", {"reason": "left"})
    r.refresh_from_db()
    assert r.checked_out_at is None


def test_the_api(officer: User, shelter: Shelter, citizen: Citizen, kl: Mission) -> None:
    api, headers = Client(), bearer(officer)
    listed = api.get("/api/v1/shelters/", headers=headers).json()
    assert [(s["name"], s["beds"], s["free"]) for s in listed] == [("Shelter KBRI KL", 3, 3)]
    complaint = complaint_for(kl, citizen, "KL-9")
    made = api.post(f"/api/v1/shelters/{shelter.pk}/residences", content_type="application/json", headers=headers,
                    data={"citizen_id": citizen.pk, "complaint_number": "KL-9", "repatriation": True,
                          "checked_in_at": "2026-11-01T10:00:00+08:00"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["citizen_id"] == citizen.pk and body["complaint_number"] == complaint.number
    assert body["next_step"] == "documents" and body["checked_in_local"].endswith("UTC+8")
    rid = body["id"]
    bad = api.post(f"/api/v1/shelters/residences/{rid}/check-out", content_type="application/json",
                   headers=headers, data={"checked_out_at": "2026-10-31T10:00:00+08:00", "reason": "left"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "checked_out_at"
    naive = api.post(f"/api/v1/shelters/{shelter.pk}/residences", content_type="application/json", headers=headers,
                     data={"person_name": "Ani", "checked_in_at": "2026-11-01T10:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "checked_in_at"
    wrong = api.post(f"/api/v1/shelters/residences/{rid}/steps", content_type="application/json", headers=headers,
                     data={"step": "ticket", "done_on": "2026-11-02"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "step"
    step = api.post(f"/api/v1/shelters/residences/{rid}/steps", content_type="application/json", headers=headers,
                    data={"step": "documents", "done_on": "2026-11-02"})
    assert step.status_code == 201 and step.json()["steps"][0]["done_by"] == officer.username
    for n in range(2):
        api.post(f"/api/v1/shelters/{shelter.pk}/residences", content_type="application/json", headers=headers,
                 data={"person_name": f"P{n}"})
    full = api.post(f"/api/v1/shelters/{shelter.pk}/residences", content_type="application/json", headers=headers,
                    data={"person_name": "P3"})
    assert full.status_code == 422 and full.json()["errors"][0]["field"] == "overflow"
    detail = api.get(f"/api/v1/shelters/{shelter.pk}", headers=headers).json()
    assert detail["present"] == 3 and detail["free"] == 0 and len(detail["residents"]) == 3
    board = api.get("/api/v1/shelters/board", headers=headers).json()
    assert [(b["person_name"], b["next_step"]) for b in board] == [("Siti Aminah", Step.EXIT_PERMIT.value)]
    rep = api.get(f"/api/v1/shelters/{shelter.pk}/occupancy", {"start": "2026-11-01", "end": "2026-11-03"},
                  headers=headers).json()
    assert [d["occupied"] for d in rep["days"]] == [1, 1, 1] and rep["arrivals"] == 1
    assert api.get(f"/api/v1/shelters/{shelter.pk}/occupancy", {"start": "x"},
                   headers=headers).json()["errors"][0]["field"] == "start"
    out = api.post(f"/api/v1/shelters/residences/{rid}/check-out", content_type="application/json",
                   headers=headers, data={"reason": "repatriated"})
    assert out.status_code == 200 and out.json()["checked_out_at"] is not None
    assert Client().get("/api/v1/shelters/").status_code == 401


def test_residences_for_citizen(officer: User, shelter: Shelter, citizen: Citizen, sg_officer: User,
                                analyst: User) -> None:
    services.residence_check_in(actor=officer, shelter=shelter, citizen_id=citizen.pk,
                                at=dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC))
    assert [r.shelter for r in selectors.residences_for_citizen(user=officer, citizen_id=citizen.pk)] == [shelter]
    assert len(selectors.residences_for_citizen(user=analyst, citizen_id=citizen.pk)) == 1
    assert not selectors.residences_for_citizen(user=sg_officer, citizen_id=citizen.pk).exists()
    assert AuditEvent.objects.filter(action="shelter.residences.citizen", citizen_id=citizen.pk).count() == 3
