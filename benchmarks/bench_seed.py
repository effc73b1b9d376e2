"""seed_demo throughput: demo citizens (with stay and emergency contact) created per second, on SQLite and (with
--postgres URL, which `make bench` passes for the side-by-side table) on PostgreSQL.

Runs the real `seed_demo` command against a fresh SQLite database in a temporary folder (migrated and
loaded with reference data first). Baseline, measured in the same run: the raw write floor — the same
kind of rows (three tables, same columns) inserted by sqlite3.executemany with nothing generated."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import write_result

ROOT = Path(__file__).resolve().parents[1]


def _manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout


def _write_floor(n: int, folder: Path) -> float:
    """Rows/s for plain executemany of citizen+stay+contact rows (no generation, no encryption)."""
    con = sqlite3.connect(folder / "floor.sqlite3")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, a, b, c, d, e, f, g, h, i, j, k, l, m, n)")
    con.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)")
    con.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, a, b, c, d, e)")
    c_row = ("Siti Rahayu", "1990-01-01", "F", "", "+6281234567890", "ek1:k1:" + "x" * 60, "y" * 40,
             "ek1:k1:" + "x" * 52, "z" * 40, "2030-01-01", "Indramayu, Indonesia", "demo", "2026-01-01", "2026-01-01")
    s_row = (1, "MY", "Kuala Lumpur", "12 Kuala Lumpur", 3.1, 101.6, 612345678901234567, 5, "subdivision", "work",
             "domestic_worker", "Tan Household", "2025-01-01", None, "2026-01-01", "2026-01-01")
    e_row = (1, "Ibu Rahayu", "Ibu / Mother", "+6281298765432", "")
    t0 = time.perf_counter()
    for start in range(0, n, 20_000):
        k = min(20_000, n - start)
        with con:
            con.executemany("INSERT INTO c VALUES (?" + ",?" * 14 + ")", ((start + i, *c_row) for i in range(k)))
            con.executemany("INSERT INTO s VALUES (?" + ",?" * 16 + ")", ((start + i, *s_row) for i in range(k)))
            con.executemany("INSERT INTO e VALUES (?" + ",?" * 5 + ")", ((start + i, *e_row) for i in range(k)))
    rate = n / (time.perf_counter() - t0)
    con.close()
    return rate


def _pg_write_floor(n: int, url: str) -> float:
    """The PostgreSQL floor: the same rows into plain tables with COPY (the fastest way in, as the demo writer
    uses), a transaction per 20,000."""
    import psycopg

    c_row = ("Siti Rahayu", "1990-01-01", "F", "", "+6281234567890", "ek1:k1:" + "x" * 60, "y" * 40,
             "ek1:k1:" + "x" * 52, "z" * 40, "2030-01-01", "Indramayu, Indonesia", "demo", "2026-01-01", "2026-01-01")
    s_row = (1, "MY", "Kuala Lumpur", "12 Kuala Lumpur", 3.1, 101.6, 612345678901234567, 5, "subdivision", "work",
             "domestic_worker", "Tan Household", "2025-01-01", None, "2026-01-01", "2026-01-01")
    e_row = (1, "Ibu Rahayu", "Ibu / Mother", "+6281298765432", "")
    with psycopg.connect(url) as con:
        con.execute("CREATE TEMP TABLE c (id bigint PRIMARY KEY, a text, b date, c text, d text, e text, f text, "
                    "g text, h text, i text, j date, k text, l text, m date, n date)")
        con.execute("CREATE TEMP TABLE s (id bigint PRIMARY KEY, a bigint, b text, c text, d text, e float8, "
                    "f float8, g bigint, h int, i text, j text, k text, l text, m date, n date, o date, p date)")
        con.execute("CREATE TEMP TABLE e (id bigint PRIMARY KEY, a bigint, b text, c text, d text, e text)")
        con.commit()
        t0 = time.perf_counter()
        with con.cursor() as cur:
            for start in range(0, n, 20_000):
                k = min(20_000, n - start)
                for name, row in (("c", c_row), ("s", s_row), ("e", e_row)):
                    with cur.copy(f"COPY {name} FROM STDIN") as copy:
                        for i in range(k):
                            copy.write_row((start + i, *row))
                con.commit()
        return n / (time.perf_counter() - t0)


def _fresh_pg(url: str) -> str:
    """A new, empty database `bench_seed` on the server of `url`; its URL."""
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS bench_seed WITH (FORCE)")
        con.execute("CREATE DATABASE bench_seed")
    return base + "/bench_seed"


def main_postgres(n: int, url: str) -> dict[str, Any]:
    import psycopg

    target = _fresh_pg(url)
    env = {**os.environ, "DATABASE_URL": target, "DEBUG": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-seed-pg-") as tmp:
        env["VAR_DIR"] = tmp
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "load_reference")
        t0 = time.perf_counter()
        out = _manage(env, "seed_demo", "--citizens", str(n), "--seed", "1", "--quiet", "--force")
        wall = time.perf_counter() - t0
    with psycopg.connect(target) as db:
        demo = "(SELECT id FROM citizens_citizen WHERE source = 'demo')"
        counts = [db.execute(sql).fetchone()[0] for sql in (  # type: ignore[index]
            "SELECT COUNT(*) FROM citizens_citizen WHERE source = 'demo'",
            f"SELECT COUNT(*) FROM citizens_stay WHERE citizen_id IN {demo}",
            f"SELECT COUNT(*) FROM citizens_emergencycontact WHERE citizen_id IN {demo}",
        )]
    floor = _pg_write_floor(min(n, 500_000), target)
    print(out.strip())
    rate = n / wall
    results = {"citizens_per_s": round(rate), "wall_s": round(wall, 1), "citizens": counts[0], "stays": counts[1],
               "contacts": counts[2], "ratio_to_write_floor": round(rate / floor, 3)}
    return write_result(
        "seed-postgres", {"citizens": n, "database": "postgresql", "cores": os.cpu_count()}, results,
        {"citizens_per_s": round(floor)},
        [("citizens_per_s", ">=", 10_000), ("citizens", "==", n), ("stays", "==", n)],
    )


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.run seed", description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=2_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 citizens")
    parser.add_argument("--postgres", metavar="URL", help="measure on this PostgreSQL server instead (a fresh "
                        "database bench_seed is made there), e.g. postgres://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    n = 200_000 if args.quick else args.citizens
    postgres = args.postgres or os.environ.get("BENCH_POSTGRES_URL", "")
    if args.postgres:
        return main_postgres(n, args.postgres)
    if postgres:  # `make bench`: PostgreSQL as well, for the side-by-side table
        try:
            main_postgres(n, postgres)
        except Exception as error:  # no server here: SQLite only
            print(f"seed on PostgreSQL skipped: {type(error).__name__}: {error}")
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"VAR_DIR": str(folder), "DEBUG": "1"})
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "load_reference")
        t0 = time.perf_counter()
        out = _manage(env, "seed_demo", "--citizens", str(n), "--seed", "1", "--quiet", "--force")
        wall = time.perf_counter() - t0
        rate = n / wall
        db = sqlite3.connect(folder / "embassy.sqlite3")
        demo = "(SELECT id FROM citizens_citizen WHERE source = 'demo')"
        counts = [db.execute(sql).fetchone()[0] for sql in (
            "SELECT COUNT(*) FROM citizens_citizen WHERE source = 'demo'",
            f"SELECT COUNT(*) FROM citizens_stay WHERE citizen_id IN {demo}",
            f"SELECT COUNT(*) FROM citizens_emergencycontact WHERE citizen_id IN {demo}",
        )]
        db.close()
        floor = _write_floor(min(n, 500_000), folder)
    print(out.strip())
    results = {"citizens_per_s": round(rate), "wall_s": round(wall, 1), "citizens": counts[0], "stays": counts[1],
               "contacts": counts[2], "ratio_to_write_floor": round(rate / floor, 3)}
    return write_result(
        "seed", {"citizens": n, "database": "sqlite", "cores": os.cpu_count()}, results,
        {"citizens_per_s": round(floor)},
        [("citizens_per_s", ">=", 10_000), ("citizens", "==", n), ("stays", "==", n)],
    )
