"""Set-up of the queue's browser test, run on the test server's database (harness.ServerSpec.setup): the demo
staff (kl.consular works the counters of KBRI Kuala Lumpur) and two counters there."""

from __future__ import annotations

from typing import Any

from embassy.accounts.demo import demo_staff_ensure
from embassy.consular.models import Counter
from embassy.missions.models import Mission

MISSION = "KBRI-KUALA-LUMPUR"


def setup() -> dict[str, Any]:
    demo_staff_ensure()
    mission = Mission.objects.get(code=MISSION)
    for name in ("Loket 1", "Loket 2"):
        Counter.objects.get_or_create(mission=mission, name=name)
    return {"mission": MISSION}
