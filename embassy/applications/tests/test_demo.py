"""`make run`'s applications_demo: a demo citizen's passport renewal (documents checked) and signed worker card at
KBRI Kuala Lumpur, through the product's services; run twice, it adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from embassy.accounts.demo import demo_staff_ensure
from embassy.applications.models import Application
from embassy.citizens.services import citizen_update
from embassy.citizens.tests.factories import CitizenUserFactory
from embassy.credentials.models import Credential

pytestmark = pytest.mark.django_db


def test_demo_application_and_card_for_the_demo_citizen() -> None:
    demo_staff_ensure()
    user = CitizenUserFactory.create(email="siti.rahayu@example.com")
    citizen_update(citizen=user.citizen, actor=None, data={"nik": "3171014101900021", "passport_number": "X7654021"})
    call_command("applications_demo", verbosity=0)
    call_command("applications_demo", verbosity=0)  # idempotent
    [application] = Application.objects.filter(citizen=user.citizen)
    assert application.mission.code == "KBRI-KUALA-LUMPUR" and application.status == "documents_checked"
    assert application.documents.count() >= 2
    [card] = Credential.objects.filter(citizen=user.citizen)
    assert card.kind == "worker_card" and card.fields["employer"].endswith("(demo)")
    assert set(card.consented) >= {"employer", "job"}
    assert card.token and card.issued_by is not None and card.issued_by.username == "kl.consular"


def test_demo_is_skipped_without_the_demo_people() -> None:
    call_command("applications_demo", verbosity=0)
    assert not Application.objects.exists() and not Credential.objects.exists()
