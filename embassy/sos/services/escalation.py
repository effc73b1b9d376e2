"""Unacknowledged cases climb: duty officer → all protection staff of the mission → headquarters."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.common.clock import db_now
from embassy.sos import notices
from embassy.sos.models import Case, Category, Event
from embassy.sos.selectors import escalate_after
from embassy.sos.services.common import event_add


def cases_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every new case that waited longer than the configured time at its current level.
    Safe to run from several nodes at once: each step is a conditional update of one row."""
    now = now or db_now()  # the database's clock, as the waits were stamped with (common.clock)
    wait = escalate_after()
    # A conversation (someone wrote by SMS/WhatsApp, no SOS) waits in the queue without climbing: escalation
    # alerts at SOS priority. An SOS from the same person turns it into an SOS case (sos.services.inbound).
    due = list(Case.objects.filter(status=Case.Status.NEW, escalation_level__lt=2, waiting_since__lte=now - wait)
               .exclude(category=Category.MESSAGE).values_list("pk", "escalation_level", "waiting_since", "escalated_at"))
    done = 0
    for pk, level, waiting, escalated in due:
        since = escalated or waiting
        if since > now - wait:
            continue
        with transaction.atomic():
            won = Case.objects.filter(pk=pk, status=Case.Status.NEW, escalation_level=level).update(
                escalation_level=level + 1, escalated_at=now, updated_at=now)
            if not won:
                continue
            case = Case.objects.select_related("mission", "citizen").get(pk=pk)
            if level == 0:
                users = staff_to_notify(purpose=Purpose.PROTECTION, missions=[case.mission_id])
                text = _("Not acknowledged after %(min)s min: alerted all protection staff of %(mission)s.")
            else:
                users = staff_to_notify(purpose=Purpose.HEADQUARTERS)
                text = _("Not acknowledged after %(min)s min: alerted headquarters.")
            minutes = max(1, round((now - case.waiting_since).total_seconds() / 60))
            event_add(case, Event.Kind.ESCALATED, text=text % {"min": minutes, "mission": case.mission.name()},
                      data={"level": level + 1, "recipients": len(users)}, at=now)
            notices.staff_escalated(case, level + 1, users)
            done += 1
    return done
