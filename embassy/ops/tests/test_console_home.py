"""The console's home page counts active stays through the citizens' scoping."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.services import staff_create
from embassy.common.tests.factories import PASSWORD, make_citizen_with_stay, make_staff, staff_client
from embassy.missions.models import Role

KL = (3.1390, 101.6869)
pytestmark = pytest.mark.django_db


def _active_stays(client) -> str:
    page = client.get("/konsol/").content.decode()
    return page.split('data-testid="active-stays">', 1)[1].split("<", 1)[0]


def test_a_mission_sees_its_stays_and_headquarters_every_stay() -> None:
    make_citizen_with_stay(*KL, nik="3171014101900001", passport="X7654321")
    make_citizen_with_stay(*KL, nik="3171014101900002", passport="B1234567", name="Budi KL")
    assert _active_stays(staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))) == "2"
    assert _active_stays(staff_client(make_staff("KBRI-TOKYO", Role.CONSULAR_OFFICER))) == "0"
    assert _active_stays(staff_client(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))) == "2"


def test_staff_with_no_mission_sees_no_stays() -> None:
    make_citizen_with_stay(*KL)
    user = staff_create(username="nomission", password=PASSWORD, email="nomission@example.org")
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    response = staff_client(user).get("/konsol/")
    assert response.status_code == 200
    assert _active_stays(staff_client(user)) == "0"


def test_the_console_menu_links_the_outbox_for_those_who_may_read_it() -> None:
    outbox = f'href="{reverse("console:notify-log")}"'
    assert outbox in staff_client(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)).get("/konsol/").content.decode()
    assert outbox not in staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER)).get("/konsol/").content.decode()
