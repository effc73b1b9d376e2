"""Reads of crises. Crises carry no personal data (counts only), so every staff role may read those that
concern its missions; headquarters reads all. Citizens and the public read none here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from embassy.common.errors import NotFound, PermissionDenied
from embassy.crises.models import Crisis, FeedPoll
from embassy.missions.selectors import scope_for


def crisis_list_for(*, user: Any, status: str = "") -> QuerySet[Crisis]:
    scope = scope_for(user)
    if not scope.is_staff:
        raise PermissionDenied(_("Only staff can see crises."))
    qs = Crisis.objects.all()
    if not scope.is_hq:
        qs = qs.filter(missions__in=scope.mission_ids).distinct()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def crisis_get_for(*, user: Any, crisis_id: int) -> Crisis:
    crisis = crisis_list_for(user=user).filter(pk=crisis_id).first()
    if crisis is None:
        raise NotFound(_("No such crisis."), field="crisis_id")
    return crisis


def feed_polls_for(*, user: Any, limit: int = 50) -> list[FeedPoll]:
    if not scope_for(user).is_hq:
        raise PermissionDenied(_("Only headquarters sees the feed polls."))
    return list(FeedPoll.objects.all()[:limit])
