"""The demo population's bulk load, the path a large seed takes (indexes and, on PostgreSQL, foreign keys
dropped during the load; rows streamed with COPY on PostgreSQL): the rows read back typed as the ORM writes
them, every index and constraint is back afterwards, and a row that points nowhere fails the load."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from embassy.citizens import demo
from embassy.citizens.models import Citizen, EmergencyContact, Stay
from embassy.common.bulk import bulk_load, copy_many

pytestmark = pytest.mark.django_db

TABLES = [Citizen._meta.db_table, Stay._meta.db_table, EmergencyContact._meta.db_table]


def _schema() -> tuple[set[str], set[str]]:
    """The tables' index names and foreign-key constraint names, as the database lists them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [TABLES])
            indexes = {r[0] for r in cursor.fetchall()}
            cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                           [TABLES])
            return indexes, {r[0] for r in cursor.fetchall()}
        marks = ", ".join(["%s"] * len(TABLES))
        cursor.execute(f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})", TABLES)
        indexes = {r[0] for r in cursor.fetchall()}
        keys = set()
        for name in TABLES:
            cursor.execute(f"PRAGMA foreign_key_list({connection.ops.quote_name(name)})")
            keys |= {f"{name}.{r[3]}->{r[2]}" for r in cursor.fetchall()}
        return indexes, keys


def test_the_bulk_path_stores_typed_rows_and_puts_back_every_index_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _schema()
    assert before[0] and before[1]
    monkeypatch.setattr(demo, "BULK_THRESHOLD", 100)  # 250 citizens take the path 2,000,000 do
    assert demo.demo_generate(citizens=250, seed=5, workers=0) == 250
    assert _schema() == before
    assert Citizen.objects.filter(source="demo").count() == 250
    stays = list(Stay.objects.filter(citizen__source="demo").select_related("citizen", "mission"))
    assert len(stays) == 250 and EmergencyContact.objects.filter(citizen__source="demo").count() == 250
    for stay in stays[:50]:
        assert isinstance(stay.start_date, dt.date) and stay.start_date <= dt.date.today()
        assert isinstance(stay.lat, float) and stay.mission.code and stay.citizen.full_name
        assert stay.citizen.created_at.tzinfo is not None
    # a new row after the load gets a fresh id (the sequences moved past the explicit ids)
    assert Citizen.objects.create(full_name="Setelah Muat").pk > max(s.citizen_id for s in stays)


def test_a_row_that_points_nowhere_fails_the_load() -> None:
    citizen = Citizen.objects.create(full_name="Ada")
    rows = [(10_000_001, citizen.pk, "Ibu", "Ibu / Mother", "+6281298765432", ""),
            (10_000_002, 987_654_321, "Tak Ada", "Ayah / Father", "+6281298765433", "")]
    error = IntegrityError if connection.vendor == "postgresql" else RuntimeError
    with pytest.raises(error), transaction.atomic(), bulk_load([EmergencyContact], drop_indexes=True):
        copy_many(EmergencyContact, demo.CONTACT_COLUMNS, rows)
