"""A ready SPLP application gets its SPLP: a signed credential (embassy.credentials) printed as PDF with a
verifiable QR; only once, only when ready, only for an SPLP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from embassy.accounts.models import User
from embassy.applications.models import Application, Status
from embassy.applications.services import application_advance, application_splp_issue
from embassy.applications.tests.conftest import pdf, submit
from embassy.common.errors import BadInput, Conflict
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.credentials.models import Credential
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db
EXPIRES = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)  # credentials checks against today's date


def _splp(user: User, mission: Mission, document: str = "splp") -> Application:
    return submit(
        user,
        mission,
        service_code="passport-lost-splp",
        answers={"document": document, "lost_on": "2027-01-02", "destination": "Jakarta"},
        files={"police-loss-report": pdf(), "two-proofs-of-citizenship-e-ktp-family-c": pdf()},
    )


def _ready(application: Application, officer: User) -> None:
    for to in (Status.DOCUMENTS_CHECKED, Status.IN_PROCESS, Status.READY):
        application_advance(actor=officer, application=application, to=to)


def test_a_ready_splp_application_is_issued_once_and_printed(citizen_user: User, mission: Mission) -> None:
    officer = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    officer = verified(officer)
    application = _splp(citizen_user, mission)
    with pytest.raises(Conflict):  # not ready yet
        application_splp_issue(
            actor=officer,
            application=application,
            birth_date="1990-05-01",
            birth_place="",
            expires_on=EXPIRES,
        )
    _ready(application, officer)
    with pytest.raises(BadInput) as err:  # the record has no date of birth and none was given
        application_splp_issue(
            actor=officer, application=application, birth_date=None, birth_place="", expires_on=EXPIRES
        )
    assert err.value.field == "birth_date"
    credential = application_splp_issue(
        actor=officer,
        application=application,
        birth_date="1990-05-01",
        birth_place="Surabaya",
        expires_on=EXPIRES,
    )
    application.refresh_from_db()
    assert application.credential_serial == credential.serial and credential.kind == "splp"
    assert credential.fields["destination"] == "Jakarta" and credential.fields["birth_place"] == "Surabaya"
    with pytest.raises(Conflict):
        application_splp_issue(
            actor=officer,
            application=application,
            birth_date="1990-05-01",
            birth_place="",
            expires_on=EXPIRES,
        )
    assert Credential.objects.count() == 1
    client = staff_client(officer)
    page = client.get(reverse("console:applications-detail", args=[mission.code, application.reference]))
    printed = client.get(reverse("console:credentials-pdf", args=[mission.code, credential.serial]))
    assert credential.serial in page.content.decode()
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")


def test_only_an_splp_application_gets_an_splp_and_the_console_form_says_why(
    citizen_user: User, mission: Mission
) -> None:
    officer = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    client = staff_client(officer)
    passport = _splp(citizen_user, mission, document="passport")
    officer = verified(officer)
    _ready(passport, officer)
    with pytest.raises(Conflict):
        application_splp_issue(
            actor=officer, application=passport, birth_date="1990-05-01", birth_place="", expires_on=EXPIRES
        )
    splp = _splp(citizen_user, mission)
    _ready(splp, officer)
    url = reverse("console:applications-splp", args=[mission.code, splp.reference])
    page = client.post(url, {"birth_date": "1990-02-30", "expires_on": EXPIRES.isoformat()}, follow=True)
    assert page.status_code == 200 and not Credential.objects.exists()
    client.post(url, {"birth_date": "1990-02-03", "birth_place": "Medan", "expires_on": EXPIRES.isoformat()})
    assert Application.objects.get(pk=splp.pk).credential_serial == Credential.objects.get().serial
