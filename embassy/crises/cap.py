"""From a crisis, the ministry speaks: a public CAP 1.2 alert, and a raised travel-advisory level.

CAP alerts of a crisis are kept in its log (CrisisEvent kind "cap", data: identifier, msg_type, status, xml),
so the document served is exactly the one published. Invariants:
- The identifier is <host>.crisis.<crisis id>.<event id>: unique and never reused.
- The first alert of a crisis is msgType Alert; later ones are Update and reference every earlier one.
- A drill (Crisis.data["drill"]) goes out with status Exercise.
- An alert carries counts only — never a name, a contact or an answer text — so it may be public.
- Its area lists, as ISO 3166-1 geocodes, every country the zone touches (crises.reach); it expires
  CRISES_CAP_EXPIRES_HOURS (default 24) after it was sent; times are UTC written "-00:00".
- Closing a crisis that had alerts publishes a last Update whose responseType is AllClear.

Raising the advisory level goes through the advisories workflow: a draft is created and submitted for
review here; another headquarters editor publishes it (four-eyes rule, unchanged).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.advisories.cap import (
    cap_document,
    cap_pair,
    cap_sender,
    cap_sub,
    cap_time,
    sender_name,
    site_host,
)
from embassy.advisories.levels import Level
from embassy.advisories.models import CountryAdvisory
from embassy.advisories.services import (
    MAX_REASON,
    advisory_draft_create,
    advisory_draft_update,
    advisory_submit,
    is_editor,
)
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.common.links import absolute_url
from embassy.common.when import local_label
from embassy.crises.models import Crisis, CrisisEvent
from embassy.crises.present import polygon_rings, zone_text
from embassy.crises.reach import countries_touched
from embassy.crises.report.data import is_drill
from embassy.crises.selectors import rollcall_counts
from embassy.geo.boundaries import country_at
from embassy.geo.gazetteer import timezone_at
from embassy.geo.models import Country
from embassy.missions.models import HQ_ROLES, Role
from embassy.missions.selectors import scope_for

CAP_TYPE = "application/cap+xml; charset=utf-8"
PUBLISH_ROLES = frozenset({Role.PROTECTION_OFFICER, *HQ_ROLES})
# CAP <category> by kind of crisis (CAP 1.2 §3.2.2: Met includes floods; Geo is geophysical).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "earthquake": ("Geo",), "volcano": ("Geo",), "cyclone": ("Met",), "flood": ("Met",), "drought": ("Met",),
    "wildfire": ("Fire",), "conflict": ("Safety", "Security"), "other": ("Other",),
}
# Feed alert colours (USGS PAGER, GDACS) → CAP severity.
SEVERITY_BY_LABEL = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "green": "Minor"}
_RESERVED = re.compile(r"[\s,<&]")


# --- Permissions -------------------------------------------------------------------------------------------------
def may_publish_cap(user: User, crisis: Crisis) -> bool:
    """Headquarters roles, or protection duty officers of a mission the crisis concerns."""
    scope = scope_for(user)
    if not scope.roles & PUBLISH_ROLES:
        return False
    if scope.is_hq:
        return True
    return bool(set(crisis.missions.values_list("id", flat=True)) & scope.mission_ids)


def may_raise_level(user: User) -> bool:
    return is_editor(user)


# --- CAP ----------------------------------------------------------------------------------------------------------
def cap_id_prefix() -> str:
    return settings.CRISES_CAP_ID_PREFIX or f"{site_host()}.crisis"


def cap_expires(sent: dt.datetime) -> dt.datetime:
    return sent + dt.timedelta(hours=float(settings.CRISES_CAP_EXPIRES_HOURS))


def _num(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cap_polygon(ring: list[list[float]]) -> str:
    """A GeoJSON ring ([lon, lat] pairs) as a CAP polygon: "lat,lon" pairs, closed (first = last)."""
    pairs = [(float(lat), ((float(lon) + 180.0) % 360.0) - 180.0) for lon, lat, *_rest in ring]
    if pairs and pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return " ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in pairs)


def cap_circle(lat: float, lon: float, radius_km: float) -> str:
    return f"{_num(lat)},{_num(lon)} {_num(radius_km)}"


def zone_countries(crisis: Crisis) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the zone: its whole countries, else the country at its centre."""
    if crisis.countries:
        return list(crisis.countries)
    if crisis.lat is not None and crisis.lon is not None:
        code = country_at(crisis.lat, crisis.lon)
        return [code] if code else []
    return []


def cap_severity(crisis: Crisis) -> str:
    label = (crisis.severity_label or "").lower()
    if label in SEVERITY_BY_LABEL:
        return SEVERITY_BY_LABEL[label]
    if crisis.kind == Crisis.Kind.EARTHQUAKE and crisis.magnitude is not None:
        m = crisis.magnitude
        return "Extreme" if m >= 7 else "Severe" if m >= 6 else "Moderate" if m >= 5 else "Minor"
    return "Unknown"


def _hotlines(crisis: Crisis) -> list[str]:
    return [f"{m.name()} {m.hotline or m.phone}" for m in crisis.missions.order_by("code") if m.hotline or m.phone]


def _place_zone(crisis: Crisis) -> str:
    """The zone where the crisis is: at its centre, else of its first mission, else UTC."""
    if crisis.lat is not None and crisis.lon is not None:
        return timezone_at(crisis.lat, crisis.lon)
    first = crisis.missions.order_by("code").first()
    return first.timezone if first is not None else "UTC"


def _description(crisis: Crisis, counts: dict[str, int]) -> str:
    lines = []
    if crisis.occurred_at is not None:  # for the people there: the time of the place, with its zone
        lines.append(_("%(event)s on %(when)s.") % {
            "event": crisis.get_kind_display(), "when": local_label(crisis.occurred_at, _place_zone(crisis))})
    if crisis.magnitude is not None:
        lines.append(_("Magnitude %(m)s.") % {"m": f"{crisis.magnitude:g}"})
    lines.append(_("Area: %(zone)s.") % {"zone": zone_text(crisis)})
    if crisis.rollcall_started_at is not None:
        lines.append(_("The missions have asked %(asked)d citizens registered in the area whether they are safe: "
                       "%(safe)d safe, %(help)d need help, %(silent)d have not answered yet.") % counts)
    else:
        lines.append(_("%(n)d citizens are registered in the area.") % {"n": counts["registered"]})
    return "\n".join(lines)


def _instruction(hotlines: list[str]) -> str:
    if hotlines:
        return _("If you are in the area: answer the mission's \"are you safe?\" message, or call the mission's "
                 "hotline (%(hotlines)s). If you need help, press SOS in the app.") % {"hotlines": "; ".join(hotlines)}
    return _("If you are in the area: answer the mission's \"are you safe?\" message. If you need help, press SOS "
             "in the app.")


def _info(alert: ET.Element, crisis: Crisis, language: str, *, counts: dict[str, int], countries: list[str],
          touched: list[str], expires: dt.datetime, all_clear: bool) -> None:
    event = crisis.get_kind_display()
    hotlines = _hotlines(crisis)
    info = cap_sub(alert, "info")
    cap_sub(info, "language", language)
    for category in CATEGORIES.get(crisis.kind, ("Other",)):
        cap_sub(info, "category", category)
    cap_sub(info, "event", event)
    if all_clear:
        cap_sub(info, "responseType", "AllClear")
    cap_sub(info, "urgency", "Past" if all_clear else "Immediate")
    cap_sub(info, "severity", "Minor" if all_clear else cap_severity(crisis))
    cap_sub(info, "certainty", "Observed")
    if crisis.occurred_at is not None:
        cap_sub(info, "onset", cap_time(crisis.occurred_at))
    cap_sub(info, "expires", cap_time(expires))
    cap_sub(info, "senderName", sender_name())
    headline = _("%(event)s: %(title)s") % {"event": event, "title": crisis.title}
    if all_clear:
        headline = _("All clear — %(headline)s") % {"headline": headline}
    cap_sub(info, "headline", headline[:160])
    description = _description(crisis, counts)
    if all_clear:
        description = _("The missions have closed their response to this crisis.") + "\n" + description
    cap_sub(info, "description", description)
    cap_sub(info, "instruction", _instruction(hotlines))
    web = absolute_url("advisories:country", countries[0]) if countries else settings.SITE_URL
    cap_sub(info, "web", web)
    if hotlines:
        cap_sub(info, "contact", "; ".join(hotlines))
    if crisis.magnitude is not None:
        cap_pair(info, "parameter", "magnitude", f"{crisis.magnitude:g}")
    area = cap_sub(info, "area")
    names = {c.code: c.name() for c in Country.objects.filter(code__in=touched)}
    country_names = ", ".join(names.get(c, c) for c in touched)
    if crisis.polygon or crisis.radius_km:
        desc = f"{zone_text(crisis)} ({country_names})" if country_names and not crisis.countries else zone_text(crisis)
    else:
        desc = country_names or zone_text(crisis)
    cap_sub(area, "areaDesc", desc)
    for ring in polygon_rings(crisis.polygon):
        if len(ring) >= 3:
            cap_sub(area, "polygon", cap_polygon(ring))
    if not crisis.polygon and crisis.radius_km and crisis.lat is not None and crisis.lon is not None:
        cap_sub(area, "circle", cap_circle(crisis.lat, crisis.lon, crisis.radius_km))
    for code in touched:
        cap_pair(area, "geocode", "ISO3166-1", code)


def crisis_cap_xml(crisis: Crisis, *, identifier: str, sent: dt.datetime,
                   references: list[tuple[str, dt.datetime]], all_clear: bool = False) -> bytes:
    """The CAP 1.2 document for a crisis now (`references`: earlier alerts of the crisis, (identifier, sent);
    `all_clear`: the last Update, when the crisis closes)."""
    counts = rollcall_counts(crisis=crisis)
    countries = zone_countries(crisis)
    touched = sorted({*countries, *countries_touched(crisis)})
    drill = is_drill(crisis)

    def info(alert: ET.Element, tag: str) -> None:
        _info(alert, crisis, tag, counts=counts, countries=countries, touched=touched, expires=cap_expires(sent),
              all_clear=all_clear)

    return cap_document(
        identifier=identifier, sent=sent, exercise=drill, update=bool(references),
        references=[f"{cap_sender()},{ident},{cap_time(at)}" for ident, at in references],
        note="EXERCISE - a drill, not a real emergency" if drill else "", incidents=f"{cap_id_prefix()}.{crisis.pk}",
        info=info)


def crisis_cap_publish(*, actor: User, crisis: Crisis) -> CrisisEvent:
    """Publish a CAP alert for an active crisis (Alert the first time, then Update). Returns the log entry
    that holds it. Refusals are audited."""
    if not may_publish_cap(actor, crisis):
        audit_record(actor=actor, action="crisis.cap.denied", object_type="crisis", object_id=crisis.pk)
        raise PermissionDenied(_("Only headquarters and protection duty officers publish crisis alerts."))
    return _cap_publish(actor, crisis)


@transaction.atomic
def _cap_publish(actor: User, crisis: Crisis) -> CrisisEvent:
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)  # one publication of a crisis at a time
    if crisis.status != Crisis.Status.ACTIVE:
        raise Conflict(_("Alerts are published for an active crisis only."))
    return _cap_store(actor, crisis, all_clear=False)


def _cap_store(actor: User, crisis: Crisis, *, all_clear: bool) -> CrisisEvent:
    earlier = [(e.data.get("identifier", ""), e.at) for e in
               CrisisEvent.objects.filter(crisis=crisis, kind=CrisisEvent.Kind.CAP).order_by("at", "id")]
    event = CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.CAP, actor=actor)
    identifier = f"{cap_id_prefix()}.{crisis.pk}.{event.pk}"
    xml = crisis_cap_xml(crisis, identifier=identifier, sent=event.at, references=earlier, all_clear=all_clear)
    msg_type = "Update" if earlier else "Alert"
    status = "Exercise" if is_drill(crisis) else "Actual"
    event.data = {"identifier": identifier, "msg_type": msg_type, "status": status, "xml": xml.decode(),
                  **({"all_clear": True} if all_clear else {})}
    event.save(update_fields=["data"])
    audit_record(actor=actor, action="crisis.cap", object_type="crisis", object_id=crisis.pk,
                 detail={"identifier": identifier, "msg_type": msg_type, "status": status, "all_clear": all_clear})
    return event


def crisis_cap_all_clear(*, actor: User, crisis: Crisis) -> CrisisEvent | None:
    """When a crisis closes (inside the closing transaction): its last CAP alert, an Update with responseType
    AllClear that references every earlier one. Nothing when no alert was ever published for it."""
    if not CrisisEvent.objects.filter(crisis=crisis, kind=CrisisEvent.Kind.CAP).exists():
        return None
    return _cap_store(actor, crisis, all_clear=True)


def crisis_cap_for(*, crisis: Crisis, event_id: int) -> CrisisEvent:
    """A stored alert of a crisis the caller may already see (crisis from crisis_get_for)."""
    event = CrisisEvent.objects.filter(crisis=crisis, kind=CrisisEvent.Kind.CAP, pk=event_id).first()
    if event is None:
        raise NotFound(_("No such alert."), field="event_id")
    return event


def crisis_cap_public(*, identifier: str) -> CrisisEvent:
    """A published alert by its identifier (CAP alerts are public; they carry no personal data)."""
    if not identifier or _RESERVED.search(identifier):
        raise NotFound(_("No such alert."), field="identifier")
    event = CrisisEvent.objects.filter(kind=CrisisEvent.Kind.CAP, data__identifier=identifier).first()
    if event is None:
        raise NotFound(_("No such alert."), field="identifier")
    return event


# --- Advisory level -----------------------------------------------------------------------------------------------
def _reason(crisis: Crisis, level: int, previous: str) -> str:
    when = (crisis.occurred_at or crisis.created_at).astimezone(dt.UTC).strftime("%Y-%m-%d")
    text = _("Level raised to %(level)d (%(label)s) because of the crisis \"%(title)s\" (%(kind)s, %(date)s).") % {
        "level": level, "label": Level(level).label, "title": crisis.title[:200], "kind": crisis.get_kind_display(),
        "date": when}
    if previous:
        text = f"{text}\n\n{previous}"
    return text[:MAX_REASON]


def crisis_raise_level(*, actor: User, crisis: Crisis, level: Any, country: str | None = None) -> Any:
    """Draft a higher advisory level for the crisis's country and submit it for review. Returns the
    AdvisoryVersion (in review). Raises PermissionDenied (not an advisory editor), BadInput (level, country),
    Conflict (not higher than the published level, an open version exists, the crisis is not active)."""
    if not may_raise_level(actor):
        audit_record(actor=actor, action="crisis.advisory.denied", object_type="crisis", object_id=crisis.pk)
        raise PermissionDenied(_("Only headquarters protection analysts and administrators edit advisories."))
    return _raise_level(actor, crisis, level, country)


@transaction.atomic
def _raise_level(actor: User, crisis: Crisis, level: Any, country: str | None) -> Any:
    if crisis.status != Crisis.Status.ACTIVE:
        raise Conflict(_("The advisory level is raised from an active crisis only."))
    try:
        wanted = int(level)
    except (TypeError, ValueError):
        raise BadInput(_("The level is a number from 1 to 4."), field="level") from None
    if isinstance(level, bool) or wanted not in Level.values:
        raise BadInput(_("The level is a number from 1 to 4."), field="level")
    code = (country or "").strip().upper() or next(iter(zone_countries(crisis)), "")
    if not code:
        raise BadInput(_("Choose the country whose advisory level to raise."), field="country")
    current = CountryAdvisory.objects.filter(country_id=code).select_related("current").first()
    published = current.current.level if current is not None and current.current is not None else Level.NORMAL
    if wanted <= published:
        raise Conflict(_("The new level must be higher than the published level (%(level)d).") % {"level": published},
                       field="level")
    version = advisory_draft_create(actor=actor, country=code)
    reasons = {}
    for lang in ("id", "en"):
        with translation.override(lang):
            reasons[f"reason_{lang}"] = _reason(crisis, wanted, getattr(version, f"reason_{lang}"))
    advisory_draft_update(actor=actor, version_id=version.pk, data={"level": wanted, **reasons})
    version = advisory_submit(actor=actor, version_id=version.pk)
    CrisisEvent.objects.create(crisis=crisis, kind=CrisisEvent.Kind.ADVISORY, actor=actor, data={
        "version_id": version.pk, "country": version.country_id, "number": version.number, "level": wanted,
        "previous_level": published})
    audit_record(actor=actor, action="crisis.advisory", object_type="crisis", object_id=crisis.pk,
                 detail={"version": version.pk, "country": version.country_id, "level": wanted,
                         "previous_level": published})
    return version
