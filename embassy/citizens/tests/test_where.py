"""Where citizens are: counts for every staff role, scoped, never names."""

from __future__ import annotations

import pytest
from django.test import Client

from embassy.citizens.models import Citizen
from embassy.citizens.services import dependant_add
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def _stay(name: str, lat: float, lon: float, purpose: str = "work") -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name), lat=lat, lon=lon, purpose=purpose).citizen


def test_counts_by_country_and_purpose_are_scoped_and_carry_no_names(client: Client) -> None:
    ani = _stay("Ani KL", 3.139, 101.6869)
    _stay("Budi KL", 3.15, 101.7, purpose="study")
    _stay("Citra Jeddah", 21.5433, 39.1728)
    family = dependant_add(citizen=ani, actor=None, full_name="Dina", relationship="child")
    stay = ani.stays.get()
    stay.dependants.add(family)
    social = bearer(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="where.social"))
    r = client.get("/api/v1/staff/where?by=purpose", headers=social)  # counts are for every role
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"] == 2 and body["dependants"] == 1
    assert {row["key"]: row["stays"] for row in body["rows"]} == {"work": 1, "study": 1}
    assert b"Ani" not in r.content and b"Budi" not in r.content
    hq = bearer(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY, username="where.hq"))
    countries = {row["key"]: row["stays"] for row in client.get("/api/v1/staff/where", headers=hq).json()["rows"]}
    assert countries == {"MY": 2, "SA": 1}
    assert client.get("/api/v1/staff/where?mission=KJRI-JEDDAH", headers=social).status_code == 403
    assert client.get("/api/v1/staff/where?by=passport", headers=social).status_code == 422
    assert client.get("/api/v1/staff/where", headers=bearer(make_citizen_user())).status_code == 403
    assert client.get("/api/v1/staff/where").status_code == 401
