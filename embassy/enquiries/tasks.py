"""Background jobs for families' enquiries."""

from __future__ import annotations

import datetime as dt

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.enquiries.services import enquiries_rematch


@periodic(dt.timedelta(minutes=2))
@task(queue_name="default")
def enquiries_follow_up() -> str:
    """Match the open enquiries again (people register and answer all the time) and tell the families of
    matched people whose news changed (a roll-call answer sends no signal)."""
    done = enquiries_rematch()
    return f"{done['matched']} matched, {done['told']} families told"
