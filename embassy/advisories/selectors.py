"""Reads for advisories. Published content is public; drafts, reviews and rejections are for staff only.

Advisories hold no personal data, so staff reads are not audited here (every workflow step is, in services);
a user's own follows are read by that user only."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.advisories.levels import COLOURS, Level, is_english
from embassy.advisories.models import AdvisoryVersion, CountryAdvisory, CountryFollow
from embassy.common.errors import NotFound, PermissionDenied
from embassy.geo.models import Country
from embassy.geo.selectors import country_get
from embassy.missions.models import Jurisdiction, Mission
from embassy.missions.selectors import scope_for


@dataclass(frozen=True)
class IndexRow:
    code: str
    name_id: str
    name_en: str
    level: int | None
    published_at: dt.datetime | None
    version: int | None
    is_demo: bool
    open_status: str = ""  # console only: status of the version being worked on, if any

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_id

    @property
    def colour(self) -> str:
        return COLOURS.get(self.level or 0, "grey")

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else _("No advisory")


# --- public -----------------------------------------------------------------------------------------------
def advisory_current(*, country: str) -> AdvisoryVersion:
    """The published version of a country (any code form). NotFound when the country has none."""
    found = country_get(country)
    version = (AdvisoryVersion.objects.filter(country=found, status=AdvisoryVersion.Status.PUBLISHED)
               .select_related("country").first())
    if version is None:
        raise NotFound(_("There is no published information for this country yet."), field="country")
    return version


def advisory_index(*, q: str = "") -> list[IndexRow]:
    """Every country with its current level (None where nothing is published), by name in the viewer's
    language; optionally only those whose name or code contains `q`. Two queries."""
    current = {
        a.country_id: a for a in CountryAdvisory.objects.select_related("current")
        .only("country_id", "level", "published_at", "current__number", "current__is_demo")
    }
    rows = []
    needle = (q or "").strip().casefold()
    # a word of the name starts with the query ("ma": Malaysia, Marshall Islands; not Bahamas), or the code
    match = re.compile(r"(?:^|[\s(\-])" + re.escape(needle)) if needle else None
    for c in Country.objects.only("code", "name_id", "name_en"):
        if match and not (match.search(c.name_id.casefold()) or match.search(c.name_en.casefold())
                          or needle == c.code.casefold()):
            continue
        a = current.get(c.code)
        v = a.current if a is not None else None
        rows.append(IndexRow(c.code, c.name_id, c.name_en, a.level if a else None, a.published_at if a else None,
                             v.number if v else None, bool(v and v.is_demo)))
    rows.sort(key=lambda r: r.name.casefold())
    return rows


def advisory_index_stamp() -> tuple[int, dt.datetime | None]:
    """(number of countries with an advisory, time of the latest publication): changes whenever the index
    does. One query; used for ETag and Last-Modified."""
    agg = CountryAdvisory.objects.filter(current__isnull=False).aggregate(n=Count("pk"), last=Max("published_at"))
    return int(agg["n"] or 0), agg["last"]


def advisory_history(*, country: str | None = None, limit: int = 50) -> list[AdvisoryVersion]:
    """Published and superseded versions, newest first (for the Atom feeds)."""
    qs = AdvisoryVersion.objects.filter(status__in=AdvisoryVersion.PUBLIC).select_related("country")
    if country is not None:
        qs = qs.filter(country=country_get(country))
    return list(qs.order_by("-published_at", "-id")[:limit])


def _cap_versions(country: str | None) -> list[AdvisoryVersion]:
    """The country's (or every country's) CAP alerts, oldest first: each published version that raised the
    highest level, and each that lowered it after such an alert (an Update, all-clear at level 1)."""
    qs = AdvisoryVersion.objects.filter(status__in=AdvisoryVersion.PUBLIC).select_related("country")
    if country is not None:
        qs = qs.filter(country=country_get(country))
    alerts: list[AdvisoryVersion] = []
    before: dict[str, AdvisoryVersion] = {}
    alerted: set[str] = set()
    for v in qs.order_by("country_id", "number"):
        previous = before.get(v.country_id)
        lowered = previous is not None and v.country_id in alerted and v.max_level < previous.max_level
        if v.level_rose or lowered:
            alerts.append(v)
            alerted.add(v.country_id)
        before[v.country_id] = v
    return alerts


def cap_alerts(*, country: str | None = None, limit: int = 50) -> list[AdvisoryVersion]:
    """The CAP alerts (versions that raised the level, or lowered it after an alert), newest first."""
    found = sorted(_cap_versions(country), key=lambda v: (v.published_at, v.pk), reverse=True)
    return found[:limit]


def cap_alert_get(*, country: str, version_id: int) -> AdvisoryVersion:
    version = next((v for v in _cap_versions(country) if v.pk == version_id), None)
    if version is None:
        raise NotFound(_("No such alert."), field="version_id")
    return version


def cap_previous(version: AdvisoryVersion) -> AdvisoryVersion | None:
    """The country's CAP alert before this one, which an Update references."""
    earlier = [v for v in _cap_versions(version.country_id) if v.number < version.number]
    return earlier[-1] if earlier else None


def public_version_get(*, version_id: int) -> AdvisoryVersion:
    version = (AdvisoryVersion.objects.filter(pk=version_id, status__in=AdvisoryVersion.PUBLIC)
               .select_related("country").first())
    if version is None:
        raise NotFound(_("No such advisory version."), field="version_id")
    return version


def missions_serving(*, country: str) -> list[Mission]:
    """The active missions accredited to a country (whole or by subdivision), embassy first; where none is,
    headquarters (its hotline takes the call)."""
    ids = Jurisdiction.objects.filter(country_id=country, mission__active=True).values("mission_id")
    missions = list(Mission.objects.filter(id__in=ids).order_by("kind", "city"))
    order: dict[str, int] = {Mission.Kind.KBRI: 0, Mission.Kind.KDEI: 1, Mission.Kind.KJRI: 2, Mission.Kind.KRI: 3}
    missions.sort(key=lambda m: (order.get(m.kind, 9), m.city))
    if not missions:
        hq = hq_mission()
        missions = [hq] if hq is not None else []
    return missions


def hq_mission() -> Mission | None:
    """Headquarters: its hotline is the citizen-protection line for every country."""
    return Mission.objects.filter(kind=Mission.Kind.HQ, active=True).first()


# --- the signed-in user's own follows -------------------------------------------------------------------------
def follows_of(*, user: User | AnonymousUser) -> list[Country]:
    if not isinstance(user, User):
        raise PermissionDenied(_("Sign in as a citizen first."))
    return list(Country.objects.filter(code__in=CountryFollow.objects.filter(user=user).values("country_id")))


def is_following(*, user: User | AnonymousUser, country: str) -> bool:
    if not isinstance(user, User):
        return False
    return CountryFollow.objects.filter(user=user, country_id=country).exists()


# --- staff ------------------------------------------------------------------------------------------------------
def _require_staff(user: User) -> None:
    if not scope_for(user).is_staff:
        raise PermissionDenied(_("Only staff can see advisory drafts and history."))


def advisory_versions_for(*, user: User, country: str) -> QuerySet[AdvisoryVersion]:
    """Every version of a country, newest first (all staff may read; headquarters edits)."""
    _require_staff(user)
    found = country_get(country)
    return (AdvisoryVersion.objects.filter(country=found)
            .select_related("country", "author", "reviewer", "submitted_by").order_by("-number"))


def advisory_version_for(*, user: User | AnonymousUser, version_id: int) -> AdvisoryVersion:
    """One version: any status for staff; only published and superseded versions for everyone else (a
    draft is answered as not found, so its existence does not leak)."""
    if not scope_for(user).is_staff:
        return public_version_get(version_id=version_id)
    version = (AdvisoryVersion.objects.filter(pk=version_id)
               .select_related("country", "author", "reviewer", "submitted_by", "updated_by").first())
    if version is None:
        raise NotFound(_("No such advisory version."), field="version_id")
    return version


def advisory_console_index(*, user: User, q: str = "", status: str = "") -> list[IndexRow]:
    """The console list: every country's current level and the status of its open version, if any.
    `status` filters: "open" (a draft or review exists), "draft", "in_review", or a level "1".."4"."""
    _require_staff(user)
    open_status = dict(AdvisoryVersion.objects.filter(status__in=AdvisoryVersion.OPEN)
                       .values_list("country_id", "status"))
    rows = [replace(r, open_status=open_status.get(r.code, "")) for r in advisory_index(q=q)]
    if status == "open":
        rows = [r for r in rows if r.open_status]
    elif status in (AdvisoryVersion.Status.DRAFT, AdvisoryVersion.Status.IN_REVIEW):
        rows = [r for r in rows if r.open_status == status]
    elif status in {"1", "2", "3", "4"}:
        rows = [r for r in rows if r.level == int(status)]
    return rows


def review_queue_for(*, user: User) -> QuerySet[AdvisoryVersion]:
    _require_staff(user)
    return (AdvisoryVersion.objects.filter(status=AdvisoryVersion.Status.IN_REVIEW)
            .select_related("country", "submitted_by").order_by("submitted_at"))


def version_pair_for(*, user: User | AnonymousUser, version_id: int, against: int | None = None) -> tuple[AdvisoryVersion, AdvisoryVersion]:
    """(older, newer) for a diff: the version and `against` (another version of the same country), or
    else the version before it — any earlier version for staff, the earlier public one for everyone else."""
    version = advisory_version_for(user=user, version_id=version_id)
    if against is not None:
        other = advisory_version_for(user=user, version_id=against)
        if other.country_id != version.country_id:
            raise NotFound(_("Both versions must be of the same country."), field="against")
    else:
        earlier = AdvisoryVersion.objects.filter(country_id=version.country_id, number__lt=version.number)
        if not scope_for(user).is_staff:
            earlier = earlier.filter(status__in=AdvisoryVersion.PUBLIC)
        found = earlier.select_related("country").order_by("-number").first()
        if found is None:
            raise NotFound(_("There is no earlier version to compare with."), field="against")
        other = found
    return (other, version) if other.number <= version.number else (version, other)
