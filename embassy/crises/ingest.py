"""Crises from public feeds: the relevance rules and applying one feed event.

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

from embassy.crises.affected import Candidate, affected_refresh, find_affected
from embassy.crises.feeds import FeedEvent
from embassy.crises.models import Crisis, CrisisEvent
from embassy.missions.models import Role

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
