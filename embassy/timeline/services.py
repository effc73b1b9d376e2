"""Writes of the timeline: an officer's call or note about a person. Append-only: there is no edit and no
delete; a correction is a new note."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, PermissionDenied
from embassy.missions.models import Mission
from embassy.missions.selectors import scope_for
from embassy.timeline.models import TEXT_MAX, Note
from embassy.timeline.selectors import citizen_readable

FUTURE_SLACK = dt.timedelta(minutes=5)  # a phone's clock a little ahead is not an error


@transaction.atomic
def note_add(*, actor: User, citizen_id: int, mission: Mission, kind: str, text: str,
             at: dt.datetime | None = None) -> Note:
    """Record a call or a note about a person, for `mission` (the unit the officer acts for). The officer
    must read personal data at that mission and be allowed to read the person (selectors.citizen_readable).
    `at` (when the call happened) defaults to now and may not lie in the future."""
    if not actor.is_verified():
        raise PermissionDenied(_("Confirm your second factor first."))
    if not scope_for(actor).covers_personal(mission.pk):
        raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
    citizen, _missions = citizen_readable(user=actor, citizen_id=citizen_id)
    if kind not in Note.Kind.values:
        raise BadInput(_("Choose a call or a note."), field="kind")
    text = (text or "").strip()
    if not text:
        raise BadInput(_("Write what was said or done."), field="text")
    if len(text) > TEXT_MAX:
        raise BadInput(_("At most %(max)d characters.") % {"max": TEXT_MAX}, field="text")
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise BadInput(_("Give the time with its zone."), field="at")
    if at > now + FUTURE_SLACK:
        raise BadInput(_("This time is in the future."), field="at")
    note = Note.objects.create(citizen=citizen, mission=mission, kind=kind, text=text, at=at, author=actor)
    audit_record(actor=actor, action="timeline.note", object_type="note", object_id=note.pk,
                 citizen_id=citizen.pk, mission_code=mission.code)
    return note
