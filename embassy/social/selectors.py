"""Reads of the social-media registry, scoped: the digital-diplomacy team and administrators at
headquarters see every account; a mission's social-media officer and its head see their unit's own."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from embassy.common.errors import NotFound
from embassy.missions.models import Membership, Role
from embassy.missions.selectors import scope_for
from embassy.social.health import health_of
from embassy.social.models import Account, AccountDay, Mention, Post, Pull

HQ_ROLES = {Role.DIGITAL_DIPLOMACY, Role.ADMINISTRATOR}
UNIT_ROLES = {Role.SOCIAL_MEDIA_OFFICER, Role.HEAD_OF_MISSION}


def social_units_for(user: AbstractBaseUser | AnonymousUser | None) -> tuple[bool, frozenset[int]]:
    """(every account, the units whose accounts the user may see and manage)."""
    scope = scope_for(user)
    if not scope.is_staff:
        return False, frozenset()
    if scope.roles & HQ_ROLES:
        return True, frozenset()
    if not scope.roles & UNIT_ROLES:
        return False, frozenset()  # no query for the many staff who have nothing to do with social media
    assert user is not None  # a staff scope has a user
    units = Membership.objects.filter(user_id=cast(int, user.pk), role__in=UNIT_ROLES, mission__active=True).values_list("mission_id", flat=True)
    return False, frozenset(units)


def can_see_social(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether the console shows the social-media pages to this user (no query beyond the user's scope)."""
    return bool(scope_for(user).roles & (HQ_ROLES | UNIT_ROLES))


def account_list_for(*, user: AbstractBaseUser | AnonymousUser | None, active: bool = True) -> QuerySet[Account]:
    every, units = social_units_for(user)
    accounts = Account.objects.filter(active=active).select_related("unit")
    if every:
        return accounts
    return accounts.filter(unit_id__in=units)


def account_get_for(*, user: AbstractBaseUser | AnonymousUser | None, account_id: int) -> Account:
    account = account_list_for(user=user, active=True).filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"No account {account_id} that you may see", field="account")
    return account


def account_rows_for(*, user: AbstractBaseUser | AnonymousUser | None, platform: str = "", owner: str = "",
                     now: dt.datetime) -> list[Account]:
    """The accounts the user may see, each with its latest follower count (`followers`), its posts in the last
    30 days (`posts_30d`) and its health (`health`)."""
    latest = AccountDay.objects.filter(account=OuterRef("pk")).order_by("-day")
    accounts = account_list_for(user=user).annotate(
        followers=Subquery(latest.values("followers")[:1]),
        posts_30d=Count("posts", filter=Q(posts__published_at__gte=now - dt.timedelta(days=30))),
    )
    if platform:
        accounts = accounts.filter(platform=platform)
    if owner:
        accounts = accounts.filter(owner=owner)
    rows: list[Account] = list(accounts.order_by("owner", "unit__code", "platform", "handle"))
    for account in rows:
        account.health = health_of(account, now=now)  # type: ignore[attr-defined]  # for the page
    return rows


def account_pulls(*, account: Account, limit: int = 10) -> QuerySet[Pull]:
    return account.pulls.order_by("-started_at")[:limit]


def account_recent_posts(*, account: Account, limit: int = 20) -> QuerySet[Post]:
    return account.posts.order_by("-published_at")[:limit]


def account_unanswered_mentions(*, account: Account, since: dt.datetime, limit: int = 50) -> QuerySet[Mention]:
    """The mentions since `since` that the account has not replied to, newest first."""
    return account.mentions.filter(published_at__gte=since, replied_at__isnull=True).order_by("-published_at")[:limit]


def account_days(*, account: Account, limit: int = 30) -> list[AccountDay]:
    days: list[AccountDay] = list(account.days.order_by("-day")[:limit])
    return days[::-1]
