"""Where citizens are: aggregated counts of active stays, for every staff role (no names, no contacts).

Scoped like everything else: headquarters sees every mission, mission staff their missions. Counts are
of active stays and of the dependants registered as travelling with them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from embassy.citizens.models import Stay
from embassy.common.errors import BadInput, PermissionDenied
from embassy.missions.selectors import scope_for

GROUPS = {
    "country": "country_id",
    "city": "city",
    "purpose": "purpose",
    "occupation": "occupation",
    "mission": "mission__code",
}


def _active_for(user: Any, mission_id: int | None) -> QuerySet[Stay]:
    scope = scope_for(user)
    if not scope.is_staff:
        raise PermissionDenied(_("Only staff can see where citizens are."))
    qs = Stay.objects.filter(status=Stay.Status.ACTIVE)
    if mission_id is not None:
        if not scope.covers(mission_id):
            raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
        return qs.filter(mission_id=mission_id)
    return qs if scope.all_missions else qs.filter(mission_id__in=scope.mission_ids)


def stay_counts_for(*, user: Any, by: str = "country", mission_id: int | None = None,
                    limit: int = 100) -> dict[str, Any]:
    """{"total": stays, "dependants": n, "rows": [{"key": value, "stays": n}, …]} largest first."""
    if by not in GROUPS:
        raise BadInput(_("Group by one of: %(values)s.") % {"values": ", ".join(GROUPS)}, field="by")
    qs = _active_for(user, mission_id)
    column = GROUPS[by]
    rows = list(qs.values(column).annotate(stays=Count("id")).order_by("-stays", column)[: max(1, min(limit, 1000))])
    return {
        "by": by,
        "total": qs.count(),
        "dependants": Stay.dependants.through.objects.filter(stay__in=qs).count(),
        "rows": [{"key": row[column] or "", "stays": row["stays"]} for row in rows],
    }
