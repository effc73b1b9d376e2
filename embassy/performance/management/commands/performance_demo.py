"""`make run`: a made-up past year at the demo missions (appointments, queue tickets, applications and IKM
answers; embassy.performance.synthetic, small volumes), then the rollup of every mission, so that /kinerja/ and
/kinerja/<code>/ show figures at once. Idempotent: a mission that already has the demo's rows is left alone (the
rollup runs every time). Demo installations only: the figures are invented."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from embassy.citizens.models import Citizen
from embassy.consular.models import Booking
from embassy.missions.models import Mission
from embassy.performance.rollup import rollup_all
from embassy.performance.synthetic import Volume, year_of_activity

DEMO = {"KBRI-KUALA-LUMPUR": 0.02, "KBRI-SINGAPORE": 0.012, "KJRI-HONG-KONG": 0.01}


class Command(BaseCommand):
    help = "Demo: a made-up past year of consular work and survey answers at three missions, then the rollup."

    def handle(self, *args: Any, **options: Any) -> None:
        citizens = list(Citizen.objects.order_by("id").values_list("id", flat=True)[:300])
        now = timezone.now()
        for seed, (code, factor) in enumerate(DEMO.items(), 1):
            mission = Mission.objects.filter(code=code).first()
            if mission is None or not citizens:
                self.stdout.write(f"performance demo: {code} skipped (run load_reference and seed_demo first)")
                continue
            if Booking.objects.filter(slot__mission=mission, reference__startswith=f"Z{mission.pk % 100:02d}").exists():
                continue
            made = year_of_activity(mission=mission, volume=Volume().scaled(factor), citizens=citizens, now=now,
                                    seed=seed, casework=False)
            self.stdout.write(f"performance demo: {code}: {made}")
        rows = rollup_all(now=now)
        self.stdout.write(f"performance demo: {rows} rollup rows")
