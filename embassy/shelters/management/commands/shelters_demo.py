"""`make run`: a demo shelter at KBRI Kuala Lumpur and at KBRI Singapura, with residents at every step of the
repatriation pipeline, so that the shelter page, the repatriation board and the occupancy report show something
at once. Residents are the demo registry's people of the mission (and one person who is not registered); a
demo complaint about the same person at the same mission is linked when the complaints demo made one. Everything
goes through the product's services (the same checks, audit and history as the pages). Run again, it adds
nothing: a mission that already has its demo shelter is left alone. The names and bed counts are the demo's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Stay
from embassy.complaints.models import Complaint
from embassy.missions.models import Mission
from embassy.shelters import services
from embassy.shelters.days import mission_today
from embassy.shelters.models import STEP_ORDER, Residence, Shelter

# mission, officer, shelter name, kind, beds
DEMO = [
    ("KBRI-KUALA-LUMPUR", "kl.protection", "Shelter KBRI Kuala Lumpur (demo)", Shelter.Kind.WOMEN, 12),
    ("KBRI-SINGAPORE", "sg.protection", "Shelter KBRI Singapura (demo)", Shelter.Kind.MIXED, 6),
]
# days ago checked in, steps done (each with its days ago), checked out days ago (None: still here)
RESIDENTS: list[tuple[int, list[int], int | None]] = [
    (40, [35, 30, 24, 20], 20),  # departed 20 days ago, arrival not yet recorded: on the board at "arrival"
    (33, [28, 26, 25, 23, 22], 23),  # handed over
    (30, [], None),  # waiting for the SPLP for 30 days
    (21, [14], None),  # SPLP done, waiting for the exit permit
    (12, [9, 6], None),  # exit permit done, waiting for the ticket
    (8, [5, 3, 2], None),  # ticket bought, waiting to leave
    (4, [], None),  # arrived this week, not (yet) to be repatriated
]


class Command(BaseCommand):
    help = "Demo: a shelter at KBRI Kuala Lumpur and KBRI Singapura with residents at each repatriation step."

    def handle(self, *args: Any, **options: Any) -> None:
        for code, username, name, kind, beds in DEMO:
            mission = Mission.objects.filter(code=code).first()
            officer = User.objects.filter(username=username).first()
            if mission is None or officer is None:
                self.stdout.write(f"shelters demo: {code} skipped (run seed_demo first)")
                continue
            if Shelter.objects.filter(mission=mission, name=name).exists():
                continue
            officer.is_verified = lambda: True  # the demo acts as the signed-in officer
            with transaction.atomic():
                shelter = services.shelter_create(actor=officer, mission_id=mission.pk, name=name, beds=beds,
                                                  kind=kind)
                made = self._residents(shelter, officer)
            self.stdout.write(f"shelters demo: {name}: {beds} beds, {made} residents")

    def _people(self, mission: Mission, kind: str, n: int) -> list[Citizen]:
        ids = Stay.objects.filter(mission=mission).values("citizen_id")
        people = Citizen.objects.filter(pk__in=ids).exclude(
            pk__in=Residence.objects.filter(checked_out_at__isnull=True, citizen__isnull=False).values("citizen_id"))
        if kind == Shelter.Kind.WOMEN:
            people = people.filter(gender=Citizen.Gender.FEMALE) if people.filter(
                gender=Citizen.Gender.FEMALE).count() >= n else people
        return list(people.order_by("id")[:n])

    def _residents(self, shelter: Shelter, officer: User) -> int:
        now = timezone.now()
        today = mission_today(shelter.mission, now)
        people: list[Citizen | None] = [*self._people(shelter.mission, shelter.kind, len(RESIDENTS) - 1), None]
        made = 0
        for (days_ago, steps, out_ago), person in zip(RESIDENTS, people, strict=False):
            complaint = (Complaint.objects.filter(mission=shelter.mission, citizen=person).order_by("id").first()
                         if person is not None else None)
            residence = services.residence_check_in(
                actor=officer, shelter=shelter, citizen_id=person.pk if person else None,
                person_name="" if person else "Wulan (demo)", complaint_id=complaint.pk if complaint else None,
                at=now - dt.timedelta(days=days_ago), repatriation=days_ago > 4, overflow=True,
                now=now - dt.timedelta(days=days_ago))
            for step, ago in zip(STEP_ORDER, steps, strict=False):
                if out_ago is not None and step == "arrival":
                    services.residence_check_out(actor=officer, residence=residence, reason="repatriated",
                                                 at=now - dt.timedelta(days=out_ago), now=now)
                services.repatriation_step_record(actor=officer, residence=residence, step=step,
                                                  done_on=today - dt.timedelta(days=ago), now=now)
            if out_ago is not None and Residence.objects.filter(pk=residence.pk, checked_out_at__isnull=True).exists():
                services.residence_check_out(actor=officer, residence=residence, reason="repatriated",
                                             at=now - dt.timedelta(days=out_ago), now=now)
            made += 1
        return made
