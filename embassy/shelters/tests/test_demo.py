"""`make run`'s shelters_demo: a demo shelter at KBRI Kuala Lumpur and KBRI Singapura with residents at each step
of the pipeline, through the services; run twice, it adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from embassy.accounts.demo import demo_staff_ensure
from embassy.accounts.models import User
from embassy.common.tests.factories import make_citizen_with_stay, verified
from embassy.shelters import selectors
from embassy.shelters.models import Residence, Shelter
from embassy.shelters.tests.conftest import KL_POINT, SG_POINT

pytestmark = pytest.mark.django_db


def test_demo_shelters_with_residents_at_each_step() -> None:
    demo_staff_ensure()
    for n in range(6):
        make_citizen_with_stay(*KL_POINT, name=f"Demo KL {n}", nik=f"31710141019000{10 + n}", passport=f"X76540{10 + n}")
        make_citizen_with_stay(*SG_POINT, name=f"Demo SG {n}", nik=f"31710141019000{30 + n}", passport=f"X76540{30 + n}")
    call_command("shelters_demo", verbosity=0)
    call_command("shelters_demo", verbosity=0)  # idempotent
    assert sorted(Shelter.objects.values_list("mission__code", flat=True)) == ["KBRI-KUALA-LUMPUR", "KBRI-SINGAPORE"]
    assert Residence.objects.count() == 14
    assert Residence.objects.filter(citizen__isnull=True).count() == 2
    kl = verified(User.objects.get(username="kl.protection"))
    board = selectors.repatriation_board(user=kl)
    assert [(b.next_step, b.stuck_days) for b in board] == [
        ("documents", 30), ("arrival", 20), ("exit_permit", 14), ("ticket", 6), ("departure", 2)]
    [shelter] = selectors.shelters_for(user=kl)
    assert shelter.present == 5  # type: ignore[attr-defined]


def test_demo_is_skipped_without_the_demo_people() -> None:
    call_command("shelters_demo", verbosity=0)
    assert not Shelter.objects.exists()
