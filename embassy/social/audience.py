"""Host countries' internet users (data/internet_users.csv: World Bank / ITU figures with their source on each
row), loaded all or nothing like the other reference files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.db import transaction

from embassy.geo.models import Country
from embassy.missions.loader import DataFileError
from embassy.social.models import HostAudience

COLUMNS = ["country", "internet_users_pct", "population", "internet_users", "year", "source_url", "source_title"]


def audience_load(*, path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#"))))
    if reader.fieldnames != COLUMNS:
        raise DataFileError(str(path), lines[0] if lines else 1, "header", f"expected columns {','.join(COLUMNS)}")
    known = set(Country.objects.values_list("code", flat=True))
    rows: list[HostAudience] = []
    for index, raw in enumerate(reader, 1):
        line = lines[index] if index < len(lines) else index + 1
        code = (raw["country"] or "").strip().upper()
        if code not in known:
            raise DataFileError(str(path), line, "country", f"{code!r} is not a known country code")
        try:
            pct, population = float(raw["internet_users_pct"]), int(raw["population"])
            users, year = int(raw["internet_users"]), int(raw["year"])
        except (TypeError, ValueError) as exc:
            raise DataFileError(str(path), line, "internet_users", f"not a number ({exc})") from exc
        if not (0 < pct <= 100 and 0 < users <= population and 2000 <= year <= 2100):
            raise DataFileError(str(path), line, "internet_users", "out of range (share 0–100 %, users ≤ population)")
        if not (raw["source_url"] or "").startswith(("https://", "http://")):
            raise DataFileError(str(path), line, "source_url", "every row names its source")
        rows.append(HostAudience(country_id=code, internet_users=users, internet_users_pct=pct, population=population,
                                 year=year, source_url=raw["source_url"].strip(),
                                 source_title=(raw["source_title"] or "").strip()))
    with transaction.atomic():
        HostAudience.objects.all().delete()
        HostAudience.objects.bulk_create(rows)
    return len(rows)
