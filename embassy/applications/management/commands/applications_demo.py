"""`make run`: one demo citizen's consular paperwork at KBRI Kuala Lumpur, so that "My applications", "My
documents", the officer's work queue and the consular dashboard show something at once: Siti Rahayu's passport
renewal (submitted with two small documents made here, then checked by the demo consular officer) and her migrant
worker card, signed by the mission. Both go through the product's services (the same checks, audit and
messages as the pages). Demo installations only: the employer and contract are the demo's; a citizen who already
has an application or a card there is left alone."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image

from embassy.accounts.models import User
from embassy.applications.models import Application
from embassy.applications.services import application_advance, application_submit
from embassy.applications.services.uploads import documents_of
from embassy.consular.models import Service
from embassy.credentials.models import Credential
from embassy.credentials.services import worker_card_issue
from embassy.missions.models import Mission

MISSION = "KBRI-KUALA-LUMPUR"
CITIZEN = "siti.rahayu@example.com"
OFFICER = "kl.consular"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> "
       b"endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 220, 240)).save(out, format="JPEG")
    return out.getvalue()


class Command(BaseCommand):
    help = "Demo: a passport renewal in progress and a signed worker card for a demo citizen at KBRI Kuala Lumpur."

    def handle(self, *args: Any, **options: Any) -> None:
        mission = Mission.objects.filter(code=MISSION).first()
        user = User.objects.filter(email=CITIZEN, kind="citizen").first()
        officer = User.objects.filter(username=OFFICER).first()
        if mission is None or user is None or officer is None:
            self.stdout.write("applications demo: skipped (run seed_demo first)")
            return
        officer.is_verified = lambda: True  # the demo acts as the signed-in officer
        citizen = user.citizen
        now = timezone.now()
        today = now.astimezone(ZoneInfo(mission.timezone)).date()
        if not Application.objects.filter(citizen=citizen, mission=mission).exists():
            renewal = Service.objects.get(code="passport-renewal", mission__isnull=True)
            kinds = [_jpeg, lambda: PDF]
            files = {doc.key: SimpleUploadedFile(f"{doc.key}.{'jpg' if i % 2 == 0 else 'pdf'}", kinds[i % 2](),
                                                 content_type="image/jpeg" if i % 2 == 0 else "application/pdf")
                     for i, doc in enumerate(documents_of(renewal))}
            submitted = application_submit(
                user=user, mission_code=mission.code, service_code=renewal.code, files=files, now=now,
                answers={"reason": "full", "passport_expiry": (today + dt.timedelta(days=400)).isoformat()})
            application_advance(actor=officer, application=submitted.application, to="documents_checked", now=now)
            self.stdout.write(f"applications demo: {submitted.application.reference} (passport renewal, "
                              f"documents checked) for {CITIZEN}")
        if not Credential.objects.filter(citizen=citizen, mission=mission).exists():
            card = worker_card_issue(
                actor=officer, mission=mission, citizen=citizen, employer="Keluarga Tan (demo)",
                job="Pekerja rumah tangga", contract_start=today - dt.timedelta(days=200),
                contract_end=today + dt.timedelta(days=530), expires_on=today + dt.timedelta(days=530),
                consented=["employer", "job", "contract_start", "contract_end"])
            self.stdout.write(f"applications demo: worker card {card.serial} for {CITIZEN}")
