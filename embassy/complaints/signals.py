"""Signals other apps listen to, sent after the transaction commits.

complaint_filed(complaint): a complaint was filed (by anyone).
complaint_closed(complaint): a complaint was closed (e.g. the performance app sends the IKM survey)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal

if TYPE_CHECKING:
    from embassy.complaints.models import Complaint

complaint_filed = Signal()
complaint_closed = Signal()


def announce_filed(complaint: Complaint) -> None:
    transaction.on_commit(lambda: complaint_filed.send(sender=None, complaint=complaint))


def announce_closed(complaint: Complaint) -> None:
    transaction.on_commit(lambda: complaint_closed.send(sender=None, complaint=complaint))
