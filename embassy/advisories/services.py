"""Writes for advisories: the editorial workflow (draft → review → publication), follows, the demo seed.

Invariants: versions are never deleted; a country has at most one open (draft or in-review) version; a
publication supersedes the previous published version and moves CountryAdvisory.current in the same
transaction; every workflow step is audited; notifications go out after commit, from a task.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pycountry
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.advisories.levels import SECTION_KEYS, SERVICE_KEYS, Level
from embassy.advisories.models import AdvisoryVersion, CountryAdvisory, CountryFollow
from embassy.advisories.tasks import notify_level_change
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.geo.models import Country
from embassy.geo.selectors import country_get
from embassy.missions.models import Role
from embassy.missions.selectors import scope_for

EDITOR_ROLES = frozenset({Role.PROTECTION_ANALYST, Role.ADMINISTRATOR})
CONTENT_FIELDS = ("level", "reason_id", "reason_en", "sections", "regions", "emergency_numbers", "is_demo")
MAX_REASON = 2000
MAX_SECTION = 8000
MAX_REGIONS = 100
MAX_NUMBERS = 12
_NUMBER = re.compile(r"^\+?[0-9]{2,15}$")


def is_editor(user: User) -> bool:
    """Headquarters protection analysts and administrators (with a verified second factor) edit advisories."""
    scope = scope_for(user)
    return scope.is_hq and bool(scope.roles & EDITOR_ROLES)


def _require_editor(user: User) -> None:
    if not is_editor(user):
        raise PermissionDenied(_("Only headquarters protection analysts and administrators edit advisories."))


# --- validation ------------------------------------------------------------------------------------------
def _text(value: Any, *, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(_("Enter text."), field=field)
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise BadInput(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return value


def _level(value: Any, *, field: str) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise BadInput(_("The level is a number from 1 to 4."), field=field) from None
    if isinstance(value, bool) or level not in Level.values:
        raise BadInput(_("The level is a number from 1 to 4."), field=field)
    return level


def clean_sections(value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise BadInput(_("Sections are an object keyed by section."), field="sections")
    out: dict[str, dict[str, str]] = {}
    for key, texts in value.items():
        if key not in SECTION_KEYS:
            raise BadInput(_("Unknown section: %(key)s") % {"key": key}, field=f"sections.{key}")
        if not isinstance(texts, dict) or set(texts) - {"id", "en"}:
            raise BadInput(_("Each section has an Indonesian (id) and an English (en) text."), field=f"sections.{key}")
        out[key] = {lang: _text(texts.get(lang), field=f"sections.{key}.{lang}", limit=MAX_SECTION)
                    for lang in ("id", "en")}
    return out


def clean_regions(value: Any, *, country: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise BadInput(_("Regions are a list."), field="regions")
    if len(value) > MAX_REGIONS:
        raise BadInput(_("At most %(n)d regions.") % {"n": MAX_REGIONS}, field="regions")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        field = f"regions.{i}"
        if not isinstance(item, dict):
            raise BadInput(_("Each region has a name, a level and a reason."), field=field)
        name = _text(item.get("name"), field=f"{field}.name", limit=100)
        code = _text(item.get("code"), field=f"{field}.code", limit=10).upper()
        if code:
            sub = pycountry.subdivisions.get(code=code)
            if sub is None or sub.country_code != country:
                raise BadInput(_("Not an ISO 3166-2 subdivision code of this country: %(code)s") % {"code": code},
                               field=f"{field}.code")
            name = name or sub.name
        if not name:
            raise BadInput(_("Name the region."), field=f"{field}.name")
        if name.casefold() in seen:
            raise BadInput(_("This region is listed twice: %(name)s") % {"name": name}, field=f"{field}.name")
        seen.add(name.casefold())
        out.append({
            "name": name, "code": code, "level": _level(item.get("level"), field=f"{field}.level"),
            "reason_id": _text(item.get("reason_id"), field=f"{field}.reason_id", limit=MAX_REASON),
            "reason_en": _text(item.get("reason_en"), field=f"{field}.reason_en", limit=MAX_REASON),
        })
    return out


def clean_numbers(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise BadInput(_("Emergency numbers are a list."), field="emergency_numbers")
    if len(value) > MAX_NUMBERS:
        raise BadInput(_("At most %(n)d emergency numbers.") % {"n": MAX_NUMBERS}, field="emergency_numbers")
    out: list[dict[str, str]] = []
    for i, item in enumerate(value):
        field = f"emergency_numbers.{i}"
        if not isinstance(item, dict) or item.get("service") not in SERVICE_KEYS:
            raise BadInput(_("Unknown emergency service."), field=f"{field}.service")
        number = re.sub(r"[\s\-()]", "", str(item.get("number") or ""))
        if not _NUMBER.match(number):
            raise BadInput(_("An emergency number has 2 to 15 digits."), field=f"{field}.number")
        out.append({"service": item["service"], "number": number})
    return out


def clean_content(data: dict[str, Any], *, country: str) -> dict[str, Any]:
    """Validated content fields. Unknown fields are refused; absent fields are left out."""
    unknown = set(data) - set(CONTENT_FIELDS)
    if unknown:
        raise BadInput(_("Unknown field."), field=sorted(unknown)[0])
    out: dict[str, Any] = {}
    if "level" in data:
        out["level"] = _level(data["level"], field="level")
    for name in ("reason_id", "reason_en"):
        if name in data:
            out[name] = _text(data[name], field=name, limit=MAX_REASON)
    if "sections" in data:
        out["sections"] = clean_sections(data["sections"])
    if "regions" in data:
        out["regions"] = clean_regions(data["regions"], country=country)
    if "emergency_numbers" in data:
        out["emergency_numbers"] = clean_numbers(data["emergency_numbers"])
    if "is_demo" in data:
        out["is_demo"] = bool(data["is_demo"])
    return out


# --- workflow ------------------------------------------------------------------------------------------------
def _lock_country(country: Country) -> CountryAdvisory:
    CountryAdvisory.objects.get_or_create(country=country)
    return CountryAdvisory.objects.select_for_update().get(country=country)


def _lock_version(version_id: int) -> AdvisoryVersion:
    version = AdvisoryVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("No such advisory version."), field="version_id")
    return version


def _audit(actor: User, action: str, version: AdvisoryVersion, **detail: Any) -> None:
    audit_record(actor=actor, action=action, object_type="advisory", object_id=version.pk,
                 detail={"country": version.country_id, "number": version.number, **detail})


@transaction.atomic
def advisory_draft_create(*, actor: User, country: str, base_version_id: int | None = None) -> AdvisoryVersion:
    """A new draft for a country, copied from `base_version_id` (a version of the same country) or else from
    the current published version (or empty). Conflict if the country already has an open version."""
    _require_editor(actor)
    found = country_get(country)
    lock = _lock_country(found)
    open_version = AdvisoryVersion.objects.filter(country=found, status__in=AdvisoryVersion.OPEN).first()
    if open_version is not None:
        raise Conflict(_("This country already has a version being edited (version %(n)d).")
                       % {"n": open_version.number}, field="country")
    base: AdvisoryVersion | None = lock.current
    if base_version_id is not None:
        base = AdvisoryVersion.objects.filter(pk=base_version_id, country=found).first()
        if base is None:
            raise NotFound(_("No such advisory version for this country."), field="base_version_id")
    number = (AdvisoryVersion.objects.filter(country=found).aggregate(n=Max("number"))["n"] or 0) + 1
    version = AdvisoryVersion.objects.create(
        country=found, number=number, status=AdvisoryVersion.Status.DRAFT, author=actor, updated_by=actor,
        **({name: getattr(base, name) for name in CONTENT_FIELDS} if base is not None else {}),
    )
    _audit(actor, "advisory.draft", version, base=base.number if base is not None else None)
    return version


@transaction.atomic
def advisory_draft_update(*, actor: User, version_id: int, data: dict[str, Any]) -> AdvisoryVersion:
    """Change a draft's content (only the fields given). Only drafts can change."""
    _require_editor(actor)
    version = _lock_version(version_id)
    if version.status != AdvisoryVersion.Status.DRAFT:
        raise Conflict(_("Only a draft can be edited."), field="status")
    changes = clean_content(data, country=version.country_id)
    changed = sorted(k for k, v in changes.items() if getattr(version, k) != v)
    for name, value in changes.items():
        setattr(version, name, value)
    version.updated_by = actor
    version.save()
    _audit(actor, "advisory.edit", version, fields=changed)
    return version


@transaction.atomic
def advisory_submit(*, actor: User, version_id: int) -> AdvisoryVersion:
    """Send a draft for review. The reason for the level must be written (in at least one language)."""
    _require_editor(actor)
    version = _lock_version(version_id)
    if version.status != AdvisoryVersion.Status.DRAFT:
        raise Conflict(_("Only a draft can be submitted for review."), field="status")
    if not (version.reason_id or version.reason_en):
        raise BadInput(_("Give the reason for the level before submitting."), field="reason_id")
    version.status = AdvisoryVersion.Status.IN_REVIEW
    version.submitted_by = actor
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _audit(actor, "advisory.submit", version, level=version.level)
    return version


def advisory_publish(*, actor: User, version_id: int) -> AdvisoryVersion:
    """Publish a version in review. The reviewer must be someone other than its author, last editor and
    submitter (four-eyes), unless settings.ADVISORIES_ALLOW_SELF_PUBLISH. The previous published version is
    superseded. If the country level changed, followers and citizens staying there are notified (after
    commit); if the highest level anywhere in the country rose, the version is a CAP alert."""
    _require_editor(actor)
    try:
        return _publish(actor, version_id)
    except PermissionDenied:
        refused = AdvisoryVersion.objects.filter(pk=version_id).first()
        if refused is not None:  # recorded after the rollback, so that it stays
            _audit(actor, "advisory.publish.denied", refused)
        raise


@transaction.atomic
def _publish(actor: User, version_id: int) -> AdvisoryVersion:
    found = AdvisoryVersion.objects.filter(pk=version_id).select_related("country").first()
    if found is None:
        raise NotFound(_("No such advisory version."), field="version_id")
    lock = _lock_country(found.country)  # the country first, like advisory_draft_create: one lock order
    version = _lock_version(version_id)
    if version.status != AdvisoryVersion.Status.IN_REVIEW:
        raise Conflict(_("Only a version in review can be published."), field="status")
    people = {version.author_id, version.updated_by_id, version.submitted_by_id}
    if actor.pk in people and not settings.ADVISORIES_ALLOW_SELF_PUBLISH:
        raise PermissionDenied(_("Another person must review and publish this version (four-eyes rule)."))
    previous = lock.current
    base_level = previous.level if previous is not None else Level.NORMAL
    base_max = previous.max_level if previous is not None else Level.NORMAL
    now = timezone.now()
    if previous is not None:
        previous.status = AdvisoryVersion.Status.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
    version.status = AdvisoryVersion.Status.PUBLISHED
    version.reviewer = actor
    version.reviewed_at = version.published_at = now
    version.previous_level = previous.level if previous is not None else None
    version.level_rose = version.level > base_level or version.max_level > base_max
    version.save()
    lock.current, lock.level, lock.published_at = version, version.level, now
    lock.save()
    _audit(actor, "advisory.publish", version, level=version.level, previous_level=version.previous_level,
           cap=version.level_rose)
    if version.level != base_level:
        version_pk = version.pk
        transaction.on_commit(lambda: notify_level_change.enqueue(version_pk))
    return version


@transaction.atomic
def advisory_reject(*, actor: User, version_id: int, note: str) -> AdvisoryVersion:
    """Turn down a version in review (or discard a draft), with a note for its author. It stays in history."""
    _require_editor(actor)
    version = _lock_version(version_id)
    if version.status not in AdvisoryVersion.OPEN:
        raise Conflict(_("Only a draft or a version in review can be rejected."), field="status")
    note = _text(note, field="note", limit=MAX_REASON)
    if not note:
        raise BadInput(_("Say why the version is rejected."), field="note")
    version.status = AdvisoryVersion.Status.REJECTED
    version.review_note = note
    version.reviewer = actor
    version.reviewed_at = timezone.now()
    version.save(update_fields=["status", "review_note", "reviewer", "reviewed_at", "updated_at"])
    _audit(actor, "advisory.reject", version)
    return version


# --- follows ------------------------------------------------------------------------------------------------
def _require_citizen(user: User | AnonymousUser) -> User:
    if not isinstance(user, User) or user.kind != "citizen":
        raise PermissionDenied(_("Sign in as a citizen first."))
    return user


def country_follow(*, user: User | AnonymousUser, country: str) -> CountryFollow:
    """Follow a country (idempotent): the user is notified when its advisory level changes."""
    citizen = _require_citizen(user)
    follow, _created = CountryFollow.objects.get_or_create(user=citizen, country=country_get(country))
    return follow


def country_unfollow(*, user: User | AnonymousUser, country: str) -> None:
    """Stop following a country (idempotent)."""
    citizen = _require_citizen(user)
    CountryFollow.objects.filter(user=citizen, country=country_get(country)).delete()


# --- demo seed ------------------------------------------------------------------------------------------------
def advisories_load(*, path: Path) -> dict[str, int]:
    """Load the seed file: one published version for each country in it that has none yet (idempotent;
    a country HQ has already published is never touched). All or nothing."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        rows: dict[str, dict[str, Any]] = payload["countries"]
        demo = bool(payload.get("demo", True))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"{path}: {exc}", field="path") from exc
    with transaction.atomic():
        known = set(Country.objects.values_list("code", flat=True))
        published = set(AdvisoryVersion.objects.filter(status__in=AdvisoryVersion.PUBLIC)
                         .values_list("country_id", flat=True).distinct())
        numbers = dict(AdvisoryVersion.objects.values("country_id").annotate(n=Max("number"))
                       .values_list("country_id", "n"))
        now = timezone.now()
        versions: list[AdvisoryVersion] = []
        for code, row in sorted(rows.items()):
            if code not in known or code in published:
                continue
            content = clean_content({k: row[k] for k in CONTENT_FIELDS if k in row and k != "is_demo"}, country=code)
            version = AdvisoryVersion(
                country_id=code, number=(numbers.get(code) or 0) + 1, status=AdvisoryVersion.Status.PUBLISHED,
                is_demo=demo, published_at=now, reviewed_at=now, **content,
            )
            # The country's first publication: above level 1 it is a rise from "normal", so a CAP alert, as
            # in _publish (the same rule: level_rose compares with level 1 when there is no previous version).
            version.level_rose = version.level > Level.NORMAL or version.max_level > Level.NORMAL
            versions.append(version)
        AdvisoryVersion.objects.bulk_create(versions, batch_size=500)
        if not versions[:1] or versions[0].pk is None:  # a backend that does not return keys
            versions = list(AdvisoryVersion.objects.filter(
                status=AdvisoryVersion.Status.PUBLISHED, country_id__in=[v.country_id for v in versions]))
        existing = set(CountryAdvisory.objects.filter(country_id__in=[v.country_id for v in versions])
                       .values_list("country_id", flat=True))
        rows_new = [CountryAdvisory(country_id=v.country_id, current=v, level=v.level, published_at=now)
                    for v in versions if v.country_id not in existing]
        rows_old = [CountryAdvisory(country_id=v.country_id, current=v, level=v.level, published_at=now)
                    for v in versions if v.country_id in existing]
        CountryAdvisory.objects.bulk_create(rows_new, batch_size=500)
        CountryAdvisory.objects.bulk_update(rows_old, ["current", "level", "published_at"], batch_size=500)
    return {"countries": len(rows), "loaded": len(versions), "skipped": len(rows) - len(versions)}
