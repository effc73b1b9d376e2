"""The streams: the standard ones (the ministry, each mission, "WNI", "TKI", "PMI", "KBRI", "KJRI"), the
keywords a team adds, and a crisis's while it is active.

Who manages which (`may_manage`): the digital-diplomacy team and administrators any stream; a mission's
social-media officer (or its head) its own unit's. The standard streams' terms follow the registry: each load
rewrites them (the account handles, the mission names), leaving whether they are active and on which platforms
to the team. A crisis's stream is kept by `crisis_streams_sync`.

Terms: each term is an alternative; within a term, its words and "quoted phrases" must all appear
('"Hong Kong" WNI'); "@handle" is a mention of an account.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, PermissionDenied
from embassy.crises.models import Crisis
from embassy.geo import gazetteer
from embassy.geo.models import Country
from embassy.listening.collect import PLATFORMS
from embassy.listening.models import Stream
from embassy.missions.models import Mission
from embassy.social.models import Account, Owner
from embassy.social.selectors import social_units_for

KEYWORDS = ("WNI", "TKI", "PMI", "KBRI", "KJRI")
MINISTRY_TERMS = ("Kemlu", '"Kementerian Luar Negeri"', "Menlu")
CITIZENS = ("WNI", "TKI")  # what a crisis's place names are combined with
MAX_TERMS, MAX_TERM = 40, 100
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- who may do what ----------------------------------------------------------------------------------------
def may_manage(user: User, unit_id: int | None) -> bool:
    """Whether `user` may create or change a stream of `unit_id` (None: headquarters)."""
    every, units = social_units_for(user)
    return every or (unit_id is not None and unit_id in units)


def _require(actor: User, unit_id: int | None) -> None:
    if not getattr(actor, "is_verified", lambda: False)():
        raise PermissionDenied(_("Sign in with your second factor first."))
    if not may_manage(actor, unit_id):
        raise PermissionDenied(_("You may manage only your own unit's streams."))


# --- input --------------------------------------------------------------------------------------------------
def clean_terms(raw: str | list[str]) -> list[str]:
    """Terms from a form (one a line, or comma-separated) or a list: trimmed, unique, each 2–100 characters."""
    parts = raw if isinstance(raw, list) else re.split(r"[\n,]", raw)
    terms: list[str] = []
    for part in (" ".join(str(p).split()) for p in parts):
        if not part:
            continue
        if CONTROL.search(part) or len(part) < 2 or len(part) > MAX_TERM or part.count('"') % 2:
            raise BadInput(_("Each term has 2 to 100 characters and closes its quotes: %(term)s") % {"term": part[:40]},
                           field="terms")
        if part.lower() not in {t.lower() for t in terms}:
            terms.append(part)
    if not terms:
        raise BadInput(_("Give at least one term."), field="terms")
    if len(terms) > MAX_TERMS:
        raise BadInput(_("At most %(n)s terms per stream.") % {"n": MAX_TERMS}, field="terms")
    return terms


def clean_platforms(raw: list[str]) -> list[str]:
    chosen = [p for p in PLATFORMS if p in set(raw)]
    if not chosen or len(chosen) != len(set(raw)):
        raise BadInput(_("Choose at least one of: %(values)s.") % {"values": ", ".join(PLATFORMS)}, field="platforms")
    return chosen


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120 or CONTROL.search(name):
        raise BadInput(_("A name of 1 to 120 characters."), field="name")
    return name


# --- services: a team's streams -----------------------------------------------------------------------------
def stream_create(*, actor: User, name: str, terms: str | list[str], platforms: list[str],
                  unit: Mission | None) -> Stream:
    """A keyword stream added by a team (headquarters' when `unit` is None)."""
    _require(actor, unit.pk if unit else None)
    stream = Stream.objects.create(name=_clean_name(name), kind=Stream.Kind.KEYWORD, terms=clean_terms(terms),
                                   platforms=clean_platforms(platforms), unit=unit, created_by=actor)
    audit_record(actor=actor, action="listening.stream_create", object_type="listening.stream", object_id=stream.pk,
                 mission_code=unit.code if unit else "", detail={"terms": stream.terms})
    return stream


def stream_update(*, actor: User, stream: Stream, name: str, terms: str | list[str] | None, platforms: list[str],
                  active: bool) -> Stream:
    """Change a stream. A standard or crisis stream keeps its terms (the registry or the crisis sets them); a
    change of terms starts their search afresh (their cursor is per query)."""
    _require(actor, stream.unit_id)
    stream.name, stream.platforms, stream.active = _clean_name(name), clean_platforms(platforms), active
    fields = ["name", "platforms", "active"]
    if terms is not None and not stream.builtin:
        stream.terms = clean_terms(terms)
        fields.append("terms")
    stream.save(update_fields=fields)
    audit_record(actor=actor, action="listening.stream_update", object_type="listening.stream", object_id=stream.pk,
                 mission_code=stream.unit.code if stream.unit else "",
                 detail={"terms": stream.terms, "active": active, "platforms": stream.platforms})
    return stream


def stream_deactivate(*, actor: User, stream: Stream) -> Stream:
    _require(actor, stream.unit_id)
    stream.active = False
    stream.save(update_fields=["active"])
    audit_record(actor=actor, action="listening.stream_update", object_type="listening.stream", object_id=stream.pk,
                 mission_code=stream.unit.code if stream.unit else "", detail={"active": False})
    return stream


# --- the standard streams -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    created: int
    updated: int
    deactivated: int


def _handles(accounts: list[Account]) -> list[str]:
    return [f"@{a.handle}" for a in accounts if a.platform in PLATFORMS]


def _upsert(found: Stream | None, *, name: str, kind: str, terms: list[str], unit: Mission | None) -> str:
    if found is None:
        Stream.objects.create(name=name, kind=kind, terms=terms, platforms=list(PLATFORMS), unit=unit, builtin=True)
        return "created"
    if found.terms != terms or found.name != name:
        found.terms, found.name = terms, name
        found.save(update_fields=["terms", "name"])
        return "updated"
    return ""


@transaction.atomic
def standard_streams_load() -> Loaded:
    """Create or refresh the standard streams; idempotent (the lead's load_reference and seed call it).
    A mission no longer active has its stream deactivated, never deleted (its heard posts stay)."""
    counts = {"created": 0, "updated": 0, "": 0}
    builtin = Stream.objects.filter(builtin=True, crisis__isnull=True)
    accounts = list(Account.objects.filter(active=True, demo=False).exclude(owner=Owner.PEER).order_by("pk"))
    ministry = [a for a in accounts if a.owner in (Owner.MINISTRY, Owner.MINISTER)]
    hq = builtin.filter(kind=Stream.Kind.MENTION, unit__isnull=True).first()
    counts[_upsert(hq, name="Kementerian Luar Negeri", kind=Stream.Kind.MENTION,
                   terms=[*MINISTRY_TERMS, *_handles(ministry)], unit=None)] += 1
    for word in KEYWORDS:
        found = builtin.filter(kind=Stream.Kind.KEYWORD, unit__isnull=True, name=word).first()
        counts[_upsert(found, name=word, kind=Stream.Kind.KEYWORD, terms=[word], unit=None)] += 1
    by_unit: dict[int, list[Account]] = {}
    for account in accounts:
        if account.unit_id and account.owner == Owner.MISSION:
            by_unit.setdefault(account.unit_id, []).append(account)
    existing = {s.unit_id: s for s in builtin.filter(kind=Stream.Kind.MENTION, unit__isnull=False)}
    for mission in Mission.objects.filter(active=True).exclude(kind=Mission.Kind.HQ).order_by("code"):
        terms = [f'"{mission.name_id}"' if " " in mission.name_id else mission.name_id,
                 *_handles(by_unit.get(mission.pk, []))]
        counts[_upsert(existing.get(mission.pk), name=mission.name_id, kind=Stream.Kind.MENTION, terms=terms,
                       unit=mission)] += 1
    gone = builtin.filter(kind=Stream.Kind.MENTION, unit__active=False, active=True).update(active=False)
    return Loaded(created=counts["created"], updated=counts["updated"], deactivated=gone)


# --- crisis mode --------------------------------------------------------------------------------------------
def crisis_places(crisis: Crisis) -> list[str]:
    """The place names people would write about the crisis: the nearest town to its centre and the countries
    it covers (in Indonesian and English)."""
    names: list[str] = []
    codes = [str(c).upper() for c in crisis.countries or []]
    if crisis.lat is not None and crisis.lon is not None:
        place = gazetteer.nearest(crisis.lat, crisis.lon, max_km=max(float(crisis.radius_km or 0), 150.0))
        if place is not None:
            names.append(place.name)
            codes.append(place.country)
    for country in Country.objects.filter(code__in=codes).order_by("code"):
        names += [country.name_id, country.name_en]
    unique: list[str] = []
    for name in names:
        if name and name.lower() not in {n.lower() for n in unique}:
            unique.append(name)
    return unique


def crisis_terms(crisis: Crisis) -> list[str]:
    """Each place name together with "WNI" or "TKI"."""
    return [f'"{p}" {who}' if " " in p else f"{p} {who}" for p in crisis_places(crisis)[:MAX_TERMS // 2]
            for who in CITIZENS]


@dataclass(frozen=True)
class Synced:
    created: int
    updated: int
    ended: int


@transaction.atomic
def crisis_streams_sync(*, now: dt.datetime | None = None) -> Synced:
    """Each active crisis has a crisis stream (headquarters', on every platform) with its current places; a
    crisis that ended has its stream deactivated. A stream a person deactivated during the crisis stays so."""
    now = now or timezone.now()
    created = updated = 0
    existing = {s.crisis_id: s for s in Stream.objects.filter(kind=Stream.Kind.CRISIS, crisis__isnull=False)}
    for crisis in Crisis.objects.filter(status=Crisis.Status.ACTIVE):
        terms = crisis_terms(crisis)
        stream = existing.get(crisis.pk)
        if stream is None:
            if terms:
                Stream.objects.create(name=crisis.title[:120], kind=Stream.Kind.CRISIS, crisis=crisis, terms=terms,
                                      platforms=list(PLATFORMS), builtin=True, created_at=now)
                created += 1
        elif terms and stream.terms != terms:
            stream.terms = terms
            stream.save(update_fields=["terms"])
            updated += 1
    ended = Stream.objects.filter(kind=Stream.Kind.CRISIS, active=True).exclude(
        crisis__status=Crisis.Status.ACTIVE).update(active=False)
    return Synced(created=created, updated=updated, ended=ended)
