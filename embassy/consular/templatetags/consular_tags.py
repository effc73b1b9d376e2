from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """A fee with its currency, in the reader's number format ("IDR 350.000" / "IDR 350,000"); no decimals
    where the amount has none."""
    if amount is None:
        return _("not set")
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{currency} {number_format(amount, places, use_l10n=True, force_grouping=True)}"
