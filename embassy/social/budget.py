"""Money spent reading platforms that bill per read (X's pay-per-use API), per unit and month, and what a pull
is expected to cost before it runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, F, Q, Sum

from embassy.missions.models import Mission
from embassy.social.collectors import collector_for
from embassy.social.models import Account, AccountDay, Post, Pull, QuotaDay, ReadBudget


def month_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_end(now: dt.datetime) -> dt.datetime:
    start = month_start(now)
    return (start + dt.timedelta(days=32)).replace(day=1)


def _unit_of(account: Account) -> Mission | None:
    """The unit that pays: the account's own, else headquarters (the ministry's and the minister's accounts)."""
    if account.unit_id:
        return account.unit
    return Mission.objects.filter(kind="HQ", active=True).order_by("id").first()


def monthly_budget(unit: Mission | None) -> Decimal:
    row = ReadBudget.objects.filter(unit=unit).first() if unit else None
    return row.monthly_usd if row else Decimal(str(settings.SOCIAL_X_MONTHLY_BUDGET_USD))


def spent_this_month(unit: Mission | None, *, now: dt.datetime) -> Decimal:
    accounts = Q(account__unit=unit) if unit and unit.kind != "HQ" else Q(account__unit=unit) | Q(account__unit=None)
    total = Pull.objects.filter(accounts, started_at__gte=month_start(now)).aggregate(s=Sum("cost"))["s"]
    return total or Decimal(0)


def budget_left(account: Account, *, now: dt.datetime) -> float:
    unit = _unit_of(account)
    return max(float(monthly_budget(unit) - spent_this_month(unit, now=now)), 0.0)


@dataclass(frozen=True)
class Estimate:
    reads: int
    usd: Decimal
    budget_left: Decimal


def pull_estimate(account: Account, *, now: dt.datetime) -> Estimate:
    """What the next pull will read and cost: the profile, the posts of the refresh window (as many as the
    account posted in the same span before, at least one page), a page per pull of older history until it
    is all read, and the follows when they are due (as many as it followed last time)."""
    collector = collector_for(account.platform)
    window = now - dt.timedelta(days=settings.SOCIAL_REFRESH_DAYS)
    recent = Post.objects.filter(account=account, published_at__gte=window).count()
    posts = max(recent, collector.page_size)
    if not (account.cursor or {}).get("backfill_done"):
        posts += collector.page_size * max(settings.SOCIAL_MAX_PAGES - 1 - recent // collector.page_size, 0)
    follows = 0
    follows_at = str((account.cursor or {}).get("follows_at") or "")
    if follows_at < (now - dt.timedelta(days=settings.SOCIAL_FOLLOWS_EVERY_DAYS)).isoformat():
        last = AccountDay.objects.filter(account=account).aggregate(f=Avg("following"))["f"]
        follows = int(last or collector.follow_page_size)
    usd = collector.price_profile + posts * collector.price_post + follows * collector.price_follow
    unit = _unit_of(account)
    left = monthly_budget(unit) - spent_this_month(unit, now=now) if collector.price_post else Decimal(0)
    return Estimate(reads=1 + posts + follows, usd=Decimal(f"{usd:.4f}"), budget_left=max(left, Decimal(0)))


def quota_day(platform: str, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """(the platform's quota day now, when it resets) in the zone where its quota resets."""
    zone = ZoneInfo(settings.SOCIAL_QUOTA_ZONE.get(platform, "UTC"))
    local = now.astimezone(zone)
    reset = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.date(), reset.astimezone(dt.UTC)


def units_left(platform: str, *, now: dt.datetime) -> int | None:
    limit = settings.SOCIAL_DAILY_UNITS.get(platform)
    if limit is None:
        return None
    day, _reset = quota_day(platform, now)
    used = QuotaDay.objects.filter(platform=platform, day=day).values_list("units", flat=True).first() or 0
    return max(limit - used, 0)


def units_spend(platform: str, units: int, *, now: dt.datetime) -> None:
    """Add what a pull spent to the day's count (one statement, safe with concurrent pulls)."""
    if not units or platform not in settings.SOCIAL_DAILY_UNITS:
        return
    day, _reset = quota_day(platform, now)
    QuotaDay.objects.get_or_create(platform=platform, day=day)
    QuotaDay.objects.filter(platform=platform, day=day).update(units=F("units") + units)
