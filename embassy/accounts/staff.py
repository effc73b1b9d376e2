"""Which staff a piece of news concerns: the one rule for who is told (an SOS, its escalation, a crisis) and
who may take a mission's case. Every caller names a purpose; the roles behind it are written here only.

Only active accounts count, and only through a role held (missions.Membership): an account that lost its
role is no longer told, even if it is still on a duty roster.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from embassy.missions.models import PERSONAL_DATA_ROLES, Membership, Role

if TYPE_CHECKING:
    from embassy.accounts.models import User


class Purpose(StrEnum):
    DUTY = "duty"  # a new SOS: the officers on duty at the mission, else its protection duty officers
    PROTECTION = "protection"  # protection officers and the head of mission (escalation 1, crisis news)
    HEADQUARTERS = "headquarters"  # headquarters' protection analysts and administrators (escalation 2)
    CONSULAR_HEAD = "consular_head"  # the head of consular affairs (fixer patterns), else the head of mission
    CASEWORK = "casework"  # who may take a mission's case: the mission's and headquarters' personal-data roles


# purpose → (roles held at the missions concerned, roles held at headquarters that reach every mission)
ROLES: dict[Purpose, tuple[frozenset[str], frozenset[str]]] = {
    Purpose.DUTY: (frozenset({Role.PROTECTION_OFFICER}), frozenset()),
    Purpose.PROTECTION: (frozenset({Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION}), frozenset()),
    Purpose.CONSULAR_HEAD: (frozenset({Role.HEAD_OF_CONSULAR}), frozenset()),
    Purpose.HEADQUARTERS: (frozenset(), frozenset({Role.PROTECTION_ANALYST, Role.ADMINISTRATOR})),
    Purpose.CASEWORK: (frozenset(PERSONAL_DATA_ROLES - {Role.PROTECTION_ANALYST, Role.ADMINISTRATOR}),
                       frozenset({Role.PROTECTION_ANALYST, Role.ADMINISTRATOR})),
}
# Who may sign on as a mission's duty officer (and so be told as one): its protection staff.
DUTY_ROSTER_ROLES = ROLES[Purpose.PROTECTION][0]


def _held(purpose: Purpose, mission_ids: list[int]) -> Q:
    """Memberships that put a user in `purpose` for these missions (one membership row satisfies it)."""
    at_mission, anywhere = ROLES[purpose]
    held = Q(pk__in=[])
    if at_mission and mission_ids:
        held |= Q(memberships__mission_id__in=mission_ids, memberships__role__in=at_mission)
    if anywhere:
        held |= Q(memberships__role__in=anywhere)
    return held


def staff_queryset(*, purpose: Purpose, missions: Iterable[int] = ()) -> QuerySet[Any]:
    """The active staff `purpose` names for `missions` (ids), each once; unordered."""
    return get_user_model().objects.filter(_held(purpose, list(missions)), is_active=True).distinct()


def staff_to_notify(*, purpose: Purpose, missions: Iterable[int] = (),
                    on_duty: Iterable[int] | QuerySet[Any] | None = None) -> list[User]:
    """The staff to tell. For Purpose.DUTY, `on_duty` (user ids, the mission's roster) decides first: those
    who still hold a protection role there; when none does, every protection duty officer of the mission."""
    mission_ids = list(missions)
    if purpose == Purpose.DUTY and on_duty is not None:
        roster = list(get_user_model().objects.filter(
            pk__in=on_duty, is_active=True, memberships__mission_id__in=mission_ids,
            memberships__role__in=DUTY_ROSTER_ROLES).distinct())
        if roster:
            return roster
    return list(staff_queryset(purpose=purpose, missions=mission_ids))


def may_take_duty(*, user: User, mission_id: int) -> bool:
    """Whether `user` may sign on as the mission's duty officer."""
    return Membership.objects.filter(user=user, mission_id=mission_id, role__in=DUTY_ROSTER_ROLES).exists()


def is_staff_for(*, user: User, purpose: Purpose, mission_id: int) -> bool:
    """Whether `user` is among the staff `purpose` names for the mission (active accounts only)."""
    return staff_queryset(purpose=purpose, missions=[mission_id]).filter(pk=getattr(user, "pk", None)).exists()
