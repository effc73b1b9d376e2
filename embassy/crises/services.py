"""Writes for crises by officers: declare, change the zone, confirm, dismiss or close, notes. Crises from the
public feeds are made by crises.ingest."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.common.errors import BadInput, Conflict, PermissionDenied
from embassy.crises.affected import affected_refresh
from embassy.crises.ingest import MAX_RADIUS_KM, _notify_missions
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.zone import clean_polygon, shape_of
from embassy.geo.boundaries import validate_point
from embassy.missions.models import HQ_ROLES, Role
from embassy.missions.selectors import scope_for

log = logging.getLogger(__name__)

# --- Officers ---------------------------------------------------------------------------------------------------
def _may_manage(actor: Any, crisis: Crisis | None = None) -> None:
    scope = scope_for(actor)
    manager_roles = {Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION, *HQ_ROLES}
    if not (scope.roles & manager_roles):
        raise PermissionDenied(_("Only protection staff and headquarters manage crises."))
    if crisis is not None and not scope.is_hq:
        mine = set(crisis.missions.values_list("id", flat=True))
        if not mine & scope.mission_ids:
            raise PermissionDenied(_("This crisis does not concern your mission."))


@transaction.atomic
def crisis_declare(*, actor: Any, title: str, kind: str, lat: Any = None, lon: Any = None,
                   radius_km: Any = None, countries: list[str] | None = None,
                   polygon: dict[str, Any] | None = None) -> Crisis:
    """An officer declares a crisis over a circle (lat, lon, radius), a polygon (GeoJSON, drawn on the map)
    and/or whole countries. Active at once; the affected set is computed before this returns."""
    _may_manage(actor)
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
    now = timezone.now()
    crisis = Crisis.objects.create(title=title[:300], kind=kind, status=Crisis.Status.ACTIVE, lat=la, lon=lo,
                                   radius_km=r, polygon=geometry, countries=codes, declared_by=actor,
                                   confirmed_by=actor, confirmed_at=now, occurred_at=now)
    result = affected_refresh(crisis)
    CrisisEvent.objects.create(crisis=crisis, kind="declared", actor=actor,
                               data={"registered_inside": result.inside, "people": result.people})
    audit_record(actor=actor, action="crisis.declare", object_type="crisis", object_id=crisis.pk,
                 detail={"zone": "polygon" if geometry else ("circle" if r else "countries"), "countries": codes})
    transaction.on_commit(lambda: _notify_missions(crisis))
    return crisis


def _country_codes(countries: list[str] | None) -> list[str]:
    from embassy.geo.models import Country

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


@transaction.atomic
def crisis_zone_update(*, actor: Any, crisis: Crisis, lat: Any = None, lon: Any = None, radius_km: Any = None,
                       polygon: dict[str, Any] | None = None, countries: list[str] | None = None) -> Crisis:
    """Change an open crisis's zone; the affected set follows (people who left keep their answers)."""
    _may_manage(actor, crisis)
    if crisis.status not in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE):
        raise Conflict(_("This crisis is already closed."))
    before = {"lat": crisis.lat, "lon": crisis.lon, "radius_km": crisis.radius_km, "polygon": bool(crisis.polygon),
              "countries": crisis.countries}
    if polygon:
        crisis.polygon = clean_polygon(polygon)
        crisis.radius_km = None
    elif lat is not None or lon is not None:
        crisis.lat, crisis.lon, crisis.radius_km = _circle(lat, lon, radius_km)
        crisis.polygon = None
    if countries is not None:
        crisis.countries = _country_codes(countries)
    if not (crisis.polygon or crisis.radius_km or crisis.countries):
        raise BadInput(_("Draw a zone on the map or choose a country."), field="lat")
    crisis.save()
    result = affected_refresh(crisis)
    CrisisEvent.objects.create(crisis=crisis, kind="zone_changed", actor=actor,
                               data={"before": before, "added": result.added, "left": result.left,
                                     "inside": result.inside})
    audit_record(actor=actor, action="crisis.zone", object_type="crisis", object_id=crisis.pk)
    return crisis


@transaction.atomic
def crisis_confirm(*, actor: Any, crisis: Crisis) -> Crisis:
    _may_manage(actor, crisis)
    if crisis.status != Crisis.Status.PROPOSED:
        raise Conflict(_("Only a proposed crisis can be confirmed."))
    crisis.status, crisis.confirmed_by, crisis.confirmed_at = Crisis.Status.ACTIVE, actor, timezone.now()
    crisis.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    CrisisEvent.objects.create(crisis=crisis, kind="confirmed", actor=actor)
    audit_record(actor=actor, action="crisis.confirm", object_type="crisis", object_id=crisis.pk)
    return crisis


@transaction.atomic
def crisis_dismiss(*, actor: Any, crisis: Crisis, reason: str = "") -> Crisis:
    _may_manage(actor, crisis)
    if crisis.status not in (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE):
        raise Conflict(_("This crisis is already closed."))
    crisis.status = Crisis.Status.DISMISSED if crisis.status == Crisis.Status.PROPOSED else Crisis.Status.CLOSED
    crisis.save(update_fields=["status", "updated_at"])
    CrisisEvent.objects.create(crisis=crisis, kind=crisis.status, actor=actor, text=(reason or "")[:1000])
    audit_record(actor=actor, action=f"crisis.{crisis.status}", object_type="crisis", object_id=crisis.pk)
    return crisis


def crisis_note_add(*, actor: Any, crisis: Crisis, text: str) -> CrisisEvent:
    """A note in the crisis log (the crisis room and the final report show them)."""
    _may_manage_or_read(actor, crisis)
    text = (text or "").strip()
    if not text:
        raise BadInput(_("Write the note first."), field="text")
    event = CrisisEvent.objects.create(crisis=crisis, kind="note", actor=actor, text=text[:4000])
    audit_record(actor=actor, action="crisis.note", object_type="crisis", object_id=crisis.pk)
    return event


def _may_manage_or_read(actor: Any, crisis: Crisis) -> None:
    """Any staff member concerned by the crisis may write in its log (analysts, consular staff too)."""
    scope = scope_for(actor)
    if not scope.is_staff:
        raise PermissionDenied(_("Only staff can write in the crisis log."))
    if not scope.is_hq and not set(crisis.missions.values_list("id", flat=True)) & scope.mission_ids:
        raise PermissionDenied(_("This crisis does not concern your mission."))
