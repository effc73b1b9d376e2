"""Helpers shared by the writes: the mission's day, the timeline row, the officer's right to act."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.applications.models import Application, StatusEvent
from embassy.applications.notices import status_notify
from embassy.common.errors import PermissionDenied
from embassy.consular.selectors import missions_managed_by
from embassy.missions.models import Mission


def mission_today(mission: Mission, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(mission.timezone or "UTC")).date()


def require_officer(actor: User, mission_id: int) -> None:
    """Services decide again: only those who manage the mission's consular work act on its applications."""
    if not missions_managed_by(user=actor).filter(pk=mission_id).exists():
        raise PermissionDenied(
            _("Only the mission's consular officers and head of mission act on its applications.")
        )


def step(
    application: Application,
    *,
    status: str,
    previous: str,
    actor: User | None,
    by_citizen: bool,
    note: str,
    now: dt.datetime,
) -> StatusEvent:
    """Write the timeline row of a step and queue its notification (same transaction)."""
    event = StatusEvent.objects.create(
        application=application,
        status=status,
        previous=previous,
        actor=actor,
        by_citizen=by_citizen,
        note=note,
        at=now,
    )
    status_notify(application, event)
    return event
