"""The periodic run that posts what is due (every minute), each target its own task, as social's pulls are."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.publishing.publisher import due, publish_target


@task(queue_name="default")
def publish_one(target_id: int) -> str:
    target = publish_target(target_id)
    return "not due" if target is None else f"{target.status}: {target.last_error[:200]}"


@periodic(dt.timedelta(minutes=1))
@task(queue_name="default")
def publish_due() -> str:
    ids = due(timezone.now())
    for target_id in ids:
        publish_one.enqueue(target_id)
    return f"{len(ids)} posts queued"
