"""Set-up for the enquiries browser test, run on its server's database (embassy.common.tests.on_server): a drill
crisis over Kuala Lumpur, a registered person there who answered "safe" (heard by an officer on the phone), and
her mother listed as her emergency contact."""

from __future__ import annotations

import datetime as dt

from django.test import TestCase

from embassy.citizens.models import EmergencyContact
from embassy.crises.answers import rollcall_answer_staff
from embassy.crises.models import Affected
from embassy.enquiries.tests.helpers import flood, officer, person

MOTHER = "+628111222333"


def setup() -> dict[str, int]:
    dewi = person("Dewi Lestari", birth=dt.date(1994, 3, 12))
    EmergencyContact.objects.create(citizen=dewi, name="Sumarni", relationship="ibu", phone=MOTHER)
    kl = officer()
    with TestCase.captureOnCommitCallbacks(execute=True):
        crisis = flood(kl)
        crisis.title = "Latihan: banjir Kuala Lumpur"
        crisis.save(update_fields=["title"])
        rollcall_answer_staff(actor=kl, affected=Affected.objects.get(crisis=crisis, citizen=dewi), answer="safe")
    return {"crisis": crisis.pk, "dewi": dewi.pk}
