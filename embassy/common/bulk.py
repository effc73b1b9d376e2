"""The raw SQL writers (moved from sos.store, not changed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

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
_PLANS: dict[tuple[str, type[models.Model]], Plan] = {}
_NO_DEFAULT = object()


def _plan(conn: Any, model: type[models.Model]) -> Plan:
    """The INSERT statement and, per field: (field, attname, plain type or None, default), built once per
    connection vendor."""
    key = (conn.vendor, model)
    if key not in _PLANS:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        quote = conn.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
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


def prepare(model: type[models.Model], values: dict[str, Any], *, parent: str | None = None) -> Row:
    """The INSERT of one row. `values` maps field names (attnames for foreign keys) to Python values; fields
    not given take their model default. Values are prepared by their fields, as the ORM does (values already
    of a plain column's own type, and None, need no preparation). `parent`: the attname of a foreign key whose
    value is the id returned by another row's insert (given to `Row.run`)."""
    conn = connections[DEFAULT_DB_ALIAS]
    sql, steps = _plan(conn, model)
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


def insert_family(parent: Row, children: list[Row]) -> int:
    """INSERT a row, then rows that refer to it (prepared with `parent=`), on one cursor. Returns the parent's
    id. The caller holds the transaction."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        parent_id = parent.run(cursor)
        for child in children:
            child.run(cursor, parent_id)
    return parent_id
