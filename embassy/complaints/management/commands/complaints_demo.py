"""`make run`: a handful of complaints at KBRI Kuala Lumpur, KJRI Jeddah and KJRI Hong Kong in every state of the
clock — red (escalated), amber, green, paused, resolved — filed through the product's services (numbers, history,
audit, outbox) as relatives, employers, the demo citizen and the protection officer would file them, with times in
the past; then the escalation check runs once. Idempotent: a demo complaint already there (by its key) is left
alone. The people and employers are the demo's, not real ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from embassy.accounts.models import User
from embassy.complaints import services
from embassy.complaints.models import Complaint, FiledBy
from embassy.complaints.services import ComplaintIn

KL, JEDDAH, HK = "KBRI-KUALA-LUMPUR", "KJRI-JEDDAH", "KJRI-HONG-KONG"
CITIZEN = "siti.rahayu@example.com"
OFFICER = "kl.protection"
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)

# (key, mission, filed by, category, age, person, what happened, then)
DEMO: list[tuple[str, str, str, str, dt.timedelta, str, str, str]] = [
    ("demo-1", KL, FiledBy.RELATIVE, "abuse", 6 * H, "Dewi Lestari (demo)",
     "Adik saya bilang dipukul majikan dan tidak boleh keluar rumah.", ""),
    ("demo-2", KL, FiledBy.EMPLOYER, "unpaid_salary", 4 * D, "Rahmat Hidayat (demo)",
     "Agensi menahan gaji pekerja kami tiga bulan; kami minta bantuan mediasi.", ""),
    ("demo-3", KL, FiledBy.SELF, "documents", 2 * H, "", "Paspor saya ditahan majikan.", ""),
    ("demo-4", KL, FiledBy.OFFICER, "whereabouts", 1 * H, "Sri Wahyuni (demo)",
     "Ibu menelepon: anaknya tidak bisa dihubungi sejak dua minggu.", ""),
    ("demo-5", KL, FiledBy.RELATIVE, "detention", 12 * D, "Agus Salim (demo)",
     "Suami saya ditahan imigrasi.", "resolve"),
    ("demo-6", KL, FiledBy.RELATIVE, "documents", 1 * D, "Nur Aini (demo)",
     "Akta kelahiran anak belum diterbitkan.", "wait"),
    ("demo-7", JEDDAH, FiledBy.RELATIVE, "unpaid_salary", 6 * D, "Siti Maryam (demo)",
     "Kakak saya belum digaji delapan bulan.", ""),
    ("demo-8", HK, FiledBy.EMPLOYER, "other", 3 * H, "Wulan Sari (demo)",
     "Pekerja kami butuh informasi perpanjangan kontrak.", ""),
]


class Command(BaseCommand):
    help = "Demo: complaints in every state of the service-level clock at three missions."

    def handle(self, *args: Any, **options: Any) -> None:
        officer = User.objects.filter(username=OFFICER).first()
        if officer is None:
            self.stdout.write("complaints demo: skipped (run seed_demo first)")
            return
        officer.is_verified = lambda: True  # the demo acts as the signed-in officer
        citizen = User.objects.filter(email=CITIZEN, kind="citizen").first()
        now = timezone.now()
        made = 0
        for key, mission, filed_by, category, age, person, text, then in DEMO:
            if Complaint.objects.filter(client_key=key).exists():
                continue
            at = now - age
            data = ComplaintIn(mission_code=mission, category=category, text=text, subject_name=person,
                               place="Kuala Lumpur" if mission == KL else "", client_key=key,
                               filer_name="Keluarga (demo)" if filed_by != FiledBy.EMPLOYER else "PT Contoh (demo)",
                               filer_relation="kakak" if filed_by == FiledBy.RELATIVE else "majikan",
                               filer_email=f"{key}@example.com")
            if filed_by == FiledBy.SELF:
                if citizen is None:
                    continue
                complaint = services.complaint_file_own(user=citizen, data=data, now=at)
            elif filed_by == FiledBy.OFFICER:
                if mission != KL:
                    continue
                complaint = services.complaint_file_by_officer(actor=officer, data=data, channel="call", now=at)
                Complaint.objects.filter(pk=complaint.pk).update(client_key=key)
            else:
                complaint = services.complaint_file_for(data=data, filed_by=filed_by, now=at)
            if then == "resolve" and mission == KL:
                services.complaint_progress(actor=officer, complaint=complaint, now=at + 2 * H)
                services.complaint_resolve(actor=officer, complaint=complaint, now=at + 3 * D,
                                           note="Didampingi pengacara; dibebaskan dan dideportasi ke Indonesia.")
            elif then == "wait" and mission == KL:
                services.complaint_wait(actor=officer, complaint=complaint, now=at + 2 * H,
                                        note="Menunggu salinan surat nikah dari pelapor.")
            made += 1
        escalated = services.complaints_escalate_due(now=now)
        self.stdout.write(f"complaints demo: {made} complaints made, {escalated} escalated")
