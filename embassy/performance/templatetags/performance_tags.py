"""Filters of the performance pages: every number passes the small-count rule of embassy.performance.present."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats

from embassy.performance.present import Figures, count_text, number_text, pct_text

register = template.Library()


@register.filter
def count(f: Figures, key: str) -> str:
    """A count of `f`, or "fewer than 5"."""
    return count_text(f.n(key))


@register.filter
def median(f: Figures, key: str) -> str:
    """The median of a measured value (wait_min, proc_days, resolve_h, ack_min), or "—" over too few."""
    return number_text(f.p(key), f.n(f"{key}_n"))


@register.filter
def p90(f: Figures, key: str) -> str:
    return number_text(f.p(key, "p90"), f.n(f"{key}_n"))


@register.filter
def pct(value: float | None) -> str:
    return pct_text(value)


@register.filter
def money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "—"
    return f"{currency} {formats.number_format(value, 2, force_grouping=True)}"
