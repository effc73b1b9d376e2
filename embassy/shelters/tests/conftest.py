"""Fixtures of the shelters tests: KBRI Kuala Lumpur's shelter with three beds, its protection officer, an officer
of KBRI Singapura (another mission), a headquarters analyst, a registered citizen living in Kuala Lumpur."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import make_citizen_with_stay, make_staff, verified
from embassy.complaints.models import Complaint
from embassy.missions.models import Mission, Role
from embassy.shelters.models import Shelter
from embassy.shelters.services import shelter_create

KL = ZoneInfo("Asia/Kuala_Lumpur")
KL_POINT = (3.139, 101.6869)
SG_POINT = (1.3521, 103.8198)


@pytest.fixture
def kl() -> Mission:
    return Mission.objects.get(code="KBRI-KUALA-LUMPUR")


@pytest.fixture
def officer(kl: Mission) -> User:
    return verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl.pwni"))


@pytest.fixture
def sg_officer() -> User:
    return verified(make_staff("KBRI-SINGAPORE", Role.PROTECTION_OFFICER, username="sg.pwni"))


@pytest.fixture
def analyst() -> User:
    return verified(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="hq.pwni"))


@pytest.fixture
def shelter(kl: Mission, officer: User) -> Shelter:
    return shelter_create(actor=officer, mission_id=kl.pk, name="Shelter KBRI KL", beds=3, kind=Shelter.Kind.WOMEN)


@pytest.fixture
def citizen() -> Citizen:
    return make_citizen_with_stay(*KL_POINT, name="Siti Aminah")


def complaint_for(mission: Mission, citizen: Citizen | None, number: str = "KL-2026-0001") -> Complaint:
    now = timezone.now()
    return Complaint.objects.create(number=number, mission=mission, citizen=citizen,
                                    subject_name=citizen.full_name if citizen else "Tanpa Nama",
                                    category="abuse", filed_by="officer", text="Lari dari majikan", filed_at=now,
                                    updated_at=now)


def kl_time(y: int, m: int, d: int, h: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=KL)
