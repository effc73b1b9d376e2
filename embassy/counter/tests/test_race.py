"""Kiosks issuing at the same instant never hand out the same number, and two clerks pressing "call next" at
the same instant never call the same ticket (tests/race.py runs both races in threads).

On PostgreSQL the races run in this process against the test database, committed for real. SQLite's test
database lives in memory with a shared cache, where connections lock whole tables instead of waiting; there the
races run in a process of their own on a database file, with the write lock and busy timeout production has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from embassy.counter.models import Ticket
from embassy.counter.tests.race import KIOSKS, clerk_race, kiosk_race

ROOT = Path(__file__).resolve().parents[3]
ON_POSTGRES = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
SCRIPT = textwrap.dedent(
    """
    import json, os, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    from embassy.counter.tests.race import clerk_race, kiosk_race
    print(json.dumps({"kiosk": kiosk_race(), "clerk": clerk_race()}))
    """
)


def check(kiosk: dict[str, list[object]], clerk: dict[str, list[object]]) -> None:
    assert kiosk["errors"] == []
    assert sorted(kiosk["numbers"]) == list(range(1, KIOSKS + 1))  # type: ignore[type-var]
    assert clerk["errors"] == []
    assert sorted(clerk["labels"]) == ["B001", "B002"]  # type: ignore[type-var]


# Committed for real so that the threads see each other's rows (the tables are flushed afterwards; conftest loads
# the reference data again for the next transactional test).
@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite: see test_races_on_a_sqlite_database_file")
@pytest.mark.django_db(transaction=True)
def test_races_on_postgresql() -> None:
    check(kiosk_race(), clerk_race())
    assert Ticket.objects.filter(status="called").count() == 2


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite-specific")
def test_races_on_a_sqlite_database_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    check(result["kiosk"], result["clerk"])
