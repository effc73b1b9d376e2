"""Writes for crises: declared by an officer, or proposed from a public feed by the relevance rules.

Rules (settings.CRISIS_RULES, defaults below) decide per event kind whether a feed event matters:
earthquakes from magnitude 5.5 with a zone radius that grows with the magnitude; GDACS orange and red
alerts for the other kinds. An event matters only if registered citizens have an active stay inside its
zone; it then becomes a *proposed* crisis for the missions whose citizens are there, or an *active* one
by itself above the auto-confirm threshold. The same event again (or updated by the feed) updates the
one crisis it made. Who is inside comes from the affected-set engine (crises.affected: H3 cells, then the
exact test), and the set is stored as soon as the crisis exists.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.common.errors import BadInput, Conflict, PermissionDenied
from embassy.crises.affected import Candidate, affected_refresh, find_affected
from embassy.crises.feeds import FeedEvent
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.zone import clean_polygon, shape_of
from embassy.geo.boundaries import validate_point
from embassy.missions.models import HQ_ROLES, Role
from embassy.missions.selectors import scope_for

log = logging.getLogger(__name__)

# Magnitude → radius of the zone where damage and strong shaking are plausible (km), interpolated.
DEFAULT_RADIUS_BY_MAGNITUDE = [(5.5, 50.0), (6.0, 100.0), (6.5, 150.0), (7.0, 250.0), (7.5, 400.0), (8.0, 600.0),
                               (9.0, 1000.0)]
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "earthquake": {"min_magnitude": 5.5, "auto_magnitude": 7.0, "auto_levels": ["red"]},
    "cyclone": {"levels": ["orange", "red"], "auto_levels": ["red"], "radius_km": 300.0},
    "flood": {"levels": ["orange", "red"], "auto_levels": ["red"], "radius_km": 100.0},
    "volcano": {"levels": ["orange", "red"], "auto_levels": ["red"], "radius_km": 50.0},
    "wildfire": {"levels": ["orange", "red"], "auto_levels": ["red"], "radius_km": 50.0},
    "drought": {"levels": ["red"], "auto_levels": [], "radius_km": 300.0},
}
MAX_RADIUS_KM = 3000.0


def rules() -> dict[str, dict[str, Any]]:
    custom = getattr(settings, "CRISIS_RULES", None) or {}
    return {kind: {**DEFAULT_RULES.get(kind, {}), **custom.get(kind, {})} for kind in {*DEFAULT_RULES, *custom}}


def radius_for_magnitude(magnitude: float) -> float:
    table = getattr(settings, "CRISIS_RADIUS_BY_MAGNITUDE", None) or DEFAULT_RADIUS_BY_MAGNITUDE
    mags = [m for m, _ in table]
    if magnitude <= mags[0]:
        return float(table[0][1])
    if magnitude >= mags[-1]:
        return float(table[-1][1])
    i = bisect.bisect_right(mags, magnitude)
    (m0, r0), (m1, r1) = table[i - 1], table[i]
    return float(r0 + (r1 - r0) * (magnitude - m0) / (m1 - m0))


@dataclass(frozen=True)
class Decision:
    relevant: bool
    radius_km: float
    auto_confirm: bool
    reason: str


def decide(event: FeedEvent) -> Decision:
    """Whether a feed event can matter, its zone radius, and whether it confirms itself."""
    rule = rules().get(event.kind)
    level = (event.severity_label or "").lower()
    if rule is None:
        return Decision(False, 0.0, False, f"no rule for {event.kind}")
    if event.kind == "earthquake":
        if event.magnitude is None or event.magnitude < float(rule.get("min_magnitude", 5.5)):
            return Decision(False, 0.0, False, f"magnitude {event.magnitude} below the threshold")
        auto = event.magnitude >= float(rule.get("auto_magnitude", 99)) or level in rule.get("auto_levels", [])
        return Decision(True, radius_for_magnitude(event.magnitude), auto, f"magnitude {event.magnitude}")
    if level not in rule.get("levels", []):
        return Decision(False, 0.0, False, f"alert level {level or 'none'} below the threshold")
    return Decision(True, float(rule.get("radius_km", 100.0)), level in rule.get("auto_levels", []),
                    f"alert level {level}")


def _inside(crisis: Crisis) -> tuple[dict[int, Candidate], list[int]]:
    """Who is inside the crisis's zone now (H3 engine), and their missions."""
    found = find_affected(crisis)
    return found, sorted({c.mission_id for c in found.values()})


def _notify_missions(crisis: Crisis) -> None:
    """Protection staff of the crisis's missions hear about a new crisis (after commit, via the outbox)."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from embassy.notify.services import Priority, notify_user

    users = get_user_model().objects.filter(
        is_active=True, memberships__mission__in=crisis.missions.all(),
        memberships__role__in=[Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION]).distinct()
    for user in users:
        with translation.override(user.language or "id"):
            if crisis.status == Crisis.Status.PROPOSED:
                subject = _("Possible crisis: %(title)s — confirm or dismiss") % {"title": crisis.title}
            else:
                subject = _("Crisis declared: %(title)s") % {"title": crisis.title}
            body = _("%(n)s registered citizens have an active stay in the zone.") % {"n": crisis.registered_inside}
            notify_user(user=user, subject=str(subject), body=str(body), priority=Priority.HIGH,
                        kind="crisis.new", dedupe_key=f"crisis:{crisis.pk}:{crisis.status}:{user.pk}",
                        data={"crisis": crisis.pk})


def crisis_ingest(*, event: FeedEvent) -> tuple[Crisis | None, str]:
    """Apply one feed event. Returns (crisis, action) with action one of: created, updated, unchanged,
    ignored (not relevant or nobody registered inside)."""
    existing = Crisis.objects.filter(source=event.source, source_id=event.source_id).first()
    decision = decide(event)
    if existing is not None:
        return _update_from_feed(existing, event, decision)
    if not decision.relevant:
        return None, "ignored"
    probe = Crisis(lat=event.lat, lon=event.lon, radius_km=decision.radius_km)  # the zone is the circle
    found, missions = _inside(probe)
    count = len(found)
    if count == 0:
        return None, "ignored"
    status = Crisis.Status.ACTIVE if decision.auto_confirm else Crisis.Status.PROPOSED
    try:
        with transaction.atomic():
            crisis = Crisis.objects.create(
                title=event.title[:300], kind=event.kind if event.kind in Crisis.Kind.values else Crisis.Kind.OTHER,
                status=status, source=event.source, source_id=event.source_id, source_url=event.url[:500],
                source_updated_at=event.updated_at, magnitude=event.magnitude,
                severity_label=event.severity_label[:20], lat=event.lat, lon=event.lon,
                radius_km=decision.radius_km, countries=[event.country] if event.country else [],
                occurred_at=event.occurred_at, registered_inside=count,
                confirmed_at=timezone.now() if decision.auto_confirm else None,
                data={"depth_km": event.depth_km, "episode": event.episode, "rule": decision.reason})
            crisis.missions.set(missions)
            affected_refresh(crisis, found)
            CrisisEvent.objects.create(crisis=crisis, kind="proposed" if status == Crisis.Status.PROPOSED
                                       else "auto_confirmed", text=decision.reason,
                                       data={"registered_inside": count, "radius_km": decision.radius_km})
            transaction.on_commit(lambda: _notify_missions(crisis))
    except IntegrityError:  # the same event ingested at the same moment by another poll
        again = Crisis.objects.filter(source=event.source, source_id=event.source_id).first()
        return again, "unchanged"
    return crisis, "created"


def _update_from_feed(crisis: Crisis, event: FeedEvent, decision: Decision) -> tuple[Crisis, str]:
    if crisis.source_updated_at is not None and event.updated_at <= crisis.source_updated_at:
        return crisis, "unchanged"
    changes: dict[str, Any] = {}
    for field, value in (("magnitude", event.magnitude), ("severity_label", event.severity_label[:20]),
                         ("lat", event.lat), ("lon", event.lon), ("title", event.title[:300])):
        if getattr(crisis, field) != value:
            changes[field] = value
    if decision.relevant and crisis.radius_km != decision.radius_km and crisis.status != Crisis.Status.CLOSED:
        changes["radius_km"] = decision.radius_km
    with transaction.atomic():
        for field, value in changes.items():
            setattr(crisis, field, value)
        crisis.source_updated_at = event.updated_at
        if {"lat", "lon", "radius_km"} & changes.keys() and crisis.status in (Crisis.Status.PROPOSED,
                                                                               Crisis.Status.ACTIVE):
            crisis.save()
            affected_refresh(crisis)
        if decision.auto_confirm and crisis.status == Crisis.Status.PROPOSED:
            crisis.status, crisis.confirmed_at = Crisis.Status.ACTIVE, timezone.now()
            changes["status"] = crisis.status
        crisis.save()
        CrisisEvent.objects.create(crisis=crisis, kind="feed_update", text=_("Updated by the feed."),
                                   data={k: v for k, v in changes.items() if isinstance(v, str | int | float)})
    return crisis, "updated"


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
