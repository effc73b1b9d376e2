"""`make run`: demo consular set-up for three missions, so that booking, the counter and the dashboard can be
tried at once — opening hours, two counters, slots for the next 14 days open now and a batch for the 14 days
after announced for release in three days. Demo installations only (the hours are the demo's, not the
missions' published ones); a mission that already has opening hours is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from embassy.consular.booking import slots_release
from embassy.consular.models import Counter, OpeningHours, Service
from embassy.missions.models import Mission

DEMO = {
    # mission: (weekdays with morning and afternoon spans); Hong Kong also opens on Sunday, the workers' day off
    "KBRI-KUALA-LUMPUR": [0, 1, 2, 3, 4],
    "KBRI-SINGAPORE": [0, 1, 2, 3, 4, 6],
    "KJRI-HONG-KONG": [0, 1, 2, 3, 4, 6],
}


class Command(BaseCommand):
    help = "Demo opening hours, counters and released appointment slots for three missions."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        services = list(Service.objects.filter(mission__isnull=True, needs_appointment=True, active=True))
        for code, weekdays in DEMO.items():
            mission = Mission.objects.filter(code=code).first()
            if mission is None or OpeningHours.objects.filter(mission=mission).exists():
                continue
            with transaction.atomic():
                for day in weekdays:
                    OpeningHours.objects.create(mission=mission, weekday=day, opens=dt.time(9), closes=dt.time(12))
                    OpeningHours.objects.create(mission=mission, weekday=day, opens=dt.time(13), closes=dt.time(15))
                for name in ("Loket 1", "Loket 2"):
                    Counter.objects.get_or_create(mission=mission, name=name)
                today = now.astimezone(ZoneInfo(mission.timezone)).date()
                made = 0
                for service in services:
                    made += slots_release(mission=mission, service=service, first_day=today + dt.timedelta(days=1),
                                          days=14, minutes=30, per_counter=1, released_at=now - dt.timedelta(hours=1))
                    made += slots_release(mission=mission, service=service, first_day=today + dt.timedelta(days=15),
                                          days=14, minutes=30, per_counter=1, released_at=now + dt.timedelta(days=3))
            self.stdout.write(f"consular demo: {mission.code}: hours, 2 counters, {made:,} slots")
