"""The SOS console offers what the services accept (embassy.accounts.staff): the take-duty button to those who
may sign on, and in the assign list the officers a case may go to."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Role
from embassy.sos.models import DutyOfficer
from embassy.sos.tests.test_sos import KL, _post

pytestmark = pytest.mark.django_db
KL_CODE = "KBRI-KUALA-LUMPUR"


def test_the_take_duty_button_shows_to_those_who_may_take_duty() -> None:
    officer, consular = make_staff(KL_CODE, Role.PROTECTION_OFFICER), make_staff(KL_CODE, Role.CONSULAR_OFFICER)
    assert 'data-testid="duty"' in staff_client(officer).get("/konsol/sos/").content.decode()
    web = staff_client(consular)
    assert 'data-testid="duty"' not in web.get("/konsol/sos/").content.decode()
    web.post("/konsol/sos/tugas/", {"mission": KL_CODE, "on": "1"})  # refused, as before
    assert not DutyOfficer.objects.filter(user=consular).exists()


def test_the_assign_list_is_who_may_take_the_case(client: Client) -> None:
    officer = make_staff(KL_CODE, Role.PROTECTION_OFFICER, username="kl.duty")
    consular = make_staff(KL_CODE, Role.CONSULAR_OFFICER, username="kl.consular")
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="hq.analyst")
    social = make_staff(KL_CODE, Role.SOCIAL_MEDIA_OFFICER, username="kl.social")
    digital = make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY, username="hq.digital")
    other = make_staff("KBRI-SINGAPORE", Role.PROTECTION_OFFICER, username="sg.duty")
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "assign-list-1", **KL}, bearer(make_citizen_user()))
    assert r.status_code == 201, r.content
    page = staff_client(officer).get(f"/konsol/sos/{r.json()['id']}/").content.decode()
    select = re.search(r'<select id="as".*?</select>', page, re.S)
    assert select is not None
    listed = {int(x) for x in re.findall(r'<option value="(\d+)"', select.group(0))}
    assert listed == {officer.pk, consular.pk, analyst.pk}
    assert not listed & {social.pk, digital.pk, other.pk}
