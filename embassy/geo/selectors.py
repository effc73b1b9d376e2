"""Reads for the geo app. Countries are public reference data: no user scoping applies."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from embassy.common.errors import NotFound
from embassy.geo.countries import country_info, is_country_code
from embassy.geo.models import Country


def country_list() -> QuerySet[Country]:
    """All countries, ordered by English name."""
    return Country.objects.all()


def country_get(code: str) -> Country:
    """The country for an alpha-2, alpha-3 or numeric code (any case). Raises NotFound otherwise."""
    if not is_country_code(code):
        raise NotFound(_("Unknown country code: %(code)s") % {"code": repr(code)}, field="country")
    try:
        return Country.objects.get(pk=country_info(code).code)
    except Country.DoesNotExist:
        raise NotFound(_("Unknown country code: %(code)s") % {"code": repr(code)}, field="country") from None
