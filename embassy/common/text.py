"""Checks on short texts that people type and that officers later read: names, places, addresses.

Invisible characters let one record pose as another ("Siti" and "Si\u200bti" look the same on the console
but are two people to a search) and bidi overrides make a name or an address display in another order than it
is stored. Such characters are refused, with a message, rather than silently removed: the person then sees
what was wrong with what they pasted."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from embassy.common.errors import BadInput

# Unicode general categories refused in a name: control (Cc), format — zero-width space/joiners, bidi marks,
# embeddings, overrides and isolates, the byte-order mark, soft hyphen — (Cf), surrogates (Cs), private use
# (Co), unassigned (Cn), line and paragraph separators (Zl, Zp).
_REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# In other one-line texts (a city, an address, an employer): the same, except format characters that some
# scripts need inside words (zero-width joiner and non-joiner); bidi controls are refused everywhere.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d")


def _bad_char(text: str, *, name: bool) -> str | None:
    for char in text:
        category = unicodedata.category(char)
        if char in _BIDI_CONTROLS:
            return char
        if category in _REFUSED_IN_NAMES and (name or char not in _JOINERS):
            return char
    return None


def _clean(value: object, *, field: str, name: bool) -> str:
    """Text trimmed and NFC-normalised; BadInput naming `field` for a non-text value or one with characters a
    person cannot see or did not mean (control, bidi-control; zero-width too in names)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInput(_("Enter text."), field=field)
    text = unicodedata.normalize("NFC", value).strip()
    if _bad_char(text, name=name) is not None:
        raise BadInput(_("The name contains invisible or control characters. Type it again without them.") if name
                       else _("The text contains invisible or control characters. Type it again without them."),
                       field=field)
    return text


def _limit(text: str, *, field: str, max_length: int) -> str:
    if len(text) > max_length:
        raise BadInput(_("This is too long (at most %(n)d characters).") % {"n": max_length}, field=field)
    return text


def name_clean(value: object, *, field: str, required: bool = True, max_length: int = 200) -> str:
    """A person's name, trimmed and NFC-normalised. BadInput naming `field` for an empty (when required),
    too long, or non-text value, or one with control, zero-width or bidi-control characters."""
    text = _clean(value, field=field, name=True)
    if required and not text:
        raise BadInput(_("Enter the full name."), field=field)
    return _limit(text, field=field, max_length=max_length)


def line_clean(value: object, *, field: str, max_length: int) -> str:
    """A one-line text (city, address, employer…), trimmed and NFC-normalised; BadInput naming `field` for
    control or bidi-control characters, a non-text value, or more than `max_length` characters."""
    return _limit(_clean(value, field=field, name=False), field=field, max_length=max_length)
