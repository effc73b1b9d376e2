"""Phone numbers: everything the platform stores or sends to is E.164."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from embassy.common.errors import BadInput


def phone_normalise(value: str, *, field: str = "phone") -> str:
    """E.164 form of an international number ("" stays ""); BadInput naming `field` otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise BadInput(_("Write the phone number with its country code, e.g. +60 12 345 6789."), field=field) from exc
    if not phonenumbers.is_valid_number(number):
        raise BadInput(_("This phone number is not valid."), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
