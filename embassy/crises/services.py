"""Writes for crises by officers: declare, change the zone, confirm, dismiss or close, notes. Crises from the
public feeds are made by crises.ingest."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, Conflict, PermissionDenied
from embassy.crises.affected import affected_refresh
from embassy.crises.asking import ROLLCALL_KINDS
from embassy.crises.cap import crisis_cap_all_clear
from embassy.crises.ingest import MAX_RADIUS_KM, notify_missions
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.powers import require_manage
from embassy.crises.zone import clean_polygon, shape_of
from embassy.geo.boundaries import validate_point
from embassy.geo.models import Country
from embassy.missions.selectors import scope_for
from embassy.notify.services import messages_cancel

log = logging.getLogger(__name__)

# --- Officers ---------------------------------------------------------------------------------------------------
def crisis_declare(*, actor: User, title: str, kind: str, lat: Any = None, lon: Any = None,
                   radius_km: Any = None, countries: list[str] | None = None,
                   polygon: dict[str, Any] | None = None) -> Crisis:
    """An officer declares a crisis over a circle (lat, lon, radius), a polygon (GeoJSON, drawn on the map)
    and/or whole countries, within their missions' jurisdiction (crises.powers). Active at once; the
    affected set is computed before this returns."""
    require_manage(actor, None, action="declare")
    title = (title or "").strip()
    if not title:
        raise BadInput(_("Give the crisis a title."), field="title")
    if kind not in Crisis.Kind.values:
        raise BadInput(_("Unknown kind of crisis."), field="kind")
    codes = _country_codes(countries)
    la = lo = r = None
    geometry = clean_polygon(polygon) if polygon else None
    if lat is not None or lon is not None:
        la, lo, r = _circle(lat, lon, radius_km)
    elif geometry is None and not codes:
        raise BadInput(_("Draw a zone on the map or choose a country."), field="lat")
    if geometry is not None and la is None:
        centre = shape_of(geometry).representative_point()
        la, lo = float(centre.y), ((float(centre.x) + 180.0) % 360.0) - 180.0
    probe = Crisis(title=title[:300], kind=kind, lat=la, lon=lo, radius_km=r, polygon=geometry, countries=codes)
    require_manage(actor, None, action="declare", zones=(probe,))
    return _declare(actor, probe)


@transaction.atomic
def _declare(actor: User, crisis: Crisis) -> Crisis:
    now = timezone.now()
    crisis.status, crisis.declared_by, crisis.confirmed_by = Crisis.Status.ACTIVE, actor, actor
    crisis.confirmed_at = crisis.occurred_at = now
    crisis.save()
    result = affected_refresh(crisis)
    CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.DECLARED, actor=actor,
                               data={"registered_inside": result.inside, "people": result.people})
    zone = "polygon" if crisis.polygon else ("circle" if crisis.radius_km else "countries")
    audit_record(actor=actor, action="crisis.declare", object_type="crisis", object_id=crisis.pk,
                 detail={"zone": zone, "countries": crisis.countries})
    transaction.on_commit(lambda: notify_missions(crisis, "declared"))
    return crisis


def _country_codes(countries: list[str] | None) -> list[str]:
    codes = sorted({(c or "").strip().upper() for c in (countries or []) if (c or "").strip()})
    if codes:
        known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise BadInput(_("Unknown country: %(codes)s.") % {"codes": ", ".join(unknown)}, field="countries")
    return codes


def _circle(lat: Any, lon: Any, radius_km: Any) -> tuple[float, float, float]:
    la, lo = validate_point(lat, lon)
    try:
        r = float(radius_km)
    except (TypeError, ValueError):
        raise BadInput(_("Give the radius in kilometres."), field="radius_km") from None
    if not (0 < r <= MAX_RADIUS_KM):
        raise BadInput(_("The radius must be between 0 and %(max)s km.") % {"max": int(MAX_RADIUS_KM)},
                       field="radius_km")
    return la, lo, r


def crisis_zone_update(*, actor: User, crisis: Crisis, lat: Any = None, lon: Any = None, radius_km: Any = None,
                       polygon: dict[str, Any] | None = None, countries: list[str] | None = None) -> Crisis:
    """Change an open crisis's zone; the affected set follows (people who left keep their answers). The
    officer's jurisdiction must reach the zone before and after the change."""
    require_manage(actor, crisis, action="zone")
    if crisis.status not in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE):
        raise Conflict(_("This crisis is already closed."))
    probe = Crisis(lat=crisis.lat, lon=crisis.lon, radius_km=crisis.radius_km, polygon=crisis.polygon,
                   countries=list(crisis.countries or []))
    if polygon:
        probe.polygon = clean_polygon(polygon)
        probe.radius_km = None
    elif lat is not None or lon is not None:
        probe.lat, probe.lon, probe.radius_km = _circle(lat, lon, radius_km)
        probe.polygon = None
    if countries is not None:
        probe.countries = _country_codes(countries)
    if not (probe.polygon or probe.radius_km or probe.countries):
        raise BadInput(_("Draw a zone on the map or choose a country."), field="lat")
    require_manage(actor, crisis, action="zone", zones=(probe,))
    return _zone_update(actor, crisis, probe)


@transaction.atomic
def _zone_update(actor: User, crisis: Crisis, probe: Crisis) -> Crisis:
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if crisis.status not in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE):
        raise Conflict(_("This crisis is already closed."))
    before = {"lat": crisis.lat, "lon": crisis.lon, "radius_km": crisis.radius_km, "polygon": bool(crisis.polygon),
              "countries": crisis.countries}
    for field in ("lat", "lon", "radius_km", "polygon", "countries"):
        setattr(crisis, field, getattr(probe, field))
    crisis.data = {**(crisis.data or {}), "zone_by": "officer"}  # later feed events add to it, never replace it
    crisis.save()
    result = affected_refresh(crisis)
    CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.ZONE_CHANGED, actor=actor,
                               data={"before": before, "added": result.added, "left": result.left,
                                     "inside": result.inside})
    audit_record(actor=actor, action="crisis.zone", object_type="crisis", object_id=crisis.pk)
    return crisis


def crisis_confirm(*, actor: User, crisis: Crisis) -> Crisis:
    require_manage(actor, crisis, action="confirm")
    return _confirm(actor, crisis)


@transaction.atomic
def _confirm(actor: User, crisis: Crisis) -> Crisis:
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if crisis.status != Crisis.Status.PROPOSED:
        raise Conflict(_("Only a proposed crisis can be confirmed."))
    crisis.status, crisis.confirmed_by, crisis.confirmed_at = Crisis.Status.ACTIVE, actor, timezone.now()
    crisis.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.CONFIRMED, actor=actor)
    audit_record(actor=actor, action="crisis.confirm", object_type="crisis", object_id=crisis.pk)
    return crisis


def crisis_dismiss(*, actor: User, crisis: Crisis, reason: str = "") -> Crisis:
    """Dismiss a proposed crisis, or close an active one. Closing withdraws its roll-call messages still
    waiting in the outbox (questions, reminders, emergency contacts' messages) and, when the crisis had CAP
    alerts, publishes the all-clear Update."""
    require_manage(actor, crisis, action="close" if crisis.status == Crisis.Status.ACTIVE else "dismiss")
    return _dismiss(actor, crisis, reason)


@transaction.atomic
def _dismiss(actor: User, crisis: Crisis, reason: str) -> Crisis:
    # The lock orders this after any roll-call batch in progress (they lock the row too), so the messages a
    # batch has queued are withdrawn here and no batch queues more once the crisis is closed.
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if crisis.status not in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE):
        raise Conflict(_("This crisis is already closed."))
    crisis.status = Crisis.Status.DISMISSED if crisis.status == Crisis.Status.PROPOSED else Crisis.Status.CLOSED
    crisis.save(update_fields=["status", "updated_at"])
    withdrawn = messages_cancel(kinds=ROLLCALL_KINDS, data={"crisis": crisis.pk},
                                reason=f"withdrawn: crisis {crisis.pk} {crisis.status}")
    CrisisEvent.objects.create(crisis=crisis, kind=crisis.status, actor=actor, text=(reason or "")[:1000],
                               data={"withdrawn": withdrawn})
    audit_record(actor=actor, action=f"crisis.{crisis.status}", object_type="crisis", object_id=crisis.pk,
                 detail={"withdrawn": withdrawn})
    if crisis.status == Crisis.Status.CLOSED:
        crisis_cap_all_clear(actor=actor, crisis=crisis)
    return crisis


def crisis_note_add(*, actor: User, crisis: Crisis, text: str) -> CrisisEvent:
    """A note in the crisis log (the crisis room and the final report show them)."""
    _may_manage_or_read(actor, crisis)
    text = (text or "").strip()
    if not text:
        raise BadInput(_("Write the note first."), field="text")
    event = CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.NOTE, actor=actor, text=text[:4000])
    audit_record(actor=actor, action="crisis.note", object_type="crisis", object_id=crisis.pk)
    return event


def _may_manage_or_read(actor: User, crisis: Crisis) -> None:
    """Any staff member concerned by the crisis may write in its log (analysts, consular staff too)."""
    scope = scope_for(actor)
    if not scope.is_staff:
        raise PermissionDenied(_("Only staff can write in the crisis log."))
    if not scope.is_hq and not set(crisis.missions.values_list("id", flat=True)) & scope.mission_ids:
        raise PermissionDenied(_("This crisis does not concern your mission."))
