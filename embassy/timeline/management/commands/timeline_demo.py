"""`make run`: two entries of the demo protection officer in Siti Rahayu's history at KBRI Kuala Lumpur (a call
and a note), written through the service as the console writes them, so that her timeline
(/konsol/warga/<id>/riwayat/) shows officers' entries next to her stay and her applications. Idempotent: when
the officer already has a note about her, nothing is added. Demo installations only (run after seed_demo)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.missions.models import Mission
from embassy.timeline.models import Note
from embassy.timeline.services import note_add

MISSION = "KBRI-KUALA-LUMPUR"
CITIZEN = "siti.rahayu@example.com"
OFFICER = "kl.protection"
NOTES = [
    (Note.Kind.CALL, 2, "Menelepon Siti Rahayu: ia baik-baik saja dan akan datang ke KBRI untuk perpanjangan paspor. "
                        "(demo)"),
    (Note.Kind.NOTE, 1, "Majikan (Keluarga Tan) mengonfirmasi kontrak kerja masih berlaku. (demo)"),
]


class Command(BaseCommand):
    help = "Demo: a call and a note of the demo protection officer in a demo citizen's timeline."

    def handle(self, *args: Any, **options: Any) -> None:
        mission = Mission.objects.filter(code=MISSION).first()
        citizen = Citizen.objects.filter(email=CITIZEN).order_by("id").first()
        officer = User.objects.filter(username=OFFICER).first()
        if mission is None or citizen is None or officer is None:
            self.stdout.write("timeline demo: skipped (run seed_demo first)")
            return
        if Note.objects.filter(citizen=citizen, author=officer).exists():
            self.stdout.write("timeline demo: already there")
            return
        officer.is_verified = lambda: True  # the demo acts as the signed-in officer
        now = timezone.now()
        for kind, days_ago, text in NOTES:
            note_add(actor=officer, citizen_id=citizen.pk, mission=mission, kind=kind, text=text,
                     at=now - dt.timedelta(days=days_ago))
        self.stdout.write(f"timeline demo: {len(NOTES)} notes for {CITIZEN} (/konsol/warga/{citizen.pk}/riwayat/)")
