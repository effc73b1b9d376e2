"""Fixtures of the applications tests: a mission with two counters, a citizen with an account, documents as
a phone sends them, uploads stored in a temporary folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from embassy.accounts.models import User
from embassy.applications.models import Application
from embassy.applications.services import application_submit
from embassy.common.tests.factories import make_citizen_user, make_staff, verified
from embassy.consular.models import Counter
from embassy.missions.models import Mission, Role

SG = ZoneInfo("Asia/Singapore")
FRIDAY = dt.datetime(2027, 1, 8, 10, tzinfo=SG)  # a Friday morning in Singapore
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RENEWAL_DOCS = ("data-page-of-the-old-passport", "residence-or-work-permit")
RENEWAL_ANSWERS = {"reason": "expired", "passport_expiry": "2026-12-01"}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def mission() -> Mission:
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    Counter.objects.create(mission=mission, name="Loket 1")
    Counter.objects.create(mission=mission, name="Loket 2")
    return mission


@pytest.fixture
def citizen_user() -> User:
    return make_citizen_user("siti@example.com")


@pytest.fixture
def officer(mission: Mission) -> User:
    return verified(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def renewal_files() -> dict[str, Any]:
    return {RENEWAL_DOCS[0]: pdf(), RENEWAL_DOCS[1]: png()}


def submit(user: User, mission: Mission, now: dt.datetime = FRIDAY, **kwargs: Any) -> Application:
    args: dict[str, Any] = {
        "answers": RENEWAL_ANSWERS,
        "files": renewal_files(),
        "service_code": "passport-renewal",
    }
    args.update(kwargs)
    return application_submit(user=user, mission_code=mission.code, now=now, **args).application
