"""`make run`: a few families' enquiries on the newest active crisis, if there is one (the demo declares none
by itself): one about a registered person in the crisis's affected set (matched by name and date of birth),
one taken by phone with a misspelt name and no date of birth (a look-alike for an officer, never matched),
and one about a person the registry does not know (to be looked for). Idempotent: enquiries from the demo
enquirers are made once per crisis."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from embassy.crises.models import Affected, Crisis
from embassy.enquiries.models import Enquiry
from embassy.enquiries.services import EnquiryIn, enquiry_submit

DEMO_EMAIL = "keluarga.demo@example.com"


class Command(BaseCommand):
    help = "Add demo families' enquiries to the newest active crisis (if any)."

    def handle(self, *args: Any, **options: Any) -> None:
        crisis = Crisis.objects.filter(status=Crisis.Status.ACTIVE).order_by("-created_at", "-id").first()
        if crisis is None:
            self.stdout.write("enquiries_demo: no active crisis; nothing to add")
            return
        if Enquiry.objects.filter(crisis=crisis, enquirer_email=DEMO_EMAIL).exists():
            self.stdout.write(f"enquiries_demo: crisis {crisis.pk} already has the demo enquiries")
            return
        people: list[EnquiryIn] = []
        known = (Affected.objects.filter(crisis=crisis, citizen__birth_date__isnull=False)
                 .select_related("citizen").order_by("id").first())
        if known is not None:
            people.append(EnquiryIn(enquirer_name="Ibu Demo", relation="ibu", enquirer_email=DEMO_EMAIL,
                                    sought_name=known.citizen.full_name,
                                    sought_birth_date=known.citizen.birth_date, last_city=""))
            typo = known.citizen.full_name[:-1] if len(known.citizen.full_name) > 6 else known.citizen.full_name
            people.append(EnquiryIn(enquirer_name="Kakak Demo", relation="kakak", enquirer_email=DEMO_EMAIL,
                                    sought_name=typo, note="Demo: nama mungkin salah eja"))
        people.append(EnquiryIn(enquirer_name="Ayah Demo", relation="ayah", enquirer_email=DEMO_EMAIL,
                                sought_name="Orang Dicari Demo", last_city=""))
        for data in people:
            enquiry_submit(crisis_id=crisis.pk, data=data)
        self.stdout.write(f"enquiries_demo: {len(people)} enquiries on crisis {crisis.pk}")
