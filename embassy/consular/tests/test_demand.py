"""Unmet demand is counted in memory and written in batches (embassy.consular.demand): at a slot release the
refusals do not each wait for the database's writer, and every count still reaches capacity planning."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from embassy.consular import demand
from embassy.consular.booking import demand_note
from embassy.consular.models import Demand, Service
from embassy.missions.models import Mission


# The batch is written by a timer thread's own connection, so the test commits for real (and the tables are
# flushed after it; the next transactional test loads the reference data again: conftest).
@pytest.mark.django_db(transaction=True)
def test_counts_are_written_together_within_the_flush_interval(settings: Any) -> None:
    settings.CONSULAR_DEMAND_FLUSH_SECONDS = 0.3
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    service = Service.objects.get(code="passport-renewal", mission__isnull=True)
    now = timezone.now()
    for i in range(25):
        demand_note(mission=mission, service=service, kind=Demand.Kind.FULL, now=now + dt.timedelta(seconds=i))
    assert Demand.objects.count() == 0  # not one write per refusal
    deadline = time.monotonic() + 5
    while Demand.objects.count() < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Demand.objects.filter(kind="full", mission=mission, service=service).count() == 25
    demand_note(mission=mission, service=service, kind=Demand.Kind.NO_SLOT, now=now)
    assert demand.flush() == 1 and Demand.objects.count() == 26  # and at once when asked (at exit)
    assert demand.flush() == 0


@pytest.mark.django_db
def test_with_no_interval_each_count_is_written_at_once(settings: Any) -> None:
    settings.CONSULAR_DEMAND_FLUSH_SECONDS = 0
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    service = Service.objects.get(code="passport-renewal", mission__isnull=True)
    demand_note(mission=mission, service=service, kind=Demand.Kind.FULL)
    assert Demand.objects.count() == 1
