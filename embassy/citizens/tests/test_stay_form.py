"""The lapor diri form as a person uses it (issue 10, point 3): places by name, family members in the same submit,
duplicate warnings to confirm past, an error summary with each error by its field, the confirmation naming the
mission and its hotline, a first page without the map's scripts, times in the stay's local time."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from embassy.accounts.models import User
from embassy.citizens.models import Dependant, Stay
from embassy.citizens.selectors import stay_timezone
from embassy.citizens.services import dependant_add, stay_location_purge, stay_register
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db
TODAY = dt.date.today().isoformat()
KL = (3.1390, 101.6869)


def _client(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _form(**values: object) -> dict[str, object]:
    """A stay form as the page sends it (family management fields included)."""
    return {"purpose": "work", "start_date": TODAY, "location_purge_days": "30", "family-TOTAL_FORMS": "0",
            "family-INITIAL_FORMS": "0", "family-MIN_NUM_FORMS": "0", "family-MAX_NUM_FORMS": "10", **values}


def _family(*rows: tuple[str, str]) -> dict[str, str]:
    data = {"family-TOTAL_FORMS": str(len(rows))}
    for i, (name, relationship) in enumerate(rows):
        data[f"family-{i}-full_name"] = name
        data[f"family-{i}-relationship"] = relationship
    return data


# --- Places by name ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "country", "city", "mission"), [
    ("Kuala Lumpur", "MY", "Kuala Lumpur", "KBRI-KUALA-LUMPUR"),
    ("Kuala Lumpur, Malaysia", "MY", "Kuala Lumpur", "KBRI-KUALA-LUMPUR"),
    ("Mekah", "SA", "Makkah", "KJRI-JEDDAH"),
    ("Makkah", "SA", "Makkah", "KJRI-JEDDAH"),
    ("Mecca", "SA", "Makkah", "KJRI-JEDDAH"),
    ("Jeddah", "SA", "Jeddah", "KJRI-JEDDAH"),
    ("Hongkong", "HK", "Hong Kong", "KJRI-HONG-KONG"),
    ("hong kong", "HK", "Hong Kong", "KJRI-HONG-KONG"),
    ("Johor Bahru", "MY", "Johor Bahru", "KJRI-JOHOR-BAHRU"),
])
def test_a_typed_city_is_found_without_javascript_and_routes_the_stay(typed: str, country: str, city: str,
                                                                      mission: str) -> None:
    user = make_citizen_user()
    response = _client(user).post("/lapor-diri/", _form(place=typed))
    stay = Stay.objects.get(citizen__user=user)
    assert response.status_code == 302 and response["Location"] == f"/lapor-diri/{stay.pk}/terkirim/"
    assert (stay.country_id, stay.city, stay.mission.code) == (country, city, mission)
    assert stay.lat is not None and stay.cell is not None


def test_several_matches_are_offered_and_the_choice_is_kept() -> None:
    user = make_citizen_user()
    client = _client(user)
    ask = client.post("/lapor-diri/", _form(place="kuala"))
    page = ask.content.decode()
    assert ask.status_code == 422 and "Choose your place from the list below." in page
    assert 'name="place_pick"' in page and "Kuala Terengganu, Malaysia" in page
    assert not Stay.objects.filter(citizen__user=user).exists()
    options = re.findall(r'name="place_pick" value="(\d+)"[^>]*> ([^<]+)</label>', page)
    pick = next(value for value, label in options if label.startswith("Kuala Terengganu"))
    assert client.post("/lapor-diri/", _form(place="kuala", place_pick=pick)).status_code == 302
    assert Stay.objects.get(citizen__user=user).city == "Kuala Terengganu"


def test_an_unknown_place_or_none_is_an_error_on_the_place_field() -> None:
    user = make_citizen_user()
    client = _client(user)
    for values, message in (({"place": "Xyzzyqwv"}, "We do not know this place."),
                            ({}, "Type the city or town where you stay, or use your location.")):
        response = client.post("/lapor-diri/", _form(**values))
        page = response.content.decode()
        assert response.status_code == 422 and message in page
        assert 'aria-invalid="true" aria-describedby="id_place_error"' in page
        assert f'<a href="#id_place">{message}' in page
    assert not Stay.objects.filter(citizen__user=user).exists()


def test_a_country_alone_still_goes_to_that_countrys_mission() -> None:
    user = make_citizen_user()
    assert _client(user).post("/lapor-diri/", _form(country="SA")).status_code == 302
    stay = Stay.objects.get(citizen__user=user)
    assert (stay.country_id, stay.lat, stay.mission.code) == ("SA", None, "KBRI-RIYADH")


def test_a_place_chosen_in_the_page_is_shown_by_name_never_as_coordinates() -> None:
    user = make_citizen_user()
    client = _client(user)
    # What the page's script sends after a suggestion or the phone's position: the point, the name, the country.
    sent = client.post("/lapor-diri/", _form(place="Kuala Lumpur, Malaysia", lat="3.158", lon="101.712",
                                             city="Kuala Lumpur", country="MY"), follow=True)
    page = sent.content.decode()
    stay = Stay.objects.get(citizen__user=user)
    assert (stay.lat, stay.lon, stay.mission.code) == (3.158, 101.712, "KBRI-KUALA-LUMPUR")
    assert "Kuala Lumpur, Malaysia" in page and "3.158" not in page and "101.712" not in page
    edit = client.get(f"/lapor-diri/{stay.pk}/").content.decode()
    assert 'value="Kuala Lumpur, Malaysia"' in edit
    assert not re.search(r">[^<]*3\.158", edit)  # the point only in the hidden field, never as text


# --- Family members in the same submit ------------------------------------------------------------------------------
def test_family_members_are_added_with_the_stay_in_one_submit() -> None:
    user = make_citizen_user()
    response = _client(user).post("/lapor-diri/", _form(place="Kuala Lumpur", occupation="domestic_worker",
                                                        **_family(("Putri Rahayu", "child"))))
    assert response.status_code == 302
    stay = Stay.objects.get(citizen__user=user)
    child = Dependant.objects.get(citizen__user=user)
    assert (child.full_name, child.relationship, child.nationality) == ("Putri Rahayu", "child", "ID")
    assert list(stay.dependants.all()) == [child] and stay.occupation == "domestic_worker"


def test_a_bad_family_row_is_shown_by_that_row_and_nothing_is_saved() -> None:
    user = make_citizen_user()
    response = _client(user).post("/lapor-diri/", _form(place="Kuala Lumpur",
                                                        **_family(("Putri", "child"), ("Adi", ""))))
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_family-1-relationship"' in page and 'href="#id_family-1-relationship"' in page
    assert 'aria-describedby="id_family-1-relationship_error"' in page
    assert not Stay.objects.filter(citizen__user=user).exists() and not Dependant.objects.exists()


def test_add_a_family_member_without_javascript_shows_one_more_row_and_saves_nothing() -> None:
    user = make_citizen_user()
    response = _client(user).post("/lapor-diri/", _form(place="Kuala Lumpur", add_family="1",
                                                        **_family(("Putri", "child"))))
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" not in page
    assert 'name="family-TOTAL_FORMS" value="2"' in page and 'name="family-1-full_name"' in page
    assert 'value="Putri"' in page and 'value="Kuala Lumpur"' in page
    assert not Stay.objects.exists() and not Dependant.objects.exists()


# --- Duplicates: warnings the person confirms past ------------------------------------------------------------------
def test_the_same_family_member_twice_is_a_warning_that_can_be_confirmed() -> None:
    user = make_citizen_user()
    dependant_add(citizen=user.citizen, actor=user, full_name="Putri Rahayu", relationship="child")
    client = _client(user)
    twice = _form(place="Jeddah", **_family(("Adi", "child"), ("adi ", "child"), ("Putri  Rahayu", "child")))
    warned = client.post("/lapor-diri/", twice)
    page = warned.content.decode()
    assert warned.status_code == 409 and 'data-testid="duplicate-warning"' in page
    assert "adi is entered twice." in page and "Putri Rahayu is already in your family list." in page
    assert not Stay.objects.filter(citizen__user=user).exists() and Dependant.objects.count() == 1
    assert client.post("/lapor-diri/", {**twice, "confirm": "on"}).status_code == 302
    assert Stay.objects.get(citizen__user=user).dependants.count() == 3


def test_a_second_active_stay_in_the_same_city_is_a_warning_that_can_be_confirmed() -> None:
    user = make_citizen_user()
    stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], city="Kuala Lumpur",
                  start_date=dt.date.today() - dt.timedelta(days=30))
    client = _client(user)
    warned = client.post("/lapor-diri/", _form(place="Kuala Lumpur"))
    assert warned.status_code == 409
    assert "You already reported a stay in Kuala Lumpur" in warned.content.decode()
    assert Stay.objects.filter(citizen__user=user).count() == 1
    assert client.post("/lapor-diri/", _form(place="Kuala Lumpur", confirm="on")).status_code == 302
    assert Stay.objects.filter(citizen__user=user).count() == 2
    # Another city, or a stay that has ended, is no duplicate.
    assert client.post("/lapor-diri/", _form(place="Penang")).status_code == 302


# --- A failed send: the summary at the top, each error by its field ---------------------------------------------------
def test_a_failed_send_lists_every_error_at_the_top_linked_to_its_field() -> None:
    user = make_citizen_user()
    response = _client(user).post("/lapor-diri/", _form(place="Kuala Lumpur", start_date="", end_date="2001-01-01",
                                                        purpose=""))
    page = response.content.decode()
    assert response.status_code == 422
    summary = re.search(r'<div class="error-summary" tabindex="-1" role="alert".*?</div>', page, re.S)
    assert summary is not None
    links = re.findall(r'<a href="#([\w-]+)">', summary.group(0))
    assert links == ["id_purpose", "id_start_date"]
    for said in ("Choose what you are doing there.", "Enter the date you arrived there."):  # each says which field
        assert said in summary.group(0)
    assert 'id="id_start_date_error"' in page and 'aria-describedby="id_start_date_error"' in page
    assert re.search(r'<input type="date" name="start_date"[^>]*aria-invalid="true"', page)
    assert 'aria-describedby="id_purpose_error"' in page
    # A domain error (the end date before the start) is also listed and shown by its field.
    late = _client(user).post("/lapor-diri/", _form(place="Kuala Lumpur", start_date=TODAY, end_date="2001-01-01"))
    assert late.status_code == 422 and 'href="#id_end_date"' in late.content.decode()
    assert not Stay.objects.filter(citizen__user=user).exists()


# --- After sending -----------------------------------------------------------------------------------------------
def test_the_confirmation_names_the_mission_its_hotline_and_the_local_time() -> None:
    user = make_citizen_user()
    _client(user, "id").post("/lapor-diri/", _form(place="Kuala Lumpur"))
    stay = Stay.objects.get(citizen__user=user)
    page = _client(user, "id").get(f"/lapor-diri/{stay.pk}/terkirim/").content.decode()
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    assert kl.hotline and f'href="tel:{kl.hotline}"' in page and kl.name_id in page
    assert "Kuala Lumpur, Malaysia" in page
    assert "UTC+8" in page  # the time of the place (Kuala Lumpur), not UTC


def test_the_confirmation_falls_back_to_the_headquarters_hotline() -> None:
    user = make_citizen_user()
    Mission.objects.filter(code="KJRI-JEDDAH").update(hotline="")
    _client(user).post("/lapor-diri/", _form(place="Jeddah"))
    stay = Stay.objects.get(citizen__user=user)
    page = _client(user).get(f"/lapor-diri/{stay.pk}/terkirim/").content.decode()
    hq = Mission.objects.get(kind=Mission.Kind.HQ)
    assert f'href="tel:{hq.hotline}"' in page and "lists no hotline" in page
    other = make_citizen_user()
    assert _client(other).get(f"/lapor-diri/{stay.pk}/terkirim/").status_code == 404


# --- Wording and weight of the first page --------------------------------------------------------------------------
def test_the_form_speaks_plainly_and_loads_no_map_until_asked() -> None:
    user = make_citizen_user()
    page = _client(user, "en").get("/lapor-diri/").content.decode()
    for words in ("What you are doing there", "Arrived there (date)", "Until when (leave empty if you do not know yet)",
                  "30 days after I tell you I have left", "Choose on a map", "Add a family member"):
        assert words in page, words
    scripts = re.findall(r'<script src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert not [s for s in scripts + styles if "leaflet" in s or "map-pick" in s], scripts + styles
    assert "Tujuan" not in _client(user, "id").get("/lapor-diri/").content.decode()


def test_editing_without_touching_the_place_keeps_a_deleted_location_deleted() -> None:
    user = make_citizen_user()
    stay = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], city="Kuala Lumpur",
                         start_date=dt.date(2026, 1, 1))
    stay_location_purge(stay=stay, actor=user)
    client = _client(user)
    page = client.get(f"/lapor-diri/{stay.pk}/").content.decode()
    assert 'value="Kuala Lumpur, Malaysia"' in page
    assert re.search(r"deleted on <time datetime=\"[^\"]+Z\"[^>]*>[^<]+UTC\+8</time>", page)  # Kuala Lumpur's time
    saved = client.post(f"/lapor-diri/{stay.pk}/", _form(place="Kuala Lumpur, Malaysia", country="MY",
                                                         start_date="2026-01-01", employer="Tan"))
    assert saved.status_code == 302
    stay.refresh_from_db()
    assert (stay.lat, stay.employer, stay.mission.code) == (None, "Tan", "KBRI-KUALA-LUMPUR")


# --- Local time ------------------------------------------------------------------------------------------------------
def test_a_stay_is_read_in_its_places_time_zone() -> None:
    citizen = make_citizen_user().citizen
    kl = stay_register(citizen=citizen, actor=None, lat=KL[0], lon=KL[1], start_date=dt.date(2026, 1, 1))
    jeddah = stay_register(citizen=citizen, actor=None, country="SA", start_date=dt.date(2026, 1, 1))
    assert stay_timezone(kl) == "Asia/Kuala_Lumpur" and stay_timezone(jeddah) == "Asia/Riyadh"


def test_console_record_in_indonesian_translates_relationships_and_shows_mission_time() -> None:
    user = make_citizen_user()
    stay = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], start_date=dt.date(2026, 1, 1))
    dependant_add(citizen=user.citizen, actor=user, full_name="Putri", relationship="child")
    Stay.objects.filter(pk=stay.pk).update(verified_at=timezone.now())
    console = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    page = console.get(f"/konsol/warga/{user.citizen.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Putri (Anak)" in page and "(child)" not in page
    assert "UTC+8" in page  # the verification time in the mission's zone


def test_family_members_added_when_changing_a_stay_join_those_ticked() -> None:
    user = make_citizen_user()
    wife = dependant_add(citizen=user.citizen, actor=user, full_name="Aisyah", relationship="spouse")
    stay = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], city="Kuala Lumpur",
                         start_date=dt.date(2026, 1, 1), dependants=[wife.pk])
    client = _client(user)
    edit = {"place": "Kuala Lumpur, Malaysia", "lat": str(KL[0]), "lon": str(KL[1]), "city": "Kuala Lumpur",
            "country": "MY", "start_date": "2026-01-01"}
    assert client.post(f"/lapor-diri/{stay.pk}/", _form(**edit, dependants=[wife.pk],
                                                        **_family(("Putri", "child")))).status_code == 302
    assert sorted(stay.dependants.values_list("full_name", flat=True)) == ["Aisyah", "Putri"]
    again = client.post(f"/lapor-diri/{stay.pk}/", _form(**edit, **_family(("Putri", "child"))))
    assert again.status_code == 409 and "Putri is already in your family list." in again.content.decode()
    assert client.post(f"/lapor-diri/{stay.pk}/", _form(**edit, **_family(("Bayu", "child")))).status_code == 302
    assert sorted(stay.dependants.values_list("full_name", flat=True)) == ["Bayu"]  # nothing ticked: only Bayu


def test_the_api_adds_family_members_with_the_stay() -> None:
    user = make_citizen_user()
    made = Client().post("/api/v1/me/stays", json.dumps({
        "lat": KL[0], "lon": KL[1], "purpose": "work", "start_date": TODAY,
        "family": [{"full_name": "Putri", "relationship": "child"}]}), content_type="application/json", headers=bearer(user))
    assert made.status_code == 201, made.content
    assert list(Stay.objects.get(pk=made.json()["id"]).dependants.values_list("full_name", flat=True)) == ["Putri"]
    bad = Client().post("/api/v1/me/stays", json.dumps({
        "country": "MY", "start_date": TODAY, "family": [{"full_name": " ", "relationship": "child"}]}),
        content_type="application/json", headers=bearer(user))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "family-0-full_name"
    assert Stay.objects.filter(citizen__user=user).count() == 1
