"""Writes for the geo app."""

from __future__ import annotations

from django.db import transaction

from embassy.geo.countries import all_countries
from embassy.geo.models import Country
from embassy.geo.naturalearth import covered_codes

_SYNCED_FIELDS = ["alpha3", "numeric", "name_id", "name_en", "calling_code", "has_boundary"]


@transaction.atomic
def countries_sync() -> int:
    """Upsert every registry country into the Country table; returns how many there are.

    Idempotent: a second run changes nothing. One bulk INSERT ... ON CONFLICT DO UPDATE (SQLite and
    PostgreSQL). Countries no longer in the registry are left alone (other tables may refer to them).
    `has_boundary` is true for the codes the bundled boundary data answers.
    """
    covered = set(covered_codes())
    rows = [
        Country(
            code=c.code,
            alpha3=c.alpha3,
            numeric=c.numeric,
            name_id=c.name_id,
            name_en=c.name_en,
            calling_code=c.calling_code,
            has_boundary=c.code in covered,
        )
        for c in all_countries()
    ]
    Country.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=_SYNCED_FIELDS
    )
    return len(rows)
