from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from embassy.accounts.demo import demo_staff_ensure
from embassy.citizens.demo import demo_clear, demo_generate
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.services import citizen_update, contact_add, stay_register
from embassy.common.models import Marker
from embassy.missions.models import Mission

DEMO_CITIZENS = [
    # email, name, lat, lon, city, purpose, occupation, employer
    ("siti.rahayu@example.com", "Siti Rahayu", 3.1390, 101.6869, "Kuala Lumpur", "work", "domestic_worker", "Keluarga Tan"),
    ("budi.santoso@example.com", "Budi Santoso", 21.5433, 39.1728, "Jeddah", "work", "professional", "Saudi Aramco"),
    ("dewi.lestari@example.com", "Dewi Lestari", 22.3193, 114.1694, "Hong Kong", "work", "domestic_worker", "Household"),
]


class Command(BaseCommand):
    help = "Create the demo population (deterministic for a seed): citizens abroad, stays, contacts, staff."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--citizens", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="regenerate even if this population exists")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        n, seed = options["citizens"], options["seed"]
        if n < 0:
            raise CommandError("--citizens must be >= 0")
        if not Mission.objects.exists():
            raise CommandError("No missions loaded: run `manage.py load_reference` first.")
        demo_staff_ensure()
        self._named_citizens()
        marker = Marker.objects.filter(key="demo.population").first()
        existing = Citizen.objects.filter(source="demo").count()
        if not options["force"] and marker and marker.value == {"citizens": n, "seed": seed} and existing == n:
            self.stdout.write(f"demo population already present ({n:,} citizens, seed {seed}); nothing to do")
            return
        t0 = time.perf_counter()
        removed = demo_clear()
        t1 = time.perf_counter()
        made = demo_generate(citizens=n, seed=seed, progress=not options["quiet"] and n >= 200_000)
        elapsed = time.perf_counter() - t1
        Marker.objects.update_or_create(key="demo.population", defaults={"value": {"citizens": n, "seed": seed}})
        rate = made / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"demo population: removed {removed:,}, created {made:,} citizens in {elapsed:.1f}s "
            f"({rate:,.0f}/s; clearing took {t1 - t0:.1f}s)"
        )

    def _named_citizens(self) -> None:
        """A few citizens with known emails for signing in to the demo (claimed on first sign-in)."""
        today = dt.datetime.now(tz=dt.UTC).date()
        for n, (email, name, lat, lon, city, purpose, occupation, employer) in enumerate(DEMO_CITIZENS):
            if Citizen.objects.filter(email=email).exists():
                continue
            citizen = Citizen.objects.create(full_name=name, email=email, source="mission")
            # each person their own (made-up, demo) NIK and passport: an appointment is tied to the person by them
            passport = "X1234567" if n == 0 else f"X12346{n:02d}"
            citizen_update(citizen=citizen, actor=None, data={"phone": "+6281234567890", "passport_number": passport,
                                                              "nik": f"31710141019000{n + 1:02d}"})
            stay_register(citizen=citizen, actor=None, lat=lat, lon=lon, city=city, purpose=purpose,
                          occupation=occupation, employer=employer, start_date=today - dt.timedelta(days=200))
            contact_add(citizen=citizen, actor=None, name="Ibu " + name.split()[-1], relationship="Ibu / Mother",
                        phone="+6281298765432")
            if email.startswith("dewi."):
                # Dewi's stay is due for its six-monthly confirmation: the home page asks "still there?".
                Stay.objects.filter(citizen=citizen).update(confirmed_at=timezone.now() - dt.timedelta(days=190))

