"""Signals other apps listen to. Sent after the transaction commits.

whereabouts_changed(citizen_id): a stay was registered, changed, ended or lost its position, or the
citizen's app reported a new position — e.g. crises re-check whether the person is inside a crisis zone."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

whereabouts_changed = Signal()


def announce_whereabouts(citizen_id: int) -> None:
    transaction.on_commit(lambda: whereabouts_changed.send(sender=None, citizen_id=citizen_id))
