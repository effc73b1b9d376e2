"""Fixtures of the complaints tests: KBRI Kuala Lumpur's staff at every level, an officer of another mission,
headquarters, a registered citizen with a stay in Kuala Lumpur, and a relative's complaint as the form sends it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import make_citizen_user, make_citizen_with_stay, make_staff, verified
from embassy.complaints.services import ComplaintIn
from embassy.missions.models import Mission, Role

KL = "KBRI-KUALA-LUMPUR"
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def kl() -> Mission:
    return Mission.objects.get(code=KL)


@pytest.fixture
def officer() -> User:
    return verified(make_staff(KL, Role.PROTECTION_OFFICER, username="kl.prot"))


@pytest.fixture
def consul() -> User:
    return verified(make_staff(KL, Role.HEAD_OF_CONSULAR, username="kl.consul"))


@pytest.fixture
def head() -> User:
    return verified(make_staff(KL, Role.HEAD_OF_MISSION, username="kl.head"))


@pytest.fixture
def hq() -> User:
    return verified(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="hq.analyst"))


@pytest.fixture
def outsider() -> User:
    return verified(make_staff("KBRI-SINGAPORE", Role.PROTECTION_OFFICER, username="sg.prot"))


@pytest.fixture
def siti() -> Citizen:
    return make_citizen_with_stay(3.139, 101.6869, name="Siti Aminah", nik="3171014101900001", passport="X7654321")


@pytest.fixture
def citizen_user() -> User:
    return make_citizen_user("budi@example.com")


def relative_form(**over: Any) -> ComplaintIn:
    fields: dict[str, Any] = {
        "mission_code": KL, "category": "unpaid_salary", "text": "Gaji belum dibayar 4 bulan.",
        "subject_name": "Siti Aminah", "subject_birth_date": dt.date(1990, 1, 1), "place": "Cheras",
        "filer_name": "Ahmad Yani", "filer_relation": "kakak", "filer_phone": "+6281234567001",
        "filer_email": "ahmad@example.com"}
    fields.update(over)
    return ComplaintIn(**fields)


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()
