"""Reads of the social-media registry, scoped: the digital-diplomacy team and administrators at
headquarters see every account; a mission's social-media officer and its head see their unit's own."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from embassy.common.errors import NotFound
from embassy.missions.models import Membership, Role
from embassy.missions.selectors import scope_for
from embassy.social.models import Account

HQ_ROLES = {Role.DIGITAL_DIPLOMACY, Role.ADMINISTRATOR}
UNIT_ROLES = {Role.SOCIAL_MEDIA_OFFICER, Role.HEAD_OF_MISSION}


def social_units_for(user: AbstractBaseUser | AnonymousUser | None) -> tuple[bool, frozenset[int]]:
    """(every account, the units whose accounts the user may see and manage)."""
    scope = scope_for(user)
    if not scope.is_staff:
        return False, frozenset()
    if scope.roles & HQ_ROLES:
        return True, frozenset()
    assert user is not None  # a staff scope has a user
    units = Membership.objects.filter(user_id=cast(int, user.pk), role__in=UNIT_ROLES, mission__active=True).values_list("mission_id", flat=True)
    return False, frozenset(units)


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
