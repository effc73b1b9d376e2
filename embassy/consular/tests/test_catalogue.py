"""The service catalogue: headquarters' standard services from their data file (all or nothing, each problem
with its line and field), a mission's terms over them, its own services, the public pages a citizen reads
(also offline), and the console page where a mission sets its terms, hours and counters (audited, scoped)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from embassy.accounts.models import AuditEvent
from embassy.common.tests.factories import make_staff, staff_client
from embassy.consular.catalogue import COLUMNS, parse_services
from embassy.consular.models import Counter, MissionService, OpeningHours, Service
from embassy.consular.selectors import offers_for
from embassy.consular.services import catalogue_load
from embassy.missions.loader import DataFileError
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db
SRC = "https://example.org/peraturan"
HEADER = ",".join(COLUMNS)
GOOD = f"""# a comment
{HEADER}
passport-renewal,Penggantian paspor,Passport renewal,Paspor lama habis,Old passport expiring,Paspor lama | Bukti lapor diri,Old passport | Proof of registration,Pindaian paspor lama,Scan of the old passport,350000,IDR,3,yes,PP 28/2019,{SRC},2019
legalisation,Legalisasi dokumen,Legalisation of documents,,,Dokumen asli,The original document,,,,IDR,2,no,,{SRC},2020
"""


@pytest.fixture(autouse=True)
def _no_catalogue() -> None:
    Service.objects.all().delete()  # load_reference filled the test database with the shipped file's


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "consular_services.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_is_read_with_bilingual_lists_and_each_problem_named_by_line_and_field() -> None:
    rows = parse_services(GOOD)
    renewal = rows[0]
    assert renewal.requirements == [{"id": "Paspor lama", "en": "Old passport"},
                                    {"id": "Bukti lapor diri", "en": "Proof of registration"}]
    assert renewal.documents[0]["key"] == "scan-of-the-old-passport"
    assert renewal.documents[0]["max_mb"] == settings.CONSULAR_DOCUMENT_MAX_MB
    assert (renewal.fee, renewal.target_days, renewal.needs_appointment) == (Decimal(350000), 3, True)
    assert rows[1].fee is None and not rows[1].needs_appointment
    with pytest.raises(DataFileError) as err:
        parse_services(GOOD.replace("Paspor lama | Bukti lapor diri,Old passport | Proof of registration",
                                    "Paspor lama | Bukti,Old passport"))
    assert (err.value.line, err.value.column) == (3, "requirements_en") and "2 Indonesian items" in str(err.value)
    for good, broken, field in (("350000,IDR,3,yes", "350000,IDR,3,maybe", "needs_appointment"),
                                ("350000,IDR,3,yes", "3.5e,IDR,3,yes", "fee"),
                                ("350000,IDR,3,yes", "350000,rupiah,3,yes", "currency"),
                                ("350000,IDR,3,yes", "350000,IDR,400,yes", "target_days"),
                                ("passport-renewal,", "Passport Renewal,", "code"),
                                (f"{SRC},2019", "peraturan.pdf,2019", "sources")):
        with pytest.raises(DataFileError) as err:
            parse_services(GOOD.replace(good, broken))
        assert (err.value.line, err.value.column) == (3, field), broken
    with pytest.raises(DataFileError) as err:
        parse_services(GOOD + GOOD.splitlines()[2] + "\n")
    assert err.value.column == "code" and "twice" in str(err.value)


def test_loading_is_all_or_nothing_and_a_service_gone_from_the_file_is_deactivated(tmp_path: Path) -> None:
    assert catalogue_load(path=write(tmp_path, GOOD)) == {"services": 2, "created": 2, "updated": 0, "deactivated": 0}
    assert catalogue_load(path=write(tmp_path, GOOD)) == {"services": 2, "created": 0, "updated": 0, "deactivated": 0}
    with pytest.raises(DataFileError):
        catalogue_load(path=write(tmp_path, GOOD.replace("350000", "-1")))
    assert Service.objects.get(code="passport-renewal").fee == Decimal(350000)  # nothing of the bad file stored
    only_one = "\n".join(GOOD.splitlines()[:3]) + "\n"
    assert catalogue_load(path=write(tmp_path, only_one))["deactivated"] == 1
    assert not Service.objects.get(code="legalisation").active


def test_the_shipped_file_loads() -> None:
    path = Path(settings.DATA_DIR) / "consular_services.csv"
    result = catalogue_load(path=path)
    assert result["services"] >= 9 and result["services"] == Service.objects.filter(active=True).count()
    assert all(s.sources for s in Service.objects.all())


@pytest.fixture
def catalogue(tmp_path: Path) -> Mission:
    catalogue_load(path=write(tmp_path, GOOD))
    return Mission.objects.get(code="KBRI-SINGAPORE")


def test_a_mission_changes_fee_days_and_appointment_and_adds_its_own_service(catalogue: Mission) -> None:
    renewal = Service.objects.get(code="passport-renewal")
    MissionService.objects.create(mission=catalogue, service=renewal, fee=Decimal("30.50"), currency="SGD",
                                  target_days=1, needs_appointment=False)
    MissionService.objects.create(mission=catalogue, service=Service.objects.get(code="legalisation"), offered=False)
    Service.objects.create(code="kpis", mission=catalogue, name_id="Kartu pekerja", name_en="Worker card",
                           target_days=0, needs_appointment=False, sources=SRC)
    offers = {o.code: o for o in offers_for(mission=catalogue)}
    assert set(offers) == {"passport-renewal", "kpis"} and offers["kpis"].own
    o = offers["passport-renewal"]
    assert (o.fee, o.currency, o.target_days, o.needs_appointment) == (Decimal("30.50"), "SGD", 1, False)
    other = {o.code: o for o in offers_for(mission=Mission.objects.get(code="KBRI-KUALA-LUMPUR"))}
    assert set(other) == {"passport-renewal", "legalisation"} and other["passport-renewal"].fee == Decimal(350000)


def test_the_public_pages_in_indonesian_and_english(catalogue: Mission) -> None:
    OpeningHours.objects.create(mission=catalogue, weekday=6, opens=dt.time(9), closes=dt.time(15))
    client = Client()
    page = client.get(reverse("consular:mission", args=[catalogue.code])).content.decode()
    assert "Penggantian paspor" in page and "IDR 350.000" in page and "3 hari kerja" in page
    assert "Minggu" in page and "09:00–15:00" in page and catalogue.timezone in page
    page = client.get(reverse("consular:service", args=[catalogue.code, "passport-renewal"]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bukti lapor diri" in page or "Proof of registration" in page
    assert client.get(reverse("consular:service", args=[catalogue.code, "no-such"])).status_code == 404
    assert client.get(reverse("consular:mission", args=["NO-SUCH"])).status_code == 404
    index = client.get(reverse("consular:index"), {"q": "Singap"}).content.decode()
    assert reverse("consular:mission", args=[catalogue.code]) in index


def test_the_console_sets_terms_hours_and_counters_for_its_own_mission_only_and_audits(catalogue: Mission) -> None:
    officer = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    client = staff_client(officer)
    renewal = Service.objects.get(code="passport-renewal")
    url = reverse("console:consular-terms-save", args=[catalogue.code, renewal.pk])
    client.post(url, {"offered": "on", "fee": "30,50", "currency": "sgd", "target_days": "1",
                      "needs_appointment": "no"})
    terms = MissionService.objects.get(mission=catalogue, service=renewal)
    assert (terms.fee, terms.currency, terms.target_days, terms.needs_appointment) == (Decimal("30.50"), "SGD", 1,
                                                                                       False)
    assert AuditEvent.objects.filter(action="consular.terms", actor=officer, mission_code="KBRI-SINGAPORE").exists()
    page = client.post(url, {"offered": "on", "fee": "-5", "currency": "SGD"}, follow=True).content.decode()
    assert MissionService.objects.get(pk=terms.pk).fee == Decimal("30.50")  # refused, said on the page
    assert "negatif" in page.lower() or "negative" in page.lower()
    hours = {"d6_o1": "09:00", "d6_c1": "15:00", "d0_o1": "08:30", "d0_c1": "12:00", "d0_o2": "13:00",
             "d0_c2": "16:00"}
    client.post(reverse("console:consular-hours", args=[catalogue.code]), hours)
    assert list(OpeningHours.objects.filter(mission=catalogue).values_list("weekday", "opens")) == [
        (0, dt.time(8, 30)), (0, dt.time(13)), (6, dt.time(9))]
    client.post(reverse("console:consular-hours", args=[catalogue.code]), {"d1_o1": "12:00", "d1_c1": "09:00"})
    assert OpeningHours.objects.filter(mission=catalogue).count() == 3  # refused: closes before it opens
    client.post(reverse("console:consular-counter", args=[catalogue.code]),
                {"name": "Loket 1", "services": [str(renewal.pk)]})
    assert list(Counter.objects.get(mission=catalogue).services.all()) == [renewal]
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    assert client.get(reverse("console:consular-terms", args=[kl.code])).status_code == 404
    assert client.post(reverse("console:consular-terms-save", args=[kl.code, renewal.pk]),
                       {"fee": "1", "currency": "MYR"}).status_code == 404
    assert not MissionService.objects.filter(mission=kl).exists()
    social = staff_client(make_staff("KBRI-SINGAPORE", Role.SOCIAL_MEDIA_OFFICER))
    assert social.get(reverse("console:consular-terms-index")).status_code == 403
    admin = staff_client(make_staff("HQ-PWNI", Role.ADMINISTRATOR))
    assert admin.get(reverse("console:consular-terms", args=[kl.code])).status_code == 200
