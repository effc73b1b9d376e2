"""Reads for publishing, scoped as the social-media pages are (embassy.social.selectors.social_units_for):
headquarters' digital-diplomacy team sees every unit's posts, a mission's officer and head their unit's."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.zones import hq_zone
from embassy.common.errors import NotFound
from embassy.crises.models import Crisis
from embassy.publishing.models import ArchiveEntry, Draft, Target
from embassy.social.models import Account
from embassy.social.selectors import social_units_for

User = AbstractBaseUser | AnonymousUser | None


def zone_of(account: Account) -> str:
    """The account's local time: its unit's (headquarters: WIB, Asia/Jakarta)."""
    return account.unit.timezone if account.unit and account.unit.timezone else hq_zone()


def _scope(user: User, field: str) -> Q | None:
    every, units = social_units_for(user)
    if every:
        return Q()
    return Q(**{f"{field}__in": units}) if units else None


def targets_for(*, user: User) -> QuerySet[Target]:
    scope = _scope(user, "account__unit_id")
    found = Target.objects.select_related("account", "account__unit", "draft", "draft__created_by")
    return found.none() if scope is None else found.filter(scope)


def draft_get_for(*, user: User, draft_id: int) -> Draft:
    """A draft the user may see: one of its accounts is theirs."""
    target = targets_for(user=user).filter(draft_id=draft_id).first()
    if target is None:
        raise NotFound(_("No draft %(id)s that you may see") % {"id": draft_id}, field="draft")
    return target.draft


def drafts_waiting_for(*, user: User) -> list[Draft]:
    ids = targets_for(user=user).filter(draft__status=Draft.Status.SUBMITTED).values_list("draft_id", flat=True)
    return list(Draft.objects.filter(pk__in=ids).select_related("created_by").order_by("submitted_at"))


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_month: bool
    targets: list[Target]


def calendar_for(*, user: User, year: int, month: int, zone: str, unit_id: int | None = None,
                 account_id: int | None = None, week: dt.date | None = None) -> list[list[Day]]:
    """Weeks (Monday first) of the month, or the one week starting `week`, each day with its posts as they are
    in `zone` (scheduled, being posted, retrying, failed, published)."""
    tz = ZoneInfo(zone)
    if week is not None:
        first, days = week - dt.timedelta(days=week.weekday()), 7
    else:
        weeks = calendar.Calendar().monthdatescalendar(year, month)
        first, days = weeks[0][0], 7 * len(weeks)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = start + dt.timedelta(days=days)
    found = targets_for(user=user).exclude(status=Target.Status.CANCELLED).filter(
        Q(published_at__gte=start, published_at__lt=end) | Q(published_at__isnull=True, scheduled_at__gte=start,
                                                             scheduled_at__lt=end))
    if unit_id:
        found = found.filter(account__unit_id=unit_id)
    if account_id:
        found = found.filter(account_id=account_id)
    by_day: dict[dt.date, list[Target]] = {}
    for target in found.order_by("scheduled_at"):
        when = (target.published_at or target.scheduled_at).astimezone(tz)
        target.local_time = f"{when:%H:%M}"  # type: ignore[attr-defined]  # in `zone`, not the active one
        by_day.setdefault(when.date(), []).append(target)
    cells = [Day(first + dt.timedelta(days=n), week is not None or (first + dt.timedelta(days=n)).month == month,
                 by_day.get(first + dt.timedelta(days=n), [])) for n in range(days)]
    return [cells[i:i + 7] for i in range(0, days, 7)]


def archive_for(*, user: User, start: dt.datetime | None = None, end: dt.datetime | None = None) -> QuerySet[ArchiveEntry]:
    scope = _scope(user, "account__unit_id")
    entries = ArchiveEntry.objects.select_related("account", "account__unit").order_by("at", "pk")
    if scope is None:
        return entries.none()
    entries = entries.filter(scope)
    if start:
        entries = entries.filter(at__gte=start)
    if end:
        entries = entries.filter(at__lt=end)
    return entries


def active_crises_for(*, user: User) -> list[Crisis]:
    """Active crises (Crisis.Status.ACTIVE) the user's accounts speak for: headquarters all, a mission those
    that concern it."""
    every, units = social_units_for(user)
    crises = Crisis.objects.filter(status=Crisis.Status.ACTIVE).prefetch_related("missions").order_by("-occurred_at")
    if not every:
        crises = crises.filter(missions__in=units).distinct()
    return list(crises) if (every or units) else []


def now_in(zone: str) -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(zone))
