"""Set-up for the complaints browser test, run on its server's database (embassy.common.tests.on_server)."""

from __future__ import annotations

from embassy.accounts.demo import demo_staff_ensure


def setup() -> dict[str, int]:
    """The demo staff (kl.protection reads KBRI Kuala Lumpur's complaints)."""
    demo_staff_ensure()
    return {}
