"""Unacknowledged cases climb: duty officer → all protection staff of the mission → headquarters.

The job reads only the cases that are due, in batches (BATCH_JOB_ROWS), oldest wait first; each batch is one
transaction: one UPDATE per level, one bulk INSERT of the timeline events, and one outbox batch with the next
level's messages per mission (a summary per person when many climb at once, notices.staff_escalated_specs).
On PostgreSQL the batch's rows are locked with SKIP LOCKED, so that two workers running the job at once share
the work and never escalate a case twice; SQLite's write transactions are serialised (BEGIN IMMEDIATE). A storm
of thousands of unacknowledged SOS is a few statements per thousand cases, not a transaction per case."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.common.clock import db_now
from embassy.notify.selectors import addresses_for_users
from embassy.notify.services import notify_bulk
from embassy.sos import notices
from embassy.sos.models import Case, Category, Event
from embassy.sos.selectors import escalate_after


def _batch(now: dt.datetime, cut: dt.datetime) -> int:
    with transaction.atomic():
        # A conversation (someone wrote by SMS/WhatsApp, no SOS) waits in the queue without climbing: escalation
        # alerts at SOS priority. An SOS from the same person turns it into an SOS case (sos.services.inbound).
        # A case climbs again only after a full wait at its current level.
        cases = list(Case.objects.filter(Q(escalated_at__isnull=True) | Q(escalated_at__lte=cut),
                                         status=Case.Status.NEW, escalation_level__lt=2, waiting_since__lte=cut)
                     .exclude(category=Category.MESSAGE).select_related("mission", "citizen")
                     .order_by("waiting_since", "pk").select_for_update(skip_locked=True, of=("self",))
                     [:settings.BATCH_JOB_ROWS])
        if not cases:
            return 0
        groups: dict[tuple[int, int], list[Case]] = defaultdict(list)  # (mission, new level) → cases
        levels: dict[int, list[int]] = defaultdict(list)  # new level → case ids
        for case in cases:
            groups[(case.mission_id, case.escalation_level + 1)].append(case)
            levels[case.escalation_level + 1].append(case.pk)
        for level, ids in levels.items():
            Case.objects.filter(pk__in=ids).update(escalation_level=level, escalated_at=now, updated_at=now)
        headquarters = staff_to_notify(purpose=Purpose.HEADQUARTERS) if 2 in levels else []
        recipients = {(mission_id, level): staff_to_notify(purpose=Purpose.PROTECTION, missions=[mission_id])
                      if level == 1 else headquarters for mission_id, level in groups}
        events: list[Event] = []
        for (mission_id, level), group in groups.items():
            text = (_("Not acknowledged after %(min)s min: alerted all protection staff of %(mission)s.") if level == 1
                    else _("Not acknowledged after %(min)s min: alerted headquarters."))
            users = recipients[(mission_id, level)]
            events.extend(Event(case=case, at=now, kind=Event.Kind.ESCALATED, data={"level": level, "recipients": len(users)},
                                text=text % {"min": max(1, round((now - case.waiting_since).total_seconds() / 60)),
                                             "mission": case.mission.name()})
                          for case in group)
        Event.objects.bulk_create(events, batch_size=1000)
        addresses = addresses_for_users(user_ids={u.pk for users in recipients.values() for u in users},
                                        channels=notices.STAFF_CHANNELS)
        notify_bulk(messages=[spec for key, group in groups.items()
                              for spec in notices.staff_escalated_specs(recipients[key], addresses, group, key[1])])
        return len(cases)


def cases_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every new case that waited longer than the configured time at its current level; returns how
    many climbed. Safe to run from several nodes at once (see the module's docstring)."""
    now = now or db_now()  # the database's clock, as the waits were stamped with (common.clock)
    cut = now - escalate_after()
    total = 0
    while done := _batch(now, cut):
        total += done
    return total
