"""Signals other apps listen to. Sent after the transaction commits.

whereabouts_changed(citizen_ids): a stay was registered, changed, ended or lost its position, or the
citizens' apps reported new positions — e.g. crises re-check whether these people are inside a crisis zone."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

whereabouts_changed = Signal()


def announce_whereabouts(*citizen_ids: int) -> None:
    ids = list(citizen_ids)
    if ids:
        transaction.on_commit(lambda: whereabouts_changed.send(sender=None, citizen_ids=ids))
