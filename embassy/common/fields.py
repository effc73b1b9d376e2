"""Model fields for sensitive values."""

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
