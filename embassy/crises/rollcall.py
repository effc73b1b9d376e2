"""The "are you safe?" roll-call: asking every affected citizen, the one-tap answers, reminders, and asking
the emergency contacts of those who stay silent.

- One action (rollcall_start) asks everyone inside the zone; people who come into the zone later are asked
  when they are found. Each person gets one message on the first channel that can reach them, in the order
  of ROLLCALL_CHANNELS (push, then e-mail, SMS, WhatsApp), at BULK priority: the outbox drains SOS alerts
  first, and messages are inserted in short batches so urgent writes interleave with a broadcast.
- The message carries a signed link (crises.links: /aman/<crisis>/<token>/, /a/<code> in SMS) that works
  without signing in. The token names the person's row in this crisis and who answers (the person, or an
  emergency contact), and expires after ROLLCALL_LINK_MAX_AGE seconds (default 14 days). The crisis id in the path must match the token's. A
  replayed link records nothing new: each (person, answer, link) is stored once.
- "I need help" opens an SOS case (or joins the open one) for the responsible mission.
- Reminders go to the silent after the delays in ROLLCALL_REMINDERS (minutes after the first question,
  default 30 and 120); ROLLCALL_CONTACTS_AFTER minutes after it (default 240) their emergency contacts are
  asked. One step per person at a time: after a pause (the worker was down) only the latest step due is
  sent, and the next one waits its own interval after it, so rounds never collapse into one burst.
- The latest answer wins (crises.help says what it does to an SOS case). Closing the crisis withdraws the
  messages still in the outbox (crises.services), and no batch queues more once it is closed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import Conflict
from embassy.crises.affected import affected_refresh
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.powers import require_manage
from embassy.crises.tasks import rollcall_send


# --- Starting ---------------------------------------------------------------------------------------------------
def rollcall_start(*, actor: User, crisis: Crisis) -> Crisis:
    """Start asking everyone affected "are you safe?" (the messages are queued by the worker). Only for an
    officer whose jurisdiction the zone reaches (crises.powers); a refusal is audited."""
    require_manage(actor, crisis, action="rollcall")
    return _start(actor, crisis)


@transaction.atomic
def _start(actor: User, crisis: Crisis) -> Crisis:
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if crisis.status != Crisis.Status.ACTIVE:
        raise Conflict(_("Confirm the crisis before starting the roll-call."))
    if crisis.rollcall_started_at is not None:
        raise Conflict(_("The roll-call has already started."))
    if crisis.affected_at is None:
        affected_refresh(crisis)
    crisis.rollcall_started_at, crisis.rollcall_started_by = timezone.now(), actor
    crisis.save(update_fields=["rollcall_started_at", "rollcall_started_by", "updated_at"])
    CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.ROLLCALL, actor=actor,
                               data={"affected": crisis.registered_inside})
    audit_record(actor=actor, action="crisis.rollcall", object_type="crisis", object_id=crisis.pk)
    crisis_id = crisis.pk
    transaction.on_commit(lambda: rollcall_send.enqueue(crisis_id))
    return crisis
