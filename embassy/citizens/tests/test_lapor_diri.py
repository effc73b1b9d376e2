"""Lapor diri beyond the basics: details by purpose, changing a stay, passport and family members (the upkeep of
stays is test_lapor_diri_upkeep.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen, Dependant, Stay
from embassy.citizens.services import (
    dependant_add,
    dependant_remove,
    stay_register,
    stay_update,
    stay_verify,
)
from embassy.citizens.tests.factories import CitizenFactory, DependantFactory
from embassy.citizens.tests.places import JEDDAH, JOHOR, KL, SINGAPORE, START
from embassy.citizens.validation import imo_validate
from embassy.common.errors import BadInput, NotFound
from embassy.common.tests.factories import (
    bearer,
    make_citizen_user,
    make_citizen_with_stay,
    make_staff,
    staff_client,
    verified,
)
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def _citizen(name: str = "Test") -> Citizen:
    return CitizenFactory.create(full_name=name)



def _errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- Details by purpose -------------------------------------------------------------------------------------------
def test_details_of_each_purpose_are_kept_and_others_dropped() -> None:
    citizen = _citizen()
    work = stay_register(citizen=citizen, actor=None, lat=KL[0], lon=KL[1], purpose="work", start_date=START,
                         occupation="domestic_worker", employer="Keluarga Tan", employer_address="Jalan Ampang 1",
                         employer_phone="+60 12-345 6789", institution="ignored for work")
    assert (work.employer, work.employer_address, work.employer_phone) == ("Keluarga Tan", "Jalan Ampang 1", "+60123456789")
    assert work.institution == ""
    study = stay_register(citizen=citizen, actor=None, country="EG", purpose="study", start_date=START,
                          institution="Al-Azhar University", employer="dropped")
    assert study.institution == "Al-Azhar University" and study.employer == ""
    hajj = stay_register(citizen=citizen, actor=None, lat=JEDDAH[0], lon=JEDDAH[1], purpose="pilgrimage",
                         pilgrimage_kind="Hajj", organiser="KBIH Al-Hikmah", start_date=START)
    assert (hajj.pilgrimage_kind, hajj.organiser, hajj.mission.code) == ("hajj", "KBIH Al-Hikmah", "KJRI-JEDDAH")
    crew = stay_register(citizen=citizen, actor=None, country="SG", purpose="crew", vessel_name="MV Samudra Jaya",
                         vessel_imo="IMO 9074729", vessel_flag="pan", start_date=START)
    assert (crew.vessel_name, crew.vessel_imo, crew.vessel_flag) == ("MV Samudra Jaya", "9074729", "PA")
    other = stay_register(citizen=citizen, actor=None, country="JP", purpose="other", purpose_detail="Conference",
                          start_date=START)
    assert other.purpose_detail == "Conference"


@pytest.mark.parametrize(("details", "field"), [
    ({"purpose": "pilgrimage"}, "pilgrimage_kind"),
    ({"purpose": "pilgrimage", "pilgrimage_kind": "ziarah"}, "pilgrimage_kind"),
    ({"purpose": "crew", "vessel_name": "MV X", "vessel_imo": "9074728"}, "vessel_imo"),
    ({"purpose": "crew", "vessel_name": "MV X", "vessel_imo": "12345"}, "vessel_imo"),
    ({"purpose": "crew", "vessel_imo": "9074729"}, "vessel_name"),
    ({"purpose": "crew", "vessel_name": "MV X", "vessel_flag": "QQ"}, "vessel_flag"),
    ({"purpose": "work", "employer_phone": "0812"}, "employer_phone"),
    ({"purpose": "sightseeing"}, "purpose"),
    ({"purpose": "other", "location_purge_days": 45}, "location_purge_days"),
    ({"purpose": "other", "bogus": "x"}, "bogus"),
    ({"purpose": "other", "purpose_detail": "x" * 301}, "purpose_detail"),
])
def test_stay_details_are_validated_with_the_field_named(details: dict, field: str) -> None:
    citizen = _citizen()
    with pytest.raises(BadInput) as exc:
        stay_register(citizen=citizen, actor=None, country="MY", start_date=START, **details)
    assert exc.value.field == field
    assert not Stay.objects.filter(citizen=citizen).exists()


def test_imo_check_digit() -> None:
    assert imo_validate("9074729") == "9074729"
    assert imo_validate(" imo 9176187 ") == "9176187"
    assert imo_validate("") == ""
    for bad in ("9074720", "907472", "90747290", "IMO-ABCDEFG"):
        with pytest.raises(BadInput):
            imo_validate(bad)


# --- Changing a stay ----------------------------------------------------------------------------------------------
def test_moving_a_stay_reroutes_it_and_the_verification_lapses() -> None:
    citizen = make_citizen_with_stay(*KL)
    stay = citizen.stays.get()
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))
    stay_verify(actor=officer, stay_id=stay.pk)
    stay_update(stay=stay, actor=None, data={"city": "Kuala Lumpur"})  # a detail: same mission, still verified
    stay.refresh_from_db()
    assert stay.verified_at is not None and stay.mission.code == "KBRI-KUALA-LUMPUR"

    stay_update(stay=stay, actor=None, data={"lat": JOHOR[0], "lon": JOHOR[1]})
    stay.refresh_from_db()
    assert (stay.mission.code, stay.routing_rule, stay.country_id) == ("KJRI-JOHOR-BAHRU", "subdivision", "MY")
    assert stay.verified_at is None and stay.verified_by is None
    event = AuditEvent.objects.filter(action="stay.update", object_id=str(stay.pk)).latest("id")
    assert event.detail["mission"] == {"from": "KBRI-KUALA-LUMPUR", "to": "KJRI-JOHOR-BAHRU"}

    stay_update(stay=stay, actor=None, data={"country": "SA"})  # a country without a point: its mission
    stay.refresh_from_db()
    assert (stay.country_id, stay.mission.code, stay.lat, stay.cell) == ("SA", "KBRI-RIYADH", None, None)
    assert stay.routing_rule == "country-default"  # Saudi Arabia is shared by two missions


def test_update_validates_like_registration_and_changes_nothing_on_error() -> None:
    citizen = make_citizen_with_stay(*KL)
    stay = citizen.stays.get()
    with pytest.raises(BadInput) as exc:
        stay_update(stay=stay, actor=None, data={"end_date": dt.date(2025, 1, 1)})
    assert exc.value.field == "end_date"
    with pytest.raises(BadInput) as exc:
        stay_update(stay=stay, actor=None, data={"country": "SG", "lat": KL[0], "lon": KL[1]})
    assert exc.value.field == "country"
    with pytest.raises(BadInput) as exc:
        stay_update(stay=stay, actor=None, data={"purpose": "pilgrimage"})
    assert exc.value.field == "pilgrimage_kind"
    with pytest.raises(BadInput) as exc:
        stay_update(stay=stay, actor=None, data={"status": "ended"})
    assert exc.value.field == "status"
    stay.refresh_from_db()
    assert (stay.purpose, stay.end_date, stay.country_id) == ("other", None, "MY")
    stay_update(stay=stay, actor=None, data={"purpose": "pilgrimage", "pilgrimage_kind": "umrah"})
    stay.refresh_from_db()
    assert (stay.purpose, stay.pilgrimage_kind) == ("pilgrimage", "umrah")


def test_patch_a_stay_through_the_api() -> None:
    user = make_citizen_user()
    client = Client()
    auth = bearer(user)
    created = client.post("/api/v1/me/stays", json.dumps({"lat": KL[0], "lon": KL[1], "purpose": "work",
                                                          "employer": "Tan", "start_date": "2026-01-01"}),
                          content_type="application/json", headers=auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["mission"] == "KBRI-KUALA-LUMPUR" and body["location_purge_days"] == 30 and body["confirmed_at"]
    moved = client.patch(f"/api/v1/me/stays/{body['id']}", json.dumps({"lat": SINGAPORE[0], "lon": SINGAPORE[1]}),
                         content_type="application/json", headers=auth)
    assert moved.status_code == 200, moved.content
    assert (moved.json()["mission"], moved.json()["country"], moved.json()["employer"]) == ("KBRI-SINGAPORE", "SG", "Tan")
    bad = client.patch(f"/api/v1/me/stays/{body['id']}", json.dumps({"vessel_imo": "123", "purpose": "crew",
                                                                      "vessel_name": "MV X"}),
                       content_type="application/json", headers=auth)
    assert bad.status_code == 422 and "vessel_imo" in _errors(bad)
    other = make_citizen_user()
    assert client.patch(f"/api/v1/me/stays/{body['id']}", json.dumps({"city": "x"}), content_type="application/json",
                        headers=bearer(other)).status_code == 404


# --- Passport -----------------------------------------------------------------------------------------------------
def test_passport_given_with_the_stay_is_saved_encrypted_with_a_warning_when_it_expires_soon() -> None:
    user = make_citizen_user()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    page = client.get("/lapor-diri/").content.decode()
    assert 'name="passport_number"' in page and 'name="passport_expiry"' in page
    end = dt.date.today() + dt.timedelta(days=60)
    expiry = end + dt.timedelta(days=90)  # less than six months after the stay
    response = client.post("/lapor-diri/", {"country": "SG", "purpose": "tourism", "start_date": dt.date.today(),
                                            "end_date": end, "passport_number": "c 1234567",
                                            "passport_expiry": expiry}, follow=True)
    assert response.status_code == 200
    assert "less than six months after your stay ends" in response.content.decode()
    citizen = Citizen.objects.get(user=user)
    assert citizen.passport_number == "C1234567" and citizen.passport_expiry == expiry
    with connection.cursor() as cursor:
        cursor.execute("SELECT passport_number FROM citizens_citizen WHERE id = %s", [citizen.pk])
        assert "C1234567" not in cursor.fetchone()[0]
    assert 'name="passport_number"' not in client.get("/lapor-diri/").content.decode()  # asked only once
    api = client.get("/api/v1/me/stays").json()
    assert "six months" in api[0]["passport_warning"]

    bad = client.post("/lapor-diri/", {"country": "SG", "purpose": "tourism", "start_date": dt.date.today()})
    assert bad.status_code == 302  # a passport on file: no passport fields any more
    fresh = make_citizen_user()
    client.force_login(fresh)
    wrong = client.post("/lapor-diri/", {"country": "SG", "purpose": "tourism", "start_date": dt.date.today(),
                                         "passport_number": "12"})
    assert wrong.status_code == 422 and "6 to 12 letters" in wrong.content.decode()
    assert not Stay.objects.filter(citizen__user=fresh).exists()


# --- Family members -----------------------------------------------------------------------------------------------
def test_dependants_crud_with_passport_encrypted_at_rest() -> None:
    citizen = _citizen()
    wife = dependant_add(citizen=citizen, actor=None, full_name="Aisyah", relationship="spouse",
                         birth_date=dt.date(1992, 5, 1), passport_number="B 7654321")
    son = dependant_add(citizen=citizen, actor=None, full_name="Kenji", relationship="child", nationality="jpn")
    assert wife.nationality == "ID" and wife.is_citizen
    assert son.nationality == "JP" and not son.is_citizen
    with connection.cursor() as cursor:
        cursor.execute("SELECT passport_number FROM citizens_dependant WHERE id = %s", [wife.pk])
        raw = cursor.fetchone()[0]
    assert "B7654321" not in raw and raw.startswith("ek1:")
    assert Dependant.objects.get(pk=wife.pk).passport_number == "B7654321"
    for bad, field in (({"full_name": " "}, "full_name"), ({"relationship": "cousin"}, "relationship"),
                       ({"nationality": "ZZ"}, "nationality"), ({"passport_number": "1"}, "passport_number"),
                       ({"birth_date": dt.date.today() + dt.timedelta(days=3)}, "birth_date")):
        fields: dict[str, Any] = {"full_name": "X", **bad}
        with pytest.raises(BadInput) as exc:
            dependant_add(citizen=citizen, actor=None, **fields)
        assert exc.value.field == field
    stay = stay_register(citizen=citizen, actor=None, country="JP", start_date=START, dependants=[son.pk])
    assert list(stay.dependants.all()) == [son]
    stranger = dependant_add(citizen=_citizen("Other"), actor=None, full_name="Not mine")
    with pytest.raises(BadInput) as exc:
        stay_update(stay=stay, actor=None, data={"dependants": [son.pk, stranger.pk]})
    assert exc.value.field == "dependants"
    dependant_remove(citizen=citizen, actor=None, dependant_id=son.pk)
    assert not stay.dependants.exists()
    with pytest.raises(NotFound):
        dependant_remove(citizen=citizen, actor=None, dependant_id=stranger.pk)
    assert AuditEvent.objects.filter(action="dependant.add", citizen_id=citizen.pk).count() == 2


def test_dependants_api_and_pages() -> None:
    user = make_citizen_user()
    auth = bearer(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    made = client.post("/api/v1/me/dependants", json.dumps({"full_name": "Budi Jr", "relationship": "child",
                                                             "passport_number": "X1234567"}),
                       content_type="application/json", headers=auth)
    assert made.status_code == 201 and made.json()["is_citizen"] is True
    bad = client.post("/api/v1/me/dependants", json.dumps({"full_name": "", "relationship": "pet"}),
                      content_type="application/json", headers=auth)
    assert bad.status_code == 422 and "full_name" in _errors(bad)
    assert [d["full_name"] for d in client.get("/api/v1/me/dependants", headers=auth).json()] == ["Budi Jr"]

    client.force_login(user)
    assert client.post("/profil/keluarga/", {"full_name": "Yuki", "relationship": "spouse",
                                            "nationality": "JP"}).status_code == 302
    profile = client.get("/profil/").content.decode()
    assert "Budi Jr" in profile and "Yuki" in profile and "not a citizen" in profile
    form = client.get("/lapor-diri/").content.decode()
    assert "Family members with me there" in form and "Yuki" in form
    yuki = Dependant.objects.get(full_name="Yuki")
    assert client.post("/lapor-diri/", {"country": "JP", "purpose": "family", "start_date": "2026-01-01",
                                        "dependants": [yuki.pk]}).status_code == 302
    assert list(Stay.objects.get(citizen__user=user).dependants.all()) == [yuki]
    assert client.post(f"/profil/keluarga/{yuki.pk}/hapus/").status_code == 302
    assert client.delete(f"/api/v1/me/dependants/{made.json()['id']}", headers=auth).status_code == 204
    assert not Dependant.objects.filter(citizen__user=user).exists()


def test_console_record_shows_dependants_in_the_audited_read() -> None:
    citizen = make_citizen_with_stay(*KL, name="Siti Keluarga")
    DependantFactory.create(citizen=citizen, full_name="Anak Siti", passport_number="A1234567")
    client = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    page = client.get(f"/konsol/warga/{citizen.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Anak Siti" in page.content.decode() and "A1234567" in page.content.decode()
    assert AuditEvent.objects.filter(action="citizen.view", citizen_id=citizen.pk).exists()
