"""The mission of a person who has not reported a stay (issue 10, point 7): a phone in Malaysia is told
"your mission: KBRI Kuala Lumpur", not headquarters; and a refused sign-in code shows the hotline to call."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from embassy.accounts.reach import hotline_for_person, mission_for_person, phone_country

pytestmark = pytest.mark.django_db


def test_the_phone_number_tells_the_country() -> None:
    assert phone_country("+60123456789") == "MY"
    assert phone_country("+6281234567890") == "ID"
    assert phone_country("+85291234567") == "HK"
    assert phone_country("siti@example.com") == "" and phone_country("") == "" and phone_country("+999") == ""


@pytest.mark.parametrize(("phone", "lat", "lon", "code"), [
    ("+60123456789", None, None, "KBRI-KUALA-LUMPUR"),  # a Malaysian number, no position: the embassy
    ("+6281234567890", None, None, "HQ-PWNI"),  # a number from home: headquarters
    ("siti@example.com", None, None, "HQ-PWNI"),  # nothing to go by
    ("", 3.1390, 101.6869, "KBRI-KUALA-LUMPUR"),  # a position in Kuala Lumpur
    ("+6281234567890", 3.1390, 101.6869, "KBRI-KUALA-LUMPUR"),  # the position wins over the number
    ("+60123456789", 1.3521, 103.8198, "KBRI-SINGAPORE"),  # an Indonesian abroad with a Malaysian SIM
])
def test_the_mission_for_a_person_without_a_stay(phone: str, lat: float | None, lon: float | None,
                                                  code: str) -> None:
    mission = mission_for_person(phone=phone, lat=lat, lon=lon)
    assert mission is not None and mission.code == code


def test_a_bad_position_falls_back_to_the_number() -> None:
    mission = mission_for_person(phone="+60123456789", lat=123.0, lon=500.0)
    assert mission is not None and mission.code == "KBRI-KUALA-LUMPUR"


def test_the_hotline_is_the_missions_else_headquarters() -> None:
    mission, hotline = hotline_for_person(phone="+60123456789")
    assert mission is not None and mission.code == "KBRI-KUALA-LUMPUR"
    assert hotline.number == mission.hotline and not hotline.fallback
    mission.hotline = ""
    mission.save(update_fields=["hotline"])
    _mission, hotline = hotline_for_person(phone="+60123456789")
    assert hotline.fallback and hotline.number == "+6281290070027"  # headquarters' citizen-protection line


def test_a_refused_code_page_shows_the_missions_hotline_as_a_link(settings: Any) -> None:
    settings.SIGNIN_CODE_MAX_PER_HOUR = 1
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert web.post("/masuk/", {"address": "+60123456789"}).status_code == 200
    page = web.post("/masuk/", {"address": "+60123456789"})
    assert page.status_code == 429
    html = page.content.decode()
    assert 'data-testid="limit-hotline"' in html
    assert 'href="tel:+60176688032"' in html and "Kuala Lumpur" in html and 'class="call tel"' in html
    assert html.count("+60176688032") == 2  # the link's target and its text, not a third time in the message
    # by e-mail, nothing tells the country: headquarters' hotline
    web.post("/masuk/", {"address": "wati@example.com"})
    html = web.post("/masuk/", {"address": "wati@example.com"}).content.decode()
    assert 'href="tel:+6281290070027"' in html and "Protection of Indonesian Citizens" in html
    # the API says it in words, as before
    api = Client().post("/api/v1/auth/code", {"address": "+60123456789"}, content_type="application/json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 429 and "+60176688032" in api.json()["detail"]


def test_the_locked_page_shows_the_headquarters_hotline(settings: Any) -> None:
    from embassy.common.tests.factories import make_staff

    make_staff("KBRI-KUALA-LUMPUR", "protection_officer", username="lock.me")
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page = web.post("/staf/masuk/", {"username": "lock.me", "password": "wrong"})
    assert page.status_code == 429
    assert 'href="tel:+6281290070027"' in page.content.decode()
