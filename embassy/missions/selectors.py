"""Reads about missions and — the one place it is decided — which missions a staff member acts for.

Every selector of personal data elsewhere calls `scope_for(user)`; nothing else decides scope."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from embassy.common.errors import NotFound
from embassy.missions.models import HQ_ROLES, PERSONAL_DATA_ROLES, Membership, Mission


@dataclass(frozen=True)
class Scope:
    """What a user may see.

    all_missions: headquarters roles see every mission's non-personal data (counts, cases list, etc.).
    personal_all / personal_ids: whose personal data the user may read — everyone's for headquarters
    protection analysts and administrators, otherwise the citizens of the missions where the user holds a
    role that reads personal data (social-media officers hold none)."""

    all_missions: bool
    mission_ids: frozenset[int]
    personal_all: bool
    personal_ids: frozenset[int]
    roles: frozenset[str]

    def covers(self, mission_id: int | None) -> bool:
        return self.all_missions or (mission_id is not None and mission_id in self.mission_ids)

    def covers_personal(self, mission_id: int | None) -> bool:
        return self.personal_all or (mission_id is not None and mission_id in self.personal_ids)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def is_hq(self) -> bool:
        return self.all_missions

    @property
    def personal_data(self) -> bool:
        return self.personal_all or bool(self.personal_ids)


NO_SCOPE = Scope(False, frozenset(), False, frozenset(), frozenset())


def scope_for(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """The acting user's scope. Anonymous users, citizens and staff without a verified second factor get
    no scope at all. Typed with django.contrib.auth's AbstractBaseUser: missions sits below accounts and may
    not import its User."""
    if user is None or not user.is_authenticated or getattr(user, "kind", "") != "staff":
        return NO_SCOPE
    if not getattr(user, "is_verified", lambda: False)():
        return NO_SCOPE
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    rows = list(Membership.objects.filter(user_id=user.pk, mission__active=True).values_list("mission_id", "role"))
    roles = frozenset(r for _, r in rows)
    scope = Scope(
        all_missions=bool(roles & HQ_ROLES),
        mission_ids=frozenset(m for m, _ in rows),
        personal_all=bool(roles & (HQ_ROLES & PERSONAL_DATA_ROLES)),
        personal_ids=frozenset(m for m, r in rows if r in PERSONAL_DATA_ROLES),
        roles=roles,
    )
    user._scope_cache = scope  # type: ignore[attr-defined]  # a memo on this request's user object
    return scope


def mission_list(*, active: bool = True) -> QuerySet[Mission]:
    return Mission.objects.filter(active=active).select_related("country").prefetch_related("jurisdictions")


def mission_search(*, q: str = "") -> QuerySet[Mission]:
    """The missions abroad (headquarters left out) whose city, name or country has `q`, by country and city."""
    missions = mission_list().exclude(kind=Mission.Kind.HQ)
    if q:
        missions = missions.filter(Q(city__icontains=q) | Q(name_id__icontains=q) | Q(name_en__icontains=q)
                                   | Q(country__name_id__icontains=q) | Q(country__name_en__icontains=q))
    return missions.order_by("country__name_en", "city")


def mission_get(*, code: str) -> Mission:
    mission = Mission.objects.filter(code__iexact=code.strip()).select_related("country").first()
    if mission is None:
        raise NotFound(f"No mission with code {code!r}", field="code")
    return mission


def missions_for(user: AbstractBaseUser | AnonymousUser | None) -> QuerySet[Mission]:
    """The units a staff member can switch between in the console."""
    scope = scope_for(user)
    if scope.all_missions:
        return Mission.objects.filter(active=True)
    return Mission.objects.filter(id__in=scope.mission_ids, active=True)


@lru_cache(maxsize=1)
def home_country() -> str:
    """The ministry's own country (that of headquarters; "" before the missions are loaded)."""
    code = Mission.objects.filter(kind=Mission.Kind.HQ).values_list("country_id", flat=True).first()
    if code is None:
        home_country.cache_clear()  # not loaded yet: ask again next time
        return ""
    return str(code)
