"""The kinds of signed document and their fields: which a caller gives, which the holder may choose to show, which
are masked when not chosen, and the short key each has in the QR payload (docs/credentials.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from embassy.common.errors import BadInput

MAX_VALUE = 200  # characters of one field


@dataclass(frozen=True)
class FieldSpec:
    """One field of a document. `always`: shown to every verifier (the holder cannot hide it); `masked`: when the
    holder has not chosen to show it, the QR carries "*" and its last 4 characters; otherwise an unchosen field is
    left out of the QR altogether. `auto`: filled by the service (the mission's contact), never by the caller."""

    key: str
    short: str
    label: Promise
    required: bool = False
    always: bool = False
    masked: bool = False
    date: bool = False
    auto: bool = False

    @property
    def consentable(self) -> bool:
        return not self.always


@dataclass(frozen=True)
class KindSpec:
    code: str  # in the payload
    prefix: str  # of the serial
    label: Promise
    fields: tuple[FieldSpec, ...]

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def by_short(self, short: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.short == short), None)

    @property
    def consentable(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.consentable]


WORKER_CARD = "worker_card"
SPLP = "splp"
MISSION_CONTACT = FieldSpec("mission_contact", "tel", _("Mission's hotline"), always=True, auto=True)

KINDS: dict[str, KindSpec] = {
    WORKER_CARD: KindSpec(
        "pmi",
        "PMI",
        _("Migrant worker card"),
        (
            FieldSpec("name", "n", _("Name"), required=True, always=True),
            FieldSpec("nik", "nik", _("National ID number (NIK)"), masked=True),
            FieldSpec("passport", "pp", _("Passport number"), masked=True),
            FieldSpec("employer", "emp", _("Employer"), required=True),
            FieldSpec("job", "job", _("Job"), required=True),
            FieldSpec("contract_start", "cs", _("Contract from"), required=True, date=True),
            FieldSpec("contract_end", "ce", _("Contract until"), required=True, date=True),
            MISSION_CONTACT,
        ),
    ),
    SPLP: KindSpec(
        "splp",
        "SPLP",
        _("Emergency travel document (SPLP)"),
        (
            FieldSpec("name", "n", _("Name"), required=True, always=True),
            FieldSpec("birth_date", "bd", _("Date of birth"), required=True, date=True),
            FieldSpec("birth_place", "bp", _("Place of birth")),
            FieldSpec("nik", "nik", _("National ID number (NIK)"), masked=True),
            FieldSpec("destination", "to", _("Travel to")),
            MISSION_CONTACT,
        ),
    ),
}
BY_CODE = {spec.code: key for key, spec in KINDS.items()}
KIND_CHOICES = [(key, spec.label) for key, spec in KINDS.items()]


def kind_spec(kind: str) -> KindSpec:
    spec = KINDS.get(kind)
    if spec is None:
        raise BadInput(gettext("Unknown kind of document."), field="kind")
    return spec


def clean_fields(spec: KindSpec, fields: Mapping[str, object]) -> dict[str, str]:
    """The caller's fields checked against the kind: every required one present, none unknown or automatic, dates
    as ISO dates, text at most MAX_VALUE characters. Returns {key: text}; empty optional fields are dropped."""
    out: dict[str, str] = {}
    for key, raw in fields.items():
        field = spec.field(key)
        if field is None or field.auto:
            raise BadInput(gettext("This document has no such field."), field=key)
        value = raw.isoformat() if isinstance(raw, dt.date) else str(raw if raw is not None else "").strip()
        if field.date and value:
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise BadInput(gettext("Give a date like 2026-12-31."), field=key) from None
        if len(value) > MAX_VALUE:
            raise BadInput(gettext("At most 200 characters."), field=key)
        if value:
            out[key] = value
    for field in spec.fields:
        if field.required and not field.auto and field.key not in out:
            raise BadInput(gettext("This field is required."), field=field.key)
    return out


def clean_consent(spec: KindSpec, consented: list[str]) -> list[str]:
    """The fields the holder chose to show, in the kind's order; a field that cannot be chosen is refused."""
    chosen = set(consented)
    for key in chosen:
        field = spec.field(key)
        if field is None or not field.consentable:
            raise BadInput(gettext("This field cannot be chosen."), field="consented")
    return [f.key for f in spec.fields if f.key in chosen]


def mask(value: str) -> str:
    """What the QR carries for a masked field the holder has not chosen to show."""
    return "*" + value[-4:] if value else ""


def shown_mask(value: str) -> str:
    """A masked value as people read it."""
    return "••••" + value[1:] if value.startswith("*") else value
