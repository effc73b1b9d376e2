"""The raw SQL writers: the one module outside the database backend where SQL that writes is spelled out
(docs/adr/0014-raw-sql.md says why and how to add one). Each writer keeps a measured hot path fast: the
panic button (`prepare`, `insert`, `insert_family`), the roll-call fan-out and the outbox (`insert_many`,
`update_rows`), the demo seeding (`copy_many`, `bulk_load`).

The rules every writer here follows:
- table and column names come from the model's metadata, quoted by the connection;
- values are parameters, never text in the statement;
- the SQL differs between SQLite and PostgreSQL only through Django's `connection.ops` (insert-or-ignore is
  spelled by `insert_statement` / `on_conflict_suffix_sql`), or through a choice the caller names per call
  (`set_based`); the connection's vendor is read when a statement is built, never at import time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.constants import OnConflict

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter): the batches of a bulk writer."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def give_way(started: float) -> None:
    """Between two batches of a long background job: pause BATCH_JOB_PAUSE times as long as the batch took since
    `started` (time.perf_counter()), so that the job leaves the database's writer (and a core) to urgent work."""
    if pause := settings.BATCH_JOB_PAUSE:
        time.sleep(max(0.0, time.perf_counter() - started) * pause)


# --- One row, returning its id (the panic button) ------------------------------------------------------------
# Field classes whose preparation for the database returns a value of the column's own Python type unchanged
# (int, str, float, bool): for those the INSERT passes such a value as it is and skips the ORM's per-field
# preparation chain, which was a quarter of an alert's cost. Any other value or field class is prepared by
# the field, as the ORM does. Exact classes only: a subclass may prepare differently.
_PLAIN: dict[type[models.Field], type | tuple[type, ...]] = {
    models.AutoField: int, models.BigAutoField: int, models.IntegerField: int, models.BigIntegerField: int,
    models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int, models.SmallIntegerField: int,
    models.ForeignKey: int, models.FloatField: float, models.BooleanField: bool, models.CharField: str,
    models.TextField: str,
}
Plan = tuple[str, list[tuple[models.Field, str, Any, Any]]]
_PLANS: dict[tuple[str, type[models.Model], bool], Plan] = {}
_NO_DEFAULT = object()


def _plan(conn: Any, model: type[models.Model], *, ignore: bool = False) -> Plan:
    """The INSERT statement (with `ignore`: insert-or-ignore, which returns no row when a unique constraint
    refuses it) and, per field: (field, attname, plain type or None, default), built once per connection
    vendor."""
    key = (conn.vendor, model, ignore)
    if key not in _PLANS:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        quote = conn.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        on_conflict = OnConflict.IGNORE if ignore else None
        head = conn.ops.insert_statement(on_conflict=on_conflict)
        tail = conn.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
        sql = (f"{head} {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) {tail} "
               f"RETURNING {quote(meta.pk.column)}")
        steps = []
        for f in fields:
            plain = _PLAIN.get(type(f))
            if isinstance(f, models.ForeignKey) and type(f.target_field) not in _PLAIN:
                plain = None  # a foreign key to a non-integer key (a country code) is prepared by its field
            elif isinstance(f, models.ForeignKey):
                plain = _PLAIN[type(f.target_field)]
            default = _NO_DEFAULT if not f.has_default() or callable(f.default) else f.default
            steps.append((f, f.attname, plain, default))
        _PLANS[key] = (sql, steps)
    return _PLANS[key]


@dataclass
class Row:
    """One INSERT, its values already prepared for the database: prepared before the write transaction
    starts, so that the write lock (one writer at a time on SQLite) is held only for the statements."""

    sql: str
    params: list[Any]
    parent: int | None = None  # index of the parameter that takes the id of the row inserted first

    def run(self, cursor: Any, parent_id: int | None = None) -> int:
        if self.parent is not None:
            self.params[self.parent] = parent_id
        cursor.execute(self.sql, self.params)
        return int(cursor.fetchone()[0])

    def run_or_ignore(self, cursor: Any) -> int | None:
        """Run an insert-or-ignore (`prepare(..., ignore_conflicts=True)`): the new id, or None when a unique
        constraint kept the row out."""
        cursor.execute(self.sql, self.params)
        row = cursor.fetchone()
        return None if row is None else int(row[0])


def prepare(model: type[models.Model], values: dict[str, Any], *, parent: str | None = None,
            ignore_conflicts: bool = False) -> Row:
    """The INSERT of one row. `values` maps field names (attnames for foreign keys) to Python values; fields
    not given take their model default. Values are prepared by their fields, as the ORM does (values already
    of a plain column's own type, and None, need no preparation). `parent`: the attname of a foreign key whose
    value is the id returned by another row's insert (given to `Row.run`)."""
    conn = connections[DEFAULT_DB_ALIAS]
    sql, steps = _plan(conn, model, ignore=ignore_conflicts)
    params: list[Any] = []
    index = None
    for n, (field, attname, plain, default) in enumerate(steps):
        if attname == parent:
            index = n
            params.append(None)
            continue
        if attname in values:
            value = values[attname]
        elif default is not _NO_DEFAULT:
            value = default
        elif field.has_default():
            value = field.get_default()
        else:
            value = None
        if (value is None and field.null) or (plain is not None and type(value) is plain):
            params.append(value)
        else:
            params.append(field.get_db_prep_save(value, conn))
    return Row(sql, params, index)


def insert(model: type[models.Model], values: dict[str, Any]) -> int:
    """INSERT one row and return its id (see `prepare`)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        return prepare(model, values).run(cursor)


def insert_or_ignore(model: type[models.Model], values: dict[str, Any]) -> int | None:
    """INSERT one row unless a unique constraint refuses it (INSERT OR IGNORE on SQLite, ON CONFLICT DO NOTHING
    on PostgreSQL): its id, or None. One statement where a look-up, a savepoint and an insert were."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        return prepare(model, values, ignore_conflicts=True).run_or_ignore(cursor)


def insert_family(parent: Row, children: list[Row]) -> int:
    """INSERT a row, then rows that refer to it (prepared with `parent=`), on one cursor. Returns the parent's
    id. The caller holds the transaction."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        parent_id = parent.run(cursor)
        for child in children:
            child.run(cursor, parent_id)
    return parent_id


# --- Many rows -----------------------------------------------------------------------------------------------
def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The model's fields by name or attname ("user" or "user_id")."""
    return [cast(models.Field, model._meta.get_field(n)) for n in names]


def _array_type(field: models.Field) -> str:
    """The PostgreSQL array element type of a column: its type without a length ("varchar", not
    "varchar(200)"), so that a cast never truncates a value the column would refuse."""
    return re.sub(r"\(.*\)", "", str(field.db_type(connection)))  # a foreign key: its target's type


def insert_many(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                constants: dict[str, Any] | None = None, ignore_conflicts: bool = False,
                set_based: Collection[str] = ()) -> int:
    """INSERT `rows` (tuples of values already prepared for the database, in the order of `columns`, field
    names or attnames) into the model's table; `constants` (field name: Python value, prepared here by its
    field) are the same for every row. With `ignore_conflicts`, a row that breaks a unique constraint is
    skipped (INSERT OR IGNORE on SQLite, ON CONFLICT DO NOTHING on PostgreSQL). Returns the rows inserted.

    By default one statement is run per row through executemany. For the database vendors named in
    `set_based` the whole list goes in one statement instead: PostgreSQL passes one array per column
    (unnest), SQLite one JSON array (json_each; values must be JSON numbers, strings or null). Which one
    is faster depends on the table and the batch: each caller names the choice it measured. The caller
    holds the transaction and cuts the batches."""
    if not rows:
        return 0
    ops = connection.ops
    fields = _fields(model, columns)
    fixed = _fields(model, list(constants or {}))
    fixed_values = [f.get_db_prep_save(v, connection) for f, v in zip(fixed, (constants or {}).values(), strict=True)]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = "{} {} ({})".format(ops.insert_statement(on_conflict=on_conflict), ops.quote_name(model._meta.db_table),
                               ", ".join(ops.quote_name(str(f.column)) for f in [*fields, *fixed]))
    tail = ops.on_conflict_suffix_sql([*fields, *fixed], on_conflict, None, None)
    marks = ["%s"] * len(fixed)
    if connection.vendor in set_based and connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_array_type(f)}[]" for f in fields)
        sql = f"{head} SELECT {', '.join(['t.*', *marks])} FROM unnest({arrays}) AS t {tail}"  # noqa: S608
        return _run(sql, [*fixed_values, *(list(c) for c in zip(*rows, strict=True))])
    if connection.vendor in set_based and connection.vendor == "sqlite":
        picks = [f"json_extract(j.value, '$[{i}]')" for i in range(len(fields))]
        sql = f"{head} SELECT {', '.join([*picks, *marks])} FROM json_each(%s) j {tail}"  # noqa: S608
        return _run(sql, [*fixed_values, json.dumps(list(rows))])
    sql = f"{head} VALUES ({', '.join(['%s'] * (len(fields) + len(fixed)))}) {tail}"
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, (*rows[0], *fixed_values))
        else:
            cursor.executemany(sql, [(*r, *fixed_values) for r in rows] if fixed else rows)
        inserted = cursor.rowcount
    return inserted if inserted is not None and inserted >= 0 else len(rows)


def copy_many(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """INSERT `rows` (values prepared for the database, in the order of `columns`) into a bulk load's table:
    PostgreSQL streams them with COPY (one statement, no per-row parsing or planning: the fastest way in),
    other databases take `insert_many`. No conflict handling: the rows must be new (explicit ids from a
    bulk load). The caller holds the transaction."""
    if connection.vendor != "postgresql":
        return insert_many(model, columns, rows)
    ops = connection.ops
    names = ", ".join(ops.quote_name(str(f.column)) for f in _fields(model, columns))
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return len(rows)


def upsert_many(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                unique: Sequence[str], update: Sequence[str]) -> int:
    """INSERT `rows` (values prepared for the database, in the order of `columns`), and where a row's `unique`
    columns match an existing row, UPDATE that row's `update` columns to the new values instead (ON CONFLICT
    … DO UPDATE on both SQLite and PostgreSQL). One executemany; the caller holds the transaction."""
    if not rows:
        return 0
    ops = connection.ops
    fields = _fields(model, columns)
    head = "INSERT INTO {} ({})".format(ops.quote_name(model._meta.db_table),
                                        ", ".join(ops.quote_name(str(f.column)) for f in fields))
    tail = ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, [str(f.column) for f in _fields(model, update)],
                                      [str(f.column) for f in _fields(model, unique)])
    sql = f"{head} VALUES ({', '.join(['%s'] * len(fields))}) {tail}"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        changed = cursor.rowcount
    return changed if changed is not None and changed >= 0 else len(rows)


def add_many(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
             unique: Sequence[str], add: Sequence[str]) -> int:
    """INSERT `rows` (values prepared for the database, in the order of `columns`), and where a row's `unique`
    columns match an existing row, ADD the new values of the `add` columns to that row's (counters: ON CONFLICT
    … DO UPDATE SET c = table.c + excluded.c, the same SQL on SQLite and PostgreSQL, so two writers' increments
    both count). One executemany; the caller holds the transaction."""
    if not rows:
        return 0
    ops = connection.ops
    fields = _fields(model, columns)
    name = ops.quote_name(model._meta.db_table)
    sums = ", ".join(f"{c} = {name}.{c} + EXCLUDED.{c}" for c in (ops.quote_name(str(f.column)) for f in _fields(model, add)))
    conflict = ", ".join(ops.quote_name(str(f.column)) for f in _fields(model, unique))
    sql = (f"INSERT INTO {name} ({', '.join(ops.quote_name(str(f.column)) for f in fields)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({conflict}) DO UPDATE SET {sums}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        changed = cursor.rowcount
    return changed if changed is not None and changed >= 0 else len(rows)


def insert_select(model: type[models.Model], columns: Sequence[str], select: str, params: Sequence[Any], *,
                  ignore_conflicts: bool = False) -> int:
    """INSERT INTO the model's table (`columns`) the rows of a plain SELECT the caller wrote from model metadata
    (`columns`, `table`): one INSERT … SELECT, run by the database. Returns the rows inserted."""
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    fields = _fields(model, columns)
    head = "{} {} ({})".format(ops.insert_statement(on_conflict=on_conflict), ops.quote_name(model._meta.db_table),
                               ", ".join(ops.quote_name(str(f.column)) for f in fields))
    return _run(f"{head} {select} {ops.on_conflict_suffix_sql(fields, on_conflict, None, None)}", params)


def columns(model: type[models.Model], *names: str) -> dict[str, str]:
    """The quoted column names of fields (by name or attname), for a plain SELECT beside its caller."""
    return {name: connection.ops.quote_name(str(f.column)) for name, f in zip(names, _fields(model, names), strict=True)}


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def utc_date_sql(column: str) -> str:
    """The UTC calendar day of a stored time column, in the database's own SQL."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    return f"date({column})"


def _run(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def update_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                unless: tuple[str, Any] | None = None, set_based: Collection[str] = ()) -> int:
    """UPDATE each row by primary key: rows are (value for each of `columns`, ..., pk), values already
    prepared for the database, one executemany (bulk_update's CASE expressions cost ~5 ms per row).
    `unless=(column, value)` leaves a row alone whose column already holds that value (a compare-and-set:
    of two simultaneous changes only one counts). Returns the rows changed (as the driver counts them).

    With "postgresql" in `set_based`, PostgreSQL updates the whole list in one statement (UPDATE … FROM
    unnest, one array per column) instead of a statement per row, where every pk appears once."""
    if not rows:
        return 0
    ops = connection.ops
    meta = model._meta
    fields = _fields(model, columns)
    if ("postgresql" in set_based and connection.vendor == "postgresql" and len(rows) > 1
            and len({r[-1] for r in rows}) == len(rows)):
        name, pk = ops.quote_name(meta.db_table), ops.quote_name(str(meta.pk.column))
        arrays = ", ".join(f"%s::{_array_type(f)}[]" for f in [*fields, meta.pk])
        values = ", ".join([*(f"v{i}" for i in range(len(fields))), "pk"])
        sets = ", ".join(f"{ops.quote_name(str(f.column))} = v.v{i}" for i, f in enumerate(fields))
        sql = f"UPDATE {name} SET {sets} FROM unnest({arrays}) AS v({values}) WHERE {name}.{pk} = v.pk"  # noqa: S608
        params: list[Any] = [list(c) for c in zip(*rows, strict=True)]
        if unless is not None:
            sql += f" AND {name}.{ops.quote_name(str(_fields(model, [unless[0]])[0].column))} <> %s"
            params.append(unless[1])
        return _run(sql, params)
    sets = ", ".join(f"{ops.quote_name(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {ops.quote_name(meta.db_table)} SET {sets} WHERE {ops.quote_name(str(meta.pk.column))} = %s"  # noqa: S608
    if unless is not None:
        field = _fields(model, [unless[0]])[0]
        sql += f" AND {ops.quote_name(str(field.column))} <> %s"
        rows = [(*r, unless[1]) for r in rows]
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)
        return int(cursor.rowcount)


@contextmanager
def unless_busy() -> Iterator[bool]:
    """For a write that may be skipped (a later request makes it): yields whether to write now. On the SQLite
    backend, whose writers queue on one lock, True only when the lock is free (and then held for the block),
    so that such a write never makes an SOS alert wait; on PostgreSQL always True (a row lock queues no
    unrelated writer)."""
    free = getattr(connection, "writing_if_free", None)
    if free is None:
        yield True
        return
    with free() as ok:
        yield ok


def update_each(model: type[models.Model], field_name: str, pairs: Sequence[tuple[object, int]], *,
                set_based: Collection[str] = ()) -> int:
    """UPDATE one column to a different value per row: [(value, pk), ...], each value prepared by its field
    (`set_based`: as update_rows)."""
    prep = _fields(model, [field_name])[0].get_db_prep_save
    return update_rows(model, [field_name], [(prep(value, connection), pk) for value, pk in pairs],
                       set_based=set_based)


def preparer(model: type[models.Model], field_name: str) -> Any:
    """The function that prepares values of one field for the database (for many rows: looked up once). An
    aware datetime takes a short path that gives what Django's own adaptation gives (SQLite: the UTC time as
    text without its offset; PostgreSQL: the datetime itself), at a tenth of the cost per value."""
    field = _fields(model, [field_name])[0]
    if isinstance(field, models.DateTimeField) and connection.vendor in ("sqlite", "postgresql"):
        if connection.vendor == "postgresql":
            return lambda value: value
        return lambda value: None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))
    prep = field.get_db_prep_save
    return lambda value: prep(value, connection)


def prepare_value(model: type[models.Model], field_name: str, value: Any) -> Any:
    """A value as its field stores it (for the rows of insert_many and update_rows)."""
    return _fields(model, [field_name])[0].get_db_prep_save(value, connection)


# --- Bulk loads ------------------------------------------------------------------------------------------------
def foreign_keys_off() -> None:
    """SQLite checks foreign keys row by row: a bulk load switches them off on its own connection (and
    `bulk_load` verifies the tables afterwards in one set-based pass). PostgreSQL: nothing to do."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=OFF")


@contextmanager
def bulk_load(models_: Sequence[type[models.Model]], *, drop_indexes: bool) -> Iterator[None]:
    """Around a load of many rows with explicit ids into these models' tables: foreign keys off during the
    load and verified after (SQLite: its pragma; PostgreSQL, with `drop_indexes`: the tables' foreign-key
    constraints are dropped and added again, which checks every row in one join instead of a trigger per
    row); with `drop_indexes`, the secondary indexes are dropped during the load and rebuilt after in one
    sorted pass each (much faster than updating them row by row); after the load the id sequences move
    past the ids written (PostgreSQL)."""
    tables = [m._meta.db_table for m in models_]
    dropped = _drop_indexes(tables) if drop_indexes else []
    constraints = _drop_foreign_keys(tables) if drop_indexes else []
    _foreign_keys(enforce=False)
    try:
        yield
    finally:
        _foreign_keys(enforce=True, check=tables)
        _restore(constraints)  # PostgreSQL checks every row against its target when a key is added
    _restore(dropped)
    _reset_sequences(models_)


def _foreign_keys(*, enforce: bool, check: list[str] | None = None) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enforce else 'OFF'}")
        for table in check or []:
            cursor.execute(f"PRAGMA foreign_key_check({connection.ops.quote_name(table)})")
            broken = cursor.fetchall()
            if broken:
                raise RuntimeError(f"bulk load left {len(broken)} dangling references in {table}")


def _drop_indexes(tables: list[str]) -> list[str]:
    """Drop the secondary indexes of the tables; returns the statements that recreate them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",  # noqa: S608
                tables,
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
        else:
            return []
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def _drop_foreign_keys(tables: list[str]) -> list[str]:
    """PostgreSQL: drop the tables' own foreign-key constraints; returns the statements that add them again."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        if not connection.get_autocommit():  # inside a transaction: run the checks still pending (ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # refuses a table with pending trigger events)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])",
            [tables],
        )
        found = cursor.fetchall()
        quote = connection.ops.quote_name
        for relation, name, _definition in found:
            cursor.execute(f"ALTER TABLE {relation} DROP CONSTRAINT {quote(name)}")
    return [f"ALTER TABLE {relation} ADD CONSTRAINT {quote(name)} {definition}" for relation, name, definition in found]


def _restore(statements: list[str]) -> None:
    """Run the statements that add back what the load dropped (indexes, or foreign keys); SQLite then refreshes its
    planner's statistics."""
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "sqlite" and statements:
            cursor.execute("PRAGMA analysis_limit=2000")  # sampled statistics: seconds, not minutes
            cursor.execute("ANALYZE")


def _reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    """PostgreSQL: move the id sequences past the explicitly assigned ids (Django's own statements)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)
