from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from embassy.accounts.demo import demo_staff_ensure
from embassy.complaints import sla
from embassy.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_colour_and_runs_twice() -> None:
    demo_staff_ensure()
    call_command("complaints_demo", stdout=io.StringIO())
    count = Complaint.objects.count()
    assert count >= 6
    now = timezone.now()
    colours = {sla.rag(c, now).code for c in Complaint.objects.all()}
    assert {"red", "amber", "green", "waiting", "done"} <= colours
    call_command("complaints_demo", stdout=io.StringIO())
    assert Complaint.objects.count() == count
