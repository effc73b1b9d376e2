"""Model fields for sensitive values, and a primary key for high-volume tables."""

from __future__ import annotations

from typing import Any

from django.db import models

from embassy.common import crypto


class EncryptedCharField(models.TextField):
    """Stores the value sealed with embassy.common.crypto; reads give back plaintext.

    Empty values are stored as "" (nothing to protect). Lookups other than isnull/exact-on-empty are
    meaningless on ciphertext: search through the companion blind-index column instead.
    """

    description = "Encrypted text"

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value or ""
        if isinstance(value, str) and value.startswith(crypto.PREFIX + ":"):
            return value  # already sealed (bulk paths seal up front)
        return crypto.encrypt(str(value), context=self.crypto_context)


class RowidAutoField(models.BigAutoField):
    """A big auto-incrementing primary key that on SQLite is the table's plain rowid, without AUTOINCREMENT.

    Django declares every SQLite auto key AUTOINCREMENT, which makes each INSERT statement read and rewrite the
    sqlite_sequence table: twice the cost of a row in an executemany upsert (4.8 against 9.9 µs a row, measured).
    Without it SQLite numbers a new row one above the largest id, so the id of the newest row may come back after
    that row is deleted. Only for high-volume tables whose ids are never shown or kept elsewhere (the social-media
    posts and their snapshots and daily sums). On PostgreSQL it is a plain BigAutoField."""

    def db_type_suffix(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)
