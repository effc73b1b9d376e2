"""Host countries' internet users (data/internet_users.csv: World Bank / ITU figures with their source on each
row), loaded all or nothing like the other reference files."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from embassy.geo.models import Country
from embassy.missions.loader import DataFileError, csv_records
from embassy.social.models import HostAudience

COLUMNS = ["country", "internet_users_pct", "population", "internet_users", "year", "source_url", "source_title"]


def audience_load(*, path: Path) -> int:
    _header, records = csv_records(path.read_text(encoding="utf-8"), str(path), COLUMNS)
    known = set(Country.objects.values_list("code", flat=True))
    rows: list[HostAudience] = []
    for line, raw in records:
        code = raw["country"].upper()
        if code not in known:
            raise DataFileError(str(path), line, "country", f"{code!r} is not a known country code")
        try:
            pct, population = float(raw["internet_users_pct"]), int(raw["population"])
            users, year = int(raw["internet_users"]), int(raw["year"])
        except (TypeError, ValueError) as exc:
            raise DataFileError(str(path), line, "internet_users", f"not a number ({exc})") from exc
        if not (0 < pct <= 100 and 0 < users <= population and 2000 <= year <= 2100):
            raise DataFileError(str(path), line, "internet_users", "out of range (share 0–100 %, users ≤ population)")
        if not raw["source_url"].startswith(("https://", "http://")):
            raise DataFileError(str(path), line, "source_url", "every row names its source")
        rows.append(HostAudience(country_id=code, internet_users=users, internet_users_pct=pct, population=population,
                                 year=year, source_url=raw["source_url"], source_title=raw["source_title"]))
    with transaction.atomic():
        HostAudience.objects.all().delete()
        HostAudience.objects.bulk_create(rows)
    return len(rows)
