"""Load the ministry's units from a CSV data file, all or nothing.

Every problem is reported with the file, the line and the field, and nothing is written unless the whole
file is valid. Format: see the comment lines at the top of data/missions.csv.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from embassy.geo.countries import is_country_code

COLUMNS = [
    "code", "kind", "name_id", "name_en", "city", "country", "lat", "lon", "timezone",
    "address", "phone", "hotline", "email", "website", "jurisdiction",
]
KINDS = {"HQ", "KBRI", "KJRI", "KRI", "PTRI", "KDEI"}
REQUIRED = ("code", "kind", "name_id", "name_en", "city", "country", "lat", "lon", "timezone")


class DataFileError(Exception):
    def __init__(self, path: str, line: int, column: str, message: str) -> None:
        super().__init__(f"{path}, line {line}, field {column!r}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message


@dataclass
class UnitRow:
    line: int
    code: str
    kind: str
    name_id: str
    name_en: str
    city: str
    country: str
    lat: float
    lon: float
    timezone: str
    address: str
    phone: str
    hotline: str
    email: str
    website: str
    jurisdiction: list[tuple[str, str]] = field(default_factory=list)  # (country, admin1 or "")


def _phone(value: str, path: str, line: int, column: str) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise DataFileError(path, line, column, f"not an E.164 phone number: {value!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise DataFileError(path, line, column, f"not a possible phone number: {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _jurisdiction(value: str, path: str, line: int) -> list[tuple[str, str]]:
    areas: list[tuple[str, str]] = []
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        country, _sep, subs = entry.partition(":")
        country = country.strip().upper()
        if not is_country_code(country) or len(country) != 2:
            raise DataFileError(path, line, "jurisdiction", f"unknown country code {country!r}")
        if subs.strip():
            for admin1 in (s.strip() for s in subs.split("|")):
                if not admin1:
                    raise DataFileError(path, line, "jurisdiction", f"empty subdivision code in {entry!r}")
                areas.append((country, admin1))
        else:
            areas.append((country, ""))
    return areas


def parse_units(text: str, path: str = "<memory>") -> list[UnitRow]:
    """Parse and validate the whole file; raise DataFileError at the first problem."""
    lines = text.splitlines()
    data_lines = [(n, ln) for n, ln in enumerate(lines, start=1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not data_lines:
        raise DataFileError(path, 1, "", "the file has no header line")
    header_line, header = data_lines[0]
    names = next(csv.reader([header]))
    if [n.strip() for n in names] != COLUMNS:
        raise DataFileError(path, header_line, "", f"header must be: {','.join(COLUMNS)}")
    rows: list[UnitRow] = []
    seen: dict[str, int] = {}
    email_ok, url_ok = EmailValidator(), URLValidator(schemes=["http", "https"])
    for line_no, raw in data_lines[1:]:
        values = next(csv.reader(io.StringIO(raw)))
        if len(values) != len(COLUMNS):
            raise DataFileError(path, line_no, "", f"expected {len(COLUMNS)} fields, found {len(values)}")
        rec = {k: v.strip() for k, v in zip(COLUMNS, values, strict=True)}
        for col in REQUIRED:
            if not rec[col]:
                raise DataFileError(path, line_no, col, "required")
        if rec["code"] in seen:
            raise DataFileError(path, line_no, "code", f"duplicate of line {seen[rec['code']]}")
        seen[rec["code"]] = line_no
        if rec["kind"] not in KINDS:
            raise DataFileError(path, line_no, "kind", f"must be one of {', '.join(sorted(KINDS))}")
        if not is_country_code(rec["country"]) or len(rec["country"]) != 2:
            raise DataFileError(path, line_no, "country", f"unknown country code {rec['country']!r}")
        coords: dict[str, float] = {}
        for col, bound in (("lat", 90.0), ("lon", 180.0)):
            try:
                coords[col] = float(rec[col])
            except ValueError as exc:
                raise DataFileError(path, line_no, col, f"not a number: {rec[col]!r}") from exc
            if not -bound <= coords[col] <= bound:
                raise DataFileError(path, line_no, col, f"out of range [-{bound:g}, {bound:g}]")
        try:
            zoneinfo.ZoneInfo(rec["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise DataFileError(path, line_no, "timezone", f"unknown time zone {rec['timezone']!r}") from exc
        if rec["email"]:
            try:
                email_ok(rec["email"])
            except ValidationError as exc:
                raise DataFileError(path, line_no, "email", f"not an email address: {rec['email']!r}") from exc
        if rec["website"]:
            try:
                url_ok(rec["website"])
            except ValidationError as exc:
                raise DataFileError(path, line_no, "website", f"not a URL: {rec['website']!r}") from exc
        rows.append(
            UnitRow(
                line=line_no, code=rec["code"], kind=rec["kind"], name_id=rec["name_id"], name_en=rec["name_en"],
                city=rec["city"], country=rec["country"].upper(), lat=coords["lat"], lon=coords["lon"],
                timezone=rec["timezone"], address=rec["address"],
                phone=_phone(rec["phone"], path, line_no, "phone"),
                hotline=_phone(rec["hotline"], path, line_no, "hotline"),
                email=rec["email"], website=rec["website"],
                jurisdiction=_jurisdiction(rec["jurisdiction"], path, line_no),
            )
        )
    _check_areas(rows, path)
    if sum(1 for r in rows if r.kind == "HQ") != 1:
        raise DataFileError(path, header_line, "kind", "exactly one HQ unit is required")
    return rows


def _check_areas(rows: list[UnitRow], path: str) -> None:
    """An area (a whole country, or one subdivision) belongs to one unit; a country is whole or split."""
    owner: dict[tuple[str, str], int] = {}
    whole: dict[str, int] = {}
    split: dict[str, int] = {}
    for row in rows:
        for country, admin1 in row.jurisdiction:
            if (country, admin1) in owner:
                other = owner[(country, admin1)]
                raise DataFileError(path, row.line, "jurisdiction", f"{country}:{admin1 or '*'} also on line {other}")
            owner[(country, admin1)] = row.line
            (split if admin1 else whole)[country] = row.line
    for country, line in split.items():
        if country in whole:
            raise DataFileError(
                path, line, "jurisdiction",
                f"{country} is split into subdivisions here but assigned whole on line {whole[country]}",
            )


def read_units(path: Path) -> list[UnitRow]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(str(path), 0, "", f"cannot read file: {exc}") from exc
    return parse_units(text, str(path))
