"""An officer's work on a complaint: assign, note, link the person's SOS cases, applications and stays, mark in
progress, pause the clock while waiting on the complainant, resolve, close, reopen. Each step is written to the
complaint's history and audited. Nothing deletes a complaint: a closed one is reopened."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, is_staff_for
from embassy.applications.models import Application
from embassy.citizens.models import Citizen, Stay
from embassy.common.errors import BadInput, Conflict, NotFound
from embassy.complaints import notices, signals, sla
from embassy.complaints.models import Complaint, ComplaintEvent
from embassy.complaints.services.common import audit, event_add, require_officer
from embassy.missions.selectors import scope_for
from embassy.sos.models import Case

NOTE_MAX = 5000
Kind = ComplaintEvent.Kind
Status = Complaint.Status


def _note(value: str, *, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        raise BadInput(_("Write the note."), field="note")
    if len(text) > NOTE_MAX:
        raise BadInput(_("This is too long (at most %(n)d characters).") % {"n": NOTE_MAX}, field="note")
    return text


def _locked(actor: User, complaint: Complaint) -> Complaint:
    require_officer(actor, complaint.mission_id)
    return Complaint.objects.select_for_update(of=("self",)).select_related("mission", "citizen").get(pk=complaint.pk)


def _touch(complaint: Complaint, now: dt.datetime, *fields: str) -> None:
    complaint.updated_at = now
    complaint.save(update_fields=["updated_at", *fields])


@transaction.atomic
def complaint_assign(*, actor: User, complaint: Complaint, assignee_id: int,
                     now: dt.datetime | None = None) -> Complaint:
    """Give the complaint to an officer who may work on the mission's cases (told through the outbox)."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True, kind="staff").first()
    if assignee is None or not is_staff_for(user=assignee, purpose=Purpose.CASEWORK, mission_id=complaint.mission_id):
        raise BadInput(_("Choose an officer of this mission."), field="assignee")
    complaint.assigned_to = assignee
    _touch(complaint, now, "assigned_to")
    event_add(complaint, Kind.ASSIGNED, actor=actor, at=now, note=assignee.get_full_name() or assignee.username)
    audit(actor, "assign", complaint, assignee=assignee.pk)
    if assignee.pk != actor.pk:
        notices.staff_assigned(complaint, assignee)
    return complaint


@transaction.atomic
def complaint_note(*, actor: User, complaint: Complaint, note: str, now: dt.datetime | None = None) -> ComplaintEvent:
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    event = event_add(complaint, Kind.NOTE, actor=actor, at=now, note=_note(note, required=True))
    _touch(complaint, now)
    audit(actor, "note", complaint)
    return event


LINKS = {"sos": (Case, "sos_cases"), "application": (Application, "applications"), "stay": (Stay, "stays")}


@transaction.atomic
def complaint_link(*, actor: User, complaint: Complaint, kind: str, object_id: int,
                   now: dt.datetime | None = None) -> Complaint:
    """Link one of the same person's SOS cases, applications or stays (of any mission: the person's history)."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    if kind not in LINKS:
        raise BadInput(_("Choose an SOS case, an application or a stay."), field="kind")
    if complaint.citizen_id is None:
        raise Conflict(_("Identify the person first: only their own records can be linked."), field="kind")
    model, attr = LINKS[kind]
    target = model.objects.filter(pk=object_id, citizen_id=complaint.citizen_id).first()  # type: ignore[attr-defined]
    if target is None:
        raise NotFound(_("This person has no such record."), field="object_id")
    getattr(complaint, attr).add(target)
    _touch(complaint, now)
    event_add(complaint, Kind.LINKED, actor=actor, at=now, note=f"{kind}:{object_id}")
    audit(actor, "link", complaint, kind=kind, object_id=object_id)
    return complaint


@transaction.atomic
def complaint_identify(*, actor: User, complaint: Complaint, citizen_id: int,
                       now: dt.datetime | None = None) -> Complaint:
    """Set the person concerned by hand (the officer checked who it is); their open matters are linked."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    citizen = Citizen.objects.filter(pk=citizen_id).first()
    scope = scope_for(actor)
    if citizen is None or not (scope.personal_all or Stay.objects.filter(
            citizen=citizen, mission_id__in=scope.personal_ids).exists()):
        raise NotFound(_("No such citizen."), field="citizen_id")
    complaint.citizen, complaint.matched_by = citizen, "officer"
    _touch(complaint, now, "citizen", "matched_by")
    complaint.stays.add(*Stay.objects.filter(citizen=citizen, mission_id=complaint.mission_id,
                                             status=Stay.Status.ACTIVE))
    event_add(complaint, Kind.LINKED, actor=actor, at=now, note=f"citizen:{citizen.pk}")
    audit(actor, "identify", complaint, citizen=citizen.pk)
    return complaint


def _require(complaint: Complaint, *allowed: str) -> None:
    if complaint.status not in allowed:
        raise Conflict(_("Not possible while the complaint is %(status)s.") % {
            "status": complaint.get_status_display().lower()}, field="status")


@transaction.atomic
def complaint_progress(*, actor: User, complaint: Complaint, now: dt.datetime | None = None) -> Complaint:
    """Someone works on it. The clock keeps running: only resolving stops it."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    _require(complaint, Status.OPEN)
    complaint.status = Status.IN_PROGRESS
    if complaint.assigned_to_id is None:
        complaint.assigned_to = actor
    _touch(complaint, now, "status", "assigned_to")
    event_add(complaint, Kind.IN_PROGRESS, actor=actor, at=now)
    audit(actor, "progress", complaint)
    return complaint


@transaction.atomic
def complaint_wait(*, actor: User, complaint: Complaint, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Waiting on the complainant (a document, an answer): the clock stops and keeps the time it had left."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    _require(complaint, *Complaint.ACTIVE)
    if complaint.waiting_since is not None or complaint.due_at is None:
        raise Conflict(_("The clock is not running."), field="status")
    complaint.remaining_s = max(0, int((complaint.due_at - now).total_seconds()))
    complaint.waiting_since, complaint.due_at, complaint.amber_at = now, None, None
    _touch(complaint, now, "remaining_s", "waiting_since", "due_at", "amber_at")
    event_add(complaint, Kind.WAITING, actor=actor, at=now, note=_note(note))
    audit(actor, "wait", complaint)
    return complaint


def _restart(complaint: Complaint, now: dt.datetime, remaining: dt.timedelta | None = None) -> None:
    amber_at, due_at = sla.clock(complaint.category, complaint.level, now)
    if remaining is not None and due_at is not None and amber_at is not None:
        shift = (now + remaining) - due_at
        amber_at, due_at = max(now, amber_at + shift), now + remaining
    complaint.amber_at, complaint.due_at = amber_at, due_at
    complaint.waiting_since, complaint.remaining_s = None, None


@transaction.atomic
def complaint_resume(*, actor: User, complaint: Complaint, now: dt.datetime | None = None) -> Complaint:
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    _require(complaint, *Complaint.ACTIVE)
    if complaint.waiting_since is None:
        raise Conflict(_("The clock is running already."), field="status")
    _restart(complaint, now, dt.timedelta(seconds=complaint.remaining_s or 0))
    _touch(complaint, now, "amber_at", "due_at", "waiting_since", "remaining_s")
    event_add(complaint, Kind.RESUMED, actor=actor, at=now)
    audit(actor, "resume", complaint)
    return complaint


@transaction.atomic
def complaint_resolve(*, actor: User, complaint: Complaint, note: str, now: dt.datetime | None = None) -> Complaint:
    """Solved: the clock stops; the filer is told. A resolution says what was done."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    _require(complaint, *Complaint.ACTIVE)
    text = _note(note, required=True)
    complaint.status, complaint.resolved_at = Status.RESOLVED, now
    complaint.amber_at = complaint.due_at = complaint.waiting_since = None
    complaint.remaining_s = None
    _touch(complaint, now, "status", "resolved_at", "amber_at", "due_at", "waiting_since", "remaining_s")
    event_add(complaint, Kind.RESOLVED, actor=actor, at=now, note=text)
    audit(actor, "resolve", complaint)
    notices.filer_resolved(complaint)
    return complaint


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Closed (after resolution, or withdrawn, or a duplicate — say which): kept for ever, reopenable."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    _require(complaint, Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED)
    text = _note(note, required=complaint.status != Status.RESOLVED)
    complaint.status, complaint.closed_at = Status.CLOSED, now
    complaint.amber_at = complaint.due_at = complaint.waiting_since = None
    complaint.remaining_s = None
    _touch(complaint, now, "status", "closed_at", "amber_at", "due_at", "waiting_since", "remaining_s")
    event_add(complaint, Kind.CLOSED, actor=actor, at=now, note=text)
    audit(actor, "close", complaint)
    signals.announce_closed(complaint)
    return complaint


@transaction.atomic
def complaint_reopen(*, actor: User, complaint: Complaint, note: str, now: dt.datetime | None = None) -> Complaint:
    """Back to open with a fresh clock at the level it had reached (the reason is required)."""
    now = now or timezone.now()
    complaint = _locked(actor, complaint)
    _require(complaint, Status.RESOLVED, Status.CLOSED)
    text = _note(note, required=True)
    complaint.status, complaint.resolved_at, complaint.closed_at = Status.OPEN, None, None
    _restart(complaint, now)
    _touch(complaint, now, "status", "resolved_at", "closed_at", "amber_at", "due_at", "waiting_since",
           "remaining_s")
    event_add(complaint, Kind.REOPENED, actor=actor, at=now, note=text)
    audit(actor, "reopen", complaint)
    return complaint
