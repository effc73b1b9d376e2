from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from embassy.advisories.levels import SECTION_KEYS
from embassy.advisories.models import AdvisoryVersion, CountryAdvisory
from embassy.advisories.tests.helpers import analyst, publish
from embassy.geo.models import Country

pytestmark = pytest.mark.django_db
SEED = Path(settings.DATA_DIR) / "advisories" / "demo_advisories.json"


def test_the_seed_file_covers_every_country_and_says_it_is_demo_content() -> None:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    assert data["demo"] is True and "DEMO CONTENT" in data["_notice"]
    assert set(data["countries"]) == set(Country.objects.values_list("code", flat=True))
    for code, row in data["countries"].items():
        assert row["level"] in (1, 2, 3, 4), code
        assert row["reason_id"] and row["reason_en"], code
        assert set(row["sections"]) == set(SECTION_KEYS), code
        assert all(t["id"] and t["en"] for t in row["sections"].values()), code
    assert {"service": "general", "number": "112"} in data["countries"]["DE"]["emergency_numbers"]
    assert "IDR" in data["countries"]["ID"]["sections"]["currency"]["en"]


def test_load_advisories_is_fast_complete_and_idempotent() -> None:
    ani, budi = analyst(), analyst()
    mine = publish("MY", author=ani, reviewer=budi, level=3, reason_en="Set by headquarters")
    out = io.StringIO()
    started = time.perf_counter()
    call_command("load_advisories", stdout=out)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    countries = Country.objects.count()
    assert CountryAdvisory.objects.filter(current__isnull=False).count() == countries
    assert AdvisoryVersion.objects.filter(status="published").count() == countries
    assert AdvisoryVersion.objects.filter(is_demo=True).count() == countries - 1
    assert CountryAdvisory.objects.get(country_id="MY").current_id == mine.pk  # never overwritten
    call_command("load_advisories", stdout=out)
    assert AdvisoryVersion.objects.count() == countries
    assert "0 countries loaded" in out.getvalue().splitlines()[-1]
    page = Client().get("/informasi-negara/FR/").content.decode()
    assert 'data-testid="demo-ribbon"' in page and 'href="tel:112"' in page
    assert client_json_count() == countries


def client_json_count() -> int:
    return int(Client().get("/api/v1/advisories").json()["count"])


def test_a_bad_seed_file_loads_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"countries": {"FR": {"level": 9, "reason_en": "x"}}}))
    with pytest.raises(CommandError):
        call_command("load_advisories", path=str(bad))
    missing = tmp_path / "missing.json"
    with pytest.raises(CommandError):
        call_command("load_advisories", path=str(missing))
    assert not AdvisoryVersion.objects.exists()
