"""Plain-dict views of cases for the API and the pages (no queries beyond what the caller prefetched,
except where noted)."""

from __future__ import annotations

import time
from typing import Any

from django.http import FileResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from embassy.common.errors import NotFound
from embassy.common.links import absolute_url
from embassy.geo.gazetteer import nearest, timezone_at
from embassy.missions.contact import hotline_for
from embassy.missions.models import Mission
from embassy.sos.models import Attachment, Case, Event
from embassy.sos.selectors import sla
from embassy.sos.services.attachments import open_attachment

_CACHE_SECONDS = 60.0
_missions: dict[int, tuple[float, Mission]] = {}


def mission_cached(mission_id: int) -> Mission:
    """Missions change a few times a year; the panic button's answer reads them from a one-minute cache."""
    now = time.monotonic()
    hit = _missions.get(mission_id)
    if hit is None or now - hit[0] > _CACHE_SECONDS:
        hit = (now, Mission.objects.get(pk=mission_id))
        _missions[mission_id] = hit
    return hit[1]


def mission_contact(mission: Mission) -> dict[str, Any]:
    """`hotline` is the number to call: the mission's own, or headquarters' where it lists none
    (`hotline_fallback`); `phone` is the mission's switchboard."""
    call = hotline_for(mission)
    return {"code": mission.code, "name": mission.name(), "hotline": call.number,
            "hotline_fallback": call.fallback, "phone": mission.phone, "email": mission.email}


def event_dict(event: Event) -> dict[str, Any]:
    actor = event.actor
    author = ""
    if actor is not None:
        author = actor.get_full_name() or actor.get_username()
    return {"id": event.pk, "at": event.at, "kind": event.kind, "label": str(Event.Kind(event.kind).label),
            "text": event.text, "from_citizen": event.from_citizen, "author": author, "data": event.data}


def case_summary(case: Case) -> dict[str, Any]:
    assigned = case.assigned_to
    return {
        "id": case.pk, "reference": case.reference, "status": case.status, "category": case.category,
        "priority": case.priority, "sla": sla(case).colour, "citizen_id": case.citizen_id,
        "citizen_name": case.citizen.full_name or case.citizen.phone, "mission_code": case.mission.code, "country": case.country_id,
        "location": case.location, "lat": case.lat, "lon": case.lon, "accuracy_m": case.accuracy_m,
        "raised_at": case.raised_at, "waiting_since": case.waiting_since, "acknowledged_at": case.acknowledged_at,
        "assigned_to": (assigned.get_full_name() or assigned.get_username()) if assigned else "",
        "escalation_level": case.escalation_level, "alerts": case.alerts, "cancelled": case.cancelled,
        "unread": case.unread_at is not None, "unverified": case.unverified,
    }


def citizen_timezone(case: Case) -> str:
    """The zone the citizen reads the case's times in: where they pressed, else where their stay is, else the
    case's country, else the mission's."""
    if case.lat is not None and case.lon is not None:
        return timezone_at(case.lat, case.lon, case.country_id)
    stay = case.stay
    if stay is not None and (stay.lat is not None or stay.country_id):
        return timezone_at(stay.lat, stay.lon, stay.country_id)
    if case.country_id:
        return timezone_at(None, None, case.country_id)
    return case.mission.timezone or "UTC"


def nearest_place_label(lat: float | None, lon: float | None) -> str:
    """ "near Kuala Lumpur, Malaysia" for a map's dot; "" when no place is within reach."""
    if lat is None or lon is None:
        return ""
    place = nearest(lat, lon)
    return place.label(get_language()) if place is not None else ""


def citizen_url(case: Case) -> str:
    return absolute_url("sos:case", case.pk)  # reversed once per process (it was a tenth of the press's answer)


def own_case_dict(case: Case, events: list[Event]) -> dict[str, Any]:
    return {
        "id": case.pk, "reference": case.reference, "status": case.status,
        "status_label": str(Case.Status(case.status).label), "category": case.category, "text": case.text,
        "location": case.location, "raised_at": case.raised_at, "acknowledged_at": case.acknowledged_at,
        "resolved_at": case.resolved_at, "outcome": case.outcome, "mission": mission_contact(case.mission),
        "events": [event_dict(e) for e in events],
    }


def attachment_response(case: Case, attachment_id: int) -> FileResponse:
    """An attachment of a case the caller has already read through the scoped, audited selector."""
    attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such attachment."), field="attachment_id")
    response = FileResponse(open_attachment(attachment.path), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{case.reference}-{attachment.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
