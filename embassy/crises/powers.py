"""Who may act on a crisis: declare it, change its zone, confirm, dismiss or close it, start its roll-call.

The rule: crisis powers follow jurisdiction.
- At headquarters, the roles with protection duties (protection analysts and administrators, who also
  receive the escalated SOS cases) act on every crisis. Other headquarters roles (the digital-diplomacy team)
  act on none.
- At a mission, protection duty officers and heads of mission act on a crisis when its zone reaches the
  jurisdiction of a mission where they hold that role: some part of the zone is routed to that mission
  (crises.reach.zone_missions). A zone change needs it for the zone before and after the change.
Reading crises stays with crises.selectors (a mission's staff read the crises concerning their missions).
Every refusal is audited, like other refused actions.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import PermissionDenied
from embassy.crises.models import Crisis
from embassy.crises.reach import zone_missions
from embassy.missions.models import Membership, Role
from embassy.missions.selectors import scope_for

HQ_CRISIS_ROLES = frozenset({Role.PROTECTION_ANALYST, Role.ADMINISTRATOR})
MISSION_CRISIS_ROLES = frozenset({Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION})


def _protection_missions(actor: User) -> set[int]:
    """Active missions where the actor holds a protection role (scope_for does not tell roles apart)."""
    return set(Membership.objects.filter(user=actor, role__in=MISSION_CRISIS_ROLES, mission__active=True)
               .values_list("mission_id", flat=True))


def _refusal(actor: User, crisis: Any) -> str | None:
    """Why the actor may not act on this zone (None: they may). `crisis` may be unsaved (a zone to check)."""
    scope = scope_for(actor)
    if scope.roles & HQ_CRISIS_ROLES:
        return None
    if not scope.roles & MISSION_CRISIS_ROLES:
        return _("Only protection staff and headquarters' protection analysts manage crises.")
    if crisis is None:
        return None
    if not zone_missions(crisis) & _protection_missions(actor):
        return _("This zone is outside the jurisdiction of your mission.")
    return None


def may_manage(actor: User, crisis: Any = None) -> bool:
    """Whether to offer the managing actions (no audit: for showing buttons)."""
    return _refusal(actor, crisis) is None


def require_manage(actor: User, crisis: Any, *, action: str, zones: tuple[Any, ...] = ()) -> None:
    """Raise PermissionDenied (audited as crisis.<action>.denied) unless the actor may act on the crisis and
    on every zone in `zones` (a new zone: unsaved Crisis objects carrying it)."""
    for target in (crisis, *zones):
        reason = _refusal(actor, target)
        if reason is not None:
            audit_record(actor=actor, action=f"crisis.{action}.denied", object_type="crisis",
                         object_id=crisis.pk if isinstance(crisis, Crisis) and crisis.pk else "",
                         detail={"reason": reason})
            raise PermissionDenied(reason)
