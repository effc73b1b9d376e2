"""Set-up of the performance browser test, run on its server's database (embassy.common.tests.on_server): a
survey invitation at KBRI Kuala Lumpur (as the periodic task makes one for a finished service), its signed
link's code returned."""

from __future__ import annotations

from django.utils import timezone

from embassy.missions.models import Mission
from embassy.performance.links import survey_code
from embassy.performance.models import Subject, SurveyInvite


def setup() -> dict[str, str]:
    mission = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    invite = SurveyInvite.objects.create(kind=Subject.APPLICATION, subject_id=10**12, mission=mission,
                                         created_at=timezone.now())
    return {"code": survey_code(invite.pk)}
