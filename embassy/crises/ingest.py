"""Crises from public feeds: the relevance rules, and applying one feed event.

Rules (settings.CRISIS_RULES, defaults below) decide per event kind whether a feed event matters:
earthquakes from magnitude 5.5 with a zone radius that grows with the magnitude; GDACS orange and red
alerts for the other kinds. Then, for an event the poller has not seen before:

- An event older than CRISIS_FEED_MAX_AGE_DAYS (default 3) at first sight is ignored: a feed replayed from
  an archive, or a poller back after a long outage, never opens last year's crises.
- The same disaster again — an aftershock, or another feed's alert for it: the same kind of hazard, a zone
  that meets an open crisis's zone, within CRISIS_SEQUENCE_WINDOW_HOURS (default 168, a week) of one of
  its events — extends that crisis: the crisis lists the event, its zone becomes the union of its events'
  circles (or the officer's zone with the new circle added), people found inside are added, and with the
  roll-call running only they are asked. A crisis an officer dismissed absorbs, silently, an event no
  stronger than its strongest one that does not confirm itself; a stronger one is proposed anew.
- Otherwise the event makes a crisis when registered citizens are inside its zone: *proposed* for the
  missions whose citizens are there, or *active* at once above the auto-confirm threshold.

A later version of a known event updates it. A proposed crisis that a feed update or a new event makes
severe enough becomes active, and the missions concerned are told that it is now active; missions first
reached by a grown zone are told about the crisis.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.common.errors import BadInput
from embassy.common.links import absolute_url
from embassy.common.when import local_label
from embassy.crises.affected import affected_refresh, find_affected
from embassy.crises.feeds import FeedEvent
from embassy.crises.models import Crisis, CrisisEvent, FeedItem
from embassy.crises.reach import covering_circle, overlaps, union_zone
from embassy.missions.models import Membership
from embassy.notify.services import Priority, notify_user

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
    custom = settings.CRISIS_RULES
    return {kind: {**DEFAULT_RULES.get(kind, {}), **custom.get(kind, {})} for kind in {*DEFAULT_RULES, *custom}}


def radius_for_magnitude(magnitude: float) -> float:
    table = settings.CRISIS_RADIUS_BY_MAGNITUDE or DEFAULT_RADIUS_BY_MAGNITUDE
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


LEVELS = {"": 0, "green": 1, "yellow": 2, "orange": 3, "red": 4}
OPEN = (Crisis.Status.PROPOSED, Crisis.Status.ACTIVE)


def max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.CRISIS_FEED_MAX_AGE_DAYS)


def sequence_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.CRISIS_SEQUENCE_WINDOW_HOURS)


# --- Telling the missions -------------------------------------------------------------------------------------------
def notify_missions(crisis: Crisis, what: str, mission_ids: set[int] | None = None) -> None:
    """Protection staff of the crisis's missions (or of `mission_ids`) hear about it, via the outbox. `what`:
    proposed (confirm or dismiss), declared, confirmed (a feed made it active), reached (a grown zone
    reached their mission). Once per person and `what`."""
    missions = list(crisis.missions.values_list("id", flat=True)) if mission_ids is None else list(mission_ids)
    users = staff_to_notify(purpose=Purpose.PROTECTION, missions=missions)
    url = absolute_url("console:crisis", crisis.pk)
    zones = dict(Membership.objects.filter(user__in=users, mission_id__in=missions)  # each reader's mission's clock
                 .order_by("mission_id").values_list("user_id", "mission__timezone"))
    for user in users:
        with translation.override(user.language or "id"):
            subject = {
                "proposed": _("Possible crisis: %(title)s — confirm or dismiss"),
                "declared": _("Crisis declared: %(title)s"),
                "confirmed": _("Crisis now active: %(title)s — confirmed by a feed update"),
                "reached": _("Crisis extended to your area: %(title)s"),
            }[what] % {"title": crisis.title}
            body = _("%(n)s registered citizens have an active stay in the zone.") % {"n": crisis.registered_inside}
            if crisis.occurred_at is not None:
                body = _("Occurred %(when)s.") % {"when": local_label(crisis.occurred_at, zones.get(user.pk))} + \
                    " " + body
            notify_user(user=user, subject=str(subject), body=str(body), url=url, priority=Priority.HIGH,
                        kind="crisis.new", dedupe_key=f"crisis:{crisis.pk}:{what}:{user.pk}",
                        data={"crisis": crisis.pk})


def _after_commit(crisis: Crisis, what: str, mission_ids: set[int] | None = None) -> None:
    transaction.on_commit(lambda: notify_missions(crisis, what, mission_ids))


# --- Applying one event ---------------------------------------------------------------------------------------------
def crisis_ingest(*, event: FeedEvent, now: dt.datetime | None = None) -> tuple[Crisis | None, str]:
    """Apply one feed event seen at `now` (default: now). Returns (crisis, action), action one of: created,
    extended (another event of an existing crisis), updated, unchanged, ignored (not relevant, or nobody
    registered inside), too_old (older than CRISIS_FEED_MAX_AGE_DAYS at first sight)."""
    now = now or timezone.now()
    item = FeedItem.objects.filter(source=event.source, source_id=event.source_id).first()
    decision = decide(event)
    if item is not None:
        return _update(item, event, decision)
    if not decision.relevant:
        return None, "ignored"
    if now - event.occurred_at > max_age():
        log.info("crisis feed: %s %s is older than the maximum age at first sight", event.source, event.source_id)
        return None, "too_old"
    host = _sequence_of(event, decision)
    if host is not None:
        return _extend(host, event, decision, now)
    return _create(event, decision, now)


def _kind(event: FeedEvent) -> str:
    return event.kind if event.kind in Crisis.Kind.values else Crisis.Kind.OTHER


def _item_fields(event: FeedEvent, decision: Decision) -> dict[str, Any]:
    return {"kind": _kind(event), "title": event.title[:300], "url": event.url[:500], "magnitude": event.magnitude,
            "severity_label": event.severity_label[:20], "lat": event.lat, "lon": event.lon,
            "depth_km": event.depth_km, "occurred_at": event.occurred_at, "updated_at": event.updated_at,
            **({"radius_km": decision.radius_km} if decision.relevant else {})}


def _create(event: FeedEvent, decision: Decision, now: dt.datetime) -> tuple[Crisis | None, str]:
    probe = Crisis(lat=event.lat, lon=event.lon, radius_km=decision.radius_km)  # the zone is the circle
    found = find_affected(probe)
    if not found:
        return None, "ignored"
    status = Crisis.Status.ACTIVE if decision.auto_confirm else Crisis.Status.PROPOSED
    try:
        with transaction.atomic():
            crisis = Crisis.objects.create(
                title=event.title[:300], kind=_kind(event), status=status, source=event.source,
                source_id=event.source_id, source_url=event.url[:500], source_updated_at=event.updated_at,
                magnitude=event.magnitude, severity_label=event.severity_label[:20], lat=event.lat, lon=event.lon,
                radius_km=decision.radius_km, countries=[event.country] if event.country else [],
                occurred_at=event.occurred_at, registered_inside=len(found),
                confirmed_at=timezone.now() if decision.auto_confirm else None,
                data={"depth_km": event.depth_km, "episode": event.episode, "rule": decision.reason})
            FeedItem.objects.create(crisis=crisis, source=event.source, source_id=event.source_id, first_seen_at=now,
                                    **_item_fields(event, decision))
            crisis.missions.set(sorted({c.mission_id for c in found.values()}))
            affected_refresh(crisis, found)
            kind = CrisisEvent.Kind.PROPOSED if status == Crisis.Status.PROPOSED else CrisisEvent.Kind.AUTO_CONFIRMED
            CrisisEvent.objects.create(crisis=crisis, kind=kind, text=decision.reason,
                                       data={"registered_inside": len(found), "radius_km": decision.radius_km})
            _after_commit(crisis, "proposed" if status == Crisis.Status.PROPOSED else "declared")
    except IntegrityError:  # the same event ingested at the same moment by another poll
        again = FeedItem.objects.filter(source=event.source, source_id=event.source_id).first()
        return (again.crisis if again else None), "unchanged"
    return crisis, "created"


def _sequence_of(event: FeedEvent, decision: Decision) -> Crisis | None:
    """The crisis this event is part of: same kind of hazard, zones that meet, within the window of one of its
    events (or of its declaration). Open crises first, the most recent first; then dismissed ones."""
    kind = _kind(event)
    if kind == Crisis.Kind.OTHER:
        return None
    window = sequence_window()
    span = (event.occurred_at - window, event.occurred_at + window)
    with_items = FeedItem.objects.filter(kind=kind, occurred_at__range=span).values("crisis_id")
    candidates = Crisis.objects.filter(
        Q(pk__in=with_items) | Q(source_id="", kind=kind, occurred_at__range=span),
        status__in=[*OPEN, Crisis.Status.DISMISSED])
    ranked = sorted(candidates, key=lambda c: (c.status == Crisis.Status.DISMISSED, -c.pk))
    for crisis in ranked:
        if crisis.status == Crisis.Status.DISMISSED and (decision.auto_confirm or _strength(_as_item(event)) > max(
                (_strength(i) for i in crisis.feed_items.all()), default=(0.0, 0, 0.0))):
            continue  # stronger than what the officer dismissed: it deserves its own proposal
        if overlaps(crisis, event.lat, event.lon, decision.radius_km):
            return crisis
    return None


def _as_item(event: FeedEvent) -> FeedItem:
    return FeedItem(magnitude=event.magnitude, severity_label=event.severity_label, occurred_at=event.occurred_at)


def _extend(crisis: Crisis, event: FeedEvent, decision: Decision, now: dt.datetime) -> tuple[Crisis, str]:
    with transaction.atomic():
        crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
        try:
            with transaction.atomic():
                FeedItem.objects.create(crisis=crisis, source=event.source, source_id=event.source_id,
                                        first_seen_at=now, **_item_fields(event, decision))
        except IntegrityError:  # another poll applied it meanwhile
            return crisis, "unchanged"
        detail = {"source": event.source, "source_id": event.source_id, "title": event.title[:300],
                  "magnitude": event.magnitude, "level": event.severity_label[:20]}
        if crisis.status not in OPEN:  # dismissed by an officer: recorded, nothing more
            CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.FEED_EVENT, text=event.title[:300], data=detail)
            return crisis, "extended"
        before = set(crisis.missions.values_list("id", flat=True))
        _headline(crisis)
        _zone(crisis, new=(event.lat, event.lon, decision.radius_km))
        crisis.save()
        result = affected_refresh(crisis)
        CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.FEED_EVENT, text=event.title[:300],
                                   data={**detail, "added": result.added, "inside": result.inside})
        _settle(crisis, decision, before)
    return crisis, "extended"


def _update(item: FeedItem, event: FeedEvent, decision: Decision) -> tuple[Crisis, str]:
    if event.updated_at <= item.updated_at:
        return item.crisis, "unchanged"
    with transaction.atomic():
        crisis = Crisis.objects.select_for_update().get(pk=item.crisis_id)
        changes = {f: v for f, v in _item_fields(event, decision).items()
                   if f not in ("updated_at", "kind") and getattr(item, f) != v}
        for field, value in _item_fields(event, decision).items():
            setattr(item, field, value)
        item.save()
        crisis.source_updated_at = max(crisis.source_updated_at or event.updated_at, event.updated_at)
        before = set(crisis.missions.values_list("id", flat=True))
        _headline(crisis)
        zone_before = (crisis.lat, crisis.lon, crisis.radius_km, crisis.polygon)
        if crisis.status in OPEN:
            _zone(crisis)
        crisis.save()
        if crisis.status in OPEN and zone_before != (crisis.lat, crisis.lon, crisis.radius_km, crisis.polygon):
            affected_refresh(crisis)
        CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.FEED_UPDATE, text=_("Updated by the feed."),
                                   data={"source_id": item.source_id, **{k: v for k, v in changes.items()
                                                                         if isinstance(v, str | int | float)}})
        if crisis.status in OPEN:
            _settle(crisis, decision, before)
    return crisis, "updated"


def _settle(crisis: Crisis, decision: Decision, missions_before: set[int]) -> None:
    """After an event was added or updated: confirm the crisis when the event is severe enough, and tell the
    missions (all of them that it is now active, or the ones the zone newly reaches about the crisis)."""
    if decision.auto_confirm and crisis.status == Crisis.Status.PROPOSED:
        crisis.status, crisis.confirmed_at = Crisis.Status.ACTIVE, timezone.now()
        crisis.save(update_fields=["status", "confirmed_at", "updated_at"])
        CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.AUTO_CONFIRMED, text=decision.reason)
        _after_commit(crisis, "confirmed")
        return
    reached = set(crisis.missions.values_list("id", flat=True)) - missions_before
    if reached:
        _after_commit(crisis, "reached", reached)


# --- The crisis from its events ---------------------------------------------------------------------------------------
def _strength(item: FeedItem) -> tuple[float, int, float]:
    """Magnitude, then alert level; the earlier event wins a tie."""
    return (item.magnitude or 0.0, LEVELS.get(item.severity_label.lower(), 0), -item.occurred_at.timestamp())


def _headline(crisis: Crisis) -> None:
    """Magnitude and level from the strongest event; title, link and epicentre too unless an officer declared
    the crisis or drew its zone (their title and zone stay); the time from the first event."""
    items = list(crisis.feed_items.all())
    if not items:
        return
    top = max(items, key=_strength)
    crisis.magnitude, crisis.severity_label = top.magnitude, top.severity_label
    if crisis.declared_by_id is None:
        crisis.title, crisis.source_url = top.title, top.url
        crisis.occurred_at = min(i.occurred_at for i in items)
    if not _officer_zone(crisis):
        crisis.lat, crisis.lon = top.lat, top.lon


def _officer_zone(crisis: Crisis) -> bool:
    return crisis.declared_by_id is not None or (crisis.data or {}).get("zone_by") == "officer"


def _zone(crisis: Crisis, new: tuple[float, float, float] | None = None) -> None:
    """The zone from the events: the union of their circles. An officer's zone is kept, and a new event's
    circle is added to it. A union that cannot be a polygon (a pole inside) becomes one circle around the
    strongest event that contains every circle."""
    if _officer_zone(crisis):
        if new is None:
            return
        circles = [new]
        if not crisis.polygon and crisis.radius_km and crisis.lat is not None and crisis.lon is not None:
            circles.append((crisis.lat, crisis.lon, crisis.radius_km))
        base = crisis.polygon
    else:
        circles = [(i.lat, i.lon, i.radius_km) for i in crisis.feed_items.all() if i.radius_km]
        base = None
    if not circles:
        return
    if base is None and len(circles) == 1:
        crisis.lat, crisis.lon, crisis.radius_km = circles[0]
        crisis.polygon = None
        return
    ref = crisis.lon if crisis.lon is not None else circles[0][1]
    try:
        crisis.polygon, crisis.radius_km = union_zone(circles, ref=ref, base=base), None
    except BadInput:
        centre = (crisis.lat, crisis.lon) if crisis.lat is not None and crisis.lon is not None else circles[0][:2]
        crisis.lat, crisis.lon = centre
        crisis.radius_km = covering_circle(centre, circles, MAX_RADIUS_KM)
        crisis.polygon = None
