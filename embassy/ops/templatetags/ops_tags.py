"""`{{ seconds|minutes }}`: a waiting or service time as people read it on a dashboard."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def minutes(seconds: float | None) -> str:
    """ "12 min", "under 1 min", or "—" when nothing was measured (None)."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("under 1 min")
    return _("%(n)d min") % {"n": round(seconds / 60)}
