"""Background work of listening, run by the scheduler (embassy.common.tasks.periodic): the streams that are due are
pulled, each pull a task of its own (as the social pulls, embassy.social.tasks); crisis streams follow the crises
every few minutes; the spike detector reads the hourly counts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.listening.collect import due_streams, stream_pull
from embassy.listening.spikes import spikes_detect
from embassy.listening.streams import crisis_streams_sync


@periodic(dt.timedelta(minutes=15))
@task(queue_name="default")
def spikes_run() -> str:
    """Look for spikes in the hourly counts and alert the team of the new ones (each spike alerted once)."""
    found = spikes_detect()
    return f"{len(found)} new spikes"


def pulls_enabled() -> bool:
    """Listening reaches the platforms over the internet: on where the social pulls are (LISTENING_PULLS_ENABLED
    overrides)."""
    return bool(settings.LISTENING_PULLS_ENABLED)


@task(queue_name="default", priority=-10)
def pull_stream(stream_id: int, force: bool = False) -> str:
    pulled = stream_pull(stream_id=stream_id, force=force)
    if pulled is None:
        return "inactive"
    stored = getattr(pulled.result, "stored", 0)
    return f"{len(pulled.items)} read, {stored} new" + (f"; errors: {pulled.errors}" if pulled.errors else "")


@periodic(dt.timedelta(minutes=5))
@task(queue_name="default")
def crisis_streams() -> str:
    """A crisis that became active gets its stream within five minutes; one that ended has it stopped."""
    synced = crisis_streams_sync()
    return f"{synced.created} created, {synced.updated} updated, {synced.ended} stopped"


@periodic(dt.timedelta(minutes=5))
@task(queue_name="default")
def pull_due_streams() -> str:
    """Queue a pull for every active stream not pulled for LISTENING_PULL_EVERY_MINUTES."""
    if not pulls_enabled():
        return "disabled"
    ids = due_streams(now=timezone.now())
    for stream_id in ids:
        pull_stream.enqueue(stream_id)
    return f"{len(ids)} stream pulls queued"
