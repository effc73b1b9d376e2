"""Set-up and scheduler steps for the publishing browser test, run on its server's database
(embassy.common.tests.on_server)."""

from __future__ import annotations

from django.utils import timezone

from embassy.accounts.demo import demo_staff_ensure
from embassy.publishing.publisher import due, publish_target
from embassy.social.demo import demo_accounts, demo_connect


def setup() -> dict[str, int]:
    """The demo staff (kl.socmed drafts, kl.head approves) and the demo accounts, connected."""
    demo_staff_ensure()
    accounts = demo_accounts(missions=1, peers=0)
    demo_connect(accounts)
    x = next(a for a in accounts if a.platform == "x" and a.unit is not None and a.unit.code == "KBRI-KUALA-LUMPUR")
    return {"x": x.pk}


def publish_now() -> list[str]:
    """What the periodic task (publishing.tasks.publish_due) does on its next minute, done now."""
    done = [publish_target(pk) for pk in due(timezone.now())]
    return [f"{t.status}: {t.last_error}" for t in done if t is not None]
