"""enquiries_demo: a few enquiries on the newest active crisis, once; nothing without an active crisis; the
periodic follow-up task runs."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from embassy.enquiries.models import Enquiry
from embassy.enquiries.tasks import enquiries_follow_up
from embassy.enquiries.tests.helpers import flood, person

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent() -> None:
    out = StringIO()
    call_command("enquiries_demo", stdout=out)
    assert "no active crisis" in out.getvalue()
    person("Dewi Lestari", birth=dt.date(1994, 3, 12))
    crisis = flood()
    call_command("enquiries_demo", stdout=out)
    call_command("enquiries_demo", stdout=out)
    statuses = sorted(Enquiry.objects.filter(crisis=crisis).values_list("status", flat=True))
    assert statuses == ["matched", "sought", "sought"]
    assert "already" in out.getvalue()
    assert "matched" in enquiries_follow_up.call()
