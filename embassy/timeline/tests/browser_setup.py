"""Set-up for the timeline browser test, run on its server's database (embassy.common.tests.on_server)."""

from __future__ import annotations

from embassy.citizens.models import Citizen


def setup() -> dict[str, int]:
    """The demo citizen whose timeline the demo officer reads (seed_demo and timeline_demo ran before)."""
    return {"citizen": Citizen.objects.filter(email="siti.rahayu@example.com").order_by("id")[0].pk}
