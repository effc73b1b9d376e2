"""Adapters for the casework apps: complaints and shelter stays."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from embassy.common.when import local_label
from embassy.complaints.models import Category, Complaint, ComplaintEvent
from embassy.shelters.models import Residence
from embassy.timeline.entries import Entry, short
from embassy.timeline.sources.base import Source

# --- Shelter stays ------------------------------------------------------------------------------------------

def _residence_entry(row: Residence, for_citizen: bool) -> Entry:
    mission = row.shelter.mission
    until = local_label(row.checked_out_at, mission.timezone) if row.checked_out_at else _("still there")
    detail = _("from %(start)s until %(end)s") % {"start": local_label(row.checked_in_at, mission.timezone),
                                                 "end": until}
    if not for_citizen and row.checkout_reason:
        detail += f" · {row.get_checkout_reason_display()}"
    return Entry(at=row.checked_in_at, kind="shelter",
                 title=_("Shelter stay: %(shelter)s") % {"shelter": row.shelter.name},
                 detail=short(detail), mission=mission,
                 link="" if for_citizen else reverse("console:shelter-residence", args=[row.pk]),
                 citizen_visible=row.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="residence", id=row.pk)


RESIDENCES = Source(
    name="residence", kind="shelter", at="checked_in_at", mission="shelter__mission_id",
    rows=lambda cid: Residence.objects.filter(citizen_id=cid).select_related("shelter__mission"),
    seen_by_citizen=True, entry=_residence_entry,
)


# --- Complaints: each step of a complaint's history -------------------------------------------------------

# What the citizen sees of a complaint: its number, its steps of status, and where it stands now; not the
# officers' notes, assignments, links or escalations.
COMPLAINT_PUBLIC = (ComplaintEvent.Kind.FILED, ComplaintEvent.Kind.IN_PROGRESS, ComplaintEvent.Kind.WAITING,
                    ComplaintEvent.Kind.RESUMED, ComplaintEvent.Kind.RESOLVED, ComplaintEvent.Kind.CLOSED,
                    ComplaintEvent.Kind.REOPENED)


def _complaint_entry(event: ComplaintEvent, for_citizen: bool) -> Entry:
    complaint = event.complaint
    category = Category(complaint.category).label if complaint.category in Category.values else complaint.category
    status = Complaint.Status(complaint.status).label if complaint.status in Complaint.Status.values else ""
    if for_citizen:
        detail = _("Status now: %(status)s") % {"status": status}
    else:
        text = event.note or (complaint.text if event.kind == ComplaintEvent.Kind.FILED else "")
        detail = " · ".join(p for p in (text, _("Status now: %(status)s") % {"status": status}) if p)
    return Entry(at=event.at, kind="complaint",
                 title=f"{complaint.number} · {category}: {event.get_kind_display()}",
                 detail=short(detail), mission=complaint.mission,
                 link=(reverse("complaints:detail", args=[complaint.number]) if for_citizen
                       else reverse("console:complaints-detail", args=[complaint.number])),
                 citizen_visible=event.citizen_sees,  # type: ignore[attr-defined]  # annotated by fetch
                 source="complaint_event", id=event.pk)


COMPLAINTS = Source(
    name="complaint_event", kind="complaint", at="at", mission="complaint__mission_id",
    rows=lambda cid: ComplaintEvent.objects.filter(complaint__citizen_id=cid).select_related("complaint__mission"),
    seen_by_citizen=Q(kind__in=COMPLAINT_PUBLIC), entry=_complaint_entry,
)
