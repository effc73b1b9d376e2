"""Adapters for the apps below the casework: SOS, applications, crises, appointments, stays, and the notes kept
here."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from embassy.applications.models import Status as ApplicationStatus
from embassy.applications.models import StatusEvent
from embassy.citizens.models import Stay
from embassy.common.when import local_label
from embassy.consular.models import Booking
from embassy.crises.models import Affected, Answer, Crisis
from embassy.sos.models import Event
from embassy.timeline.entries import Entry, short
from embassy.timeline.models import Note
from embassy.timeline.sources.base import Source

# --- SOS: the case timeline (presses, acknowledgement, messages…) -------------------------------------------

SOS_HIDDEN = (Event.Kind.NOTE, Event.Kind.ESCALATED)


def _sos_entry(event: Event, for_citizen: bool) -> Entry:
    case = event.case
    detail = event.text or (case.get_category_display() if event.kind == Event.Kind.RAISED else "")
    link = (reverse("sos:case", args=[case.pk]) if for_citizen else reverse("console:sos-case", args=[case.pk]))
    return Entry(at=event.at, kind="sos", title=f"{case.reference} · {event.get_kind_display()}",
                 detail=short(detail), mission=case.mission, link=link, citizen_visible=event.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="sos_event", id=event.pk)


SOS = Source(
    name="sos_event", kind="sos", at="at", mission="case__mission_id",
    rows=lambda cid: Event.objects.filter(case__citizen_id=cid).select_related("case__mission"),
    seen_by_citizen=Q(public=True) & ~Q(kind__in=SOS_HIDDEN), entry=_sos_entry,
)


# --- Applications: each step of the status timeline ---------------------------------------------------------

def _application_entry(event: StatusEvent, for_citizen: bool) -> Entry:
    app = event.application
    link = (reverse("applications:detail", args=[app.reference]) if for_citizen
            else reverse("console:applications-detail", args=[app.mission.code, app.reference]))
    return Entry(at=event.at, kind="application",
                 title=f"{app.reference} · {app.service.name()}: {ApplicationStatus(event.status).label}",
                 detail=short(event.note), mission=app.mission, link=link,
                 citizen_visible=event.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="application_event", id=event.pk)


APPLICATIONS = Source(
    name="application_event", kind="application", at="at", mission="application__mission_id",
    rows=lambda cid: StatusEvent.objects.filter(application__citizen_id=cid).select_related(
        "application__mission", "application__service"),
    seen_by_citizen=True, entry=_application_entry,
)


# --- Crises: in the affected set (officers only) and the answers to "are you safe?" -------------------------

def _affected_entry(row: Affected, for_citizen: bool) -> Entry:
    return Entry(at=row.added_at, kind="crisis", title=_("In the zone of a crisis: %(crisis)s") % {"crisis": row.crisis.title},
                 detail=str(row.get_via_display()), mission=row.mission,
                 link=reverse("console:crisis", args=[row.crisis_id]), citizen_visible=False,
                 source="crisis_affected", id=row.pk)


def _answer_entry(row: Answer, for_citizen: bool) -> Entry:
    affected = row.affected
    answer = Affected.Answer(row.answer).label if row.answer in Affected.Answer.values else row.answer
    detail = affected.crisis.title + (f" · {row.text}" if row.text else "")
    return Entry(at=row.at, kind="crisis", title=_("Answered “are you safe?”: %(answer)s") % {"answer": answer},
                 detail=short(detail), mission=affected.mission,
                 link="" if for_citizen else reverse("console:crisis", args=[affected.crisis_id]),
                 citizen_visible=row.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="crisis_answer", id=row.pk)


AFFECTED = Source(
    name="crisis_affected", kind="crisis", at="added_at", mission="mission_id",
    # Through the (crisis, citizen) unique index, one probe per crisis (crises are few, affected rows millions).
    rows=lambda cid: Affected.objects.filter(crisis_id__in=Crisis.objects.values("id"), citizen_id=cid)
    .select_related("crisis", "mission"),
    seen_by_citizen=False, entry=_affected_entry,
)
ANSWERS = Source(
    name="crisis_answer", kind="crisis", at="at", mission="affected__mission_id",
    rows=lambda cid: Answer.objects.filter(affected__crisis_id__in=Crisis.objects.values("id"),
                                           affected__citizen_id=cid).select_related(
        "affected__crisis", "affected__mission"),
    seen_by_citizen=True, entry=_answer_entry,
)


# --- Consular appointments, with the counter ticket that came of one ---------------------------------------

def _booking_entry(booking: Booking, for_citizen: bool) -> Entry:
    mission = booking.slot.mission
    parts = [_("for %(when)s") % {"when": local_label(booking.slot.starts_at, mission.timezone)}]
    ticket = getattr(booking, "ticket", None)  # the reverse one-to-one is absent when no ticket was issued
    if ticket is not None:
        parts.append(_("ticket %(ticket)s: %(status)s") % {"ticket": ticket.label, "status": ticket.get_status_display()})
    return Entry(at=booking.created_at, kind="appointment",
                 title=f"{booking.reference} · {booking.service.name()}: {booking.get_status_display()}",
                 detail=short(" · ".join(parts)), mission=mission,
                 link=reverse("consular:booking", args=[booking.reference]) if for_citizen else "",
                 citizen_visible=booking.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="booking", id=booking.pk)


BOOKINGS = Source(
    name="booking", kind="appointment", at="created_at", mission="slot__mission_id",
    rows=lambda cid: Booking.objects.filter(citizen_id=cid).select_related("slot__mission", "service", "ticket"),
    seen_by_citizen=True, entry=_booking_entry,
)


# --- Stays (lapor diri) -------------------------------------------------------------------------------------

def _stay_entry(stay: Stay, for_citizen: bool) -> Entry:
    place = ", ".join(p for p in (stay.city, stay.country.name()) if p)
    dates = str(stay.start_date) + (f" – {stay.end_date}" if stay.end_date else "")
    return Entry(at=stay.created_at, kind="stay", title=_("Stay reported: %(place)s") % {"place": place},
                 detail=short(f"{stay.get_purpose_display()} · {dates} · {stay.get_status_display()}"),
                 mission=stay.mission,
                 link=(reverse("citizens:stay-edit", args=[stay.pk]) if for_citizen
                       else reverse("console:citizen", args=[stay.citizen_id])),
                 citizen_visible=stay.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="stay", id=stay.pk)


STAYS = Source(
    name="stay", kind="stay", at="created_at", mission="mission_id",
    rows=lambda cid: Stay.objects.filter(citizen_id=cid).select_related("mission", "country"),
    seen_by_citizen=True, entry=_stay_entry,
)


# --- Officers' calls and notes (never shown to the citizen) -------------------------------------------------

def _note_entry(note: Note, for_citizen: bool) -> Entry:
    author = note.author.get_full_name() or note.author.get_username()
    return Entry(at=note.at, kind="note", title=f"{note.get_kind_display()} · {author}", detail=note.text,
                 mission=note.mission, link="", citizen_visible=False, source="note", id=note.pk)


NOTES = Source(
    name="note", kind="note", at="at", mission="mission_id",
    rows=lambda cid: Note.objects.filter(citizen_id=cid).select_related("mission", "author"),
    seen_by_citizen=False, entry=_note_entry,
)
