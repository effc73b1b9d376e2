"""Load the ministry's units from a CSV data file, all or nothing.

Every problem is reported with the file, the line and the field, and nothing is written unless the whole
file is valid. Format: see the comment lines at the top of data/missions.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from embassy.geo.countries import is_country_code

COLUMNS = [
    "code", "kind", "name_id", "name_en", "city", "country", "lat", "lon", "timezone",
    "address", "phone", "hotline", "email", "website", "jurisdiction", "sources", "source_date",
]
DEFAULT_DISTRICT = "*"
Area = tuple[str, str, str]  # (country, admin1 or "", admin2 or "")
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
    jurisdiction: list[Area] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    source_date: str = ""


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


def _jurisdiction(value: str, path: str, line: int) -> list[Area]:
    """`CC` (a whole country), `CC:A|B` (first-level subdivisions, GeoNames admin1 codes) or
    `CC:A.D|A.E|A.*` (districts of subdivision A as data/admin2_places.csv names them: the GeoNames admin2
    code where available, else the official name; `A.*` = A's other districts), entries separated by `;`."""
    areas: list[Area] = []
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        country, _sep, subs = entry.partition(":")
        country = country.strip().upper()
        if not is_country_code(country) or len(country) != 2:
            raise DataFileError(path, line, "jurisdiction", f"unknown country code {country!r}")
        if subs.strip():
            for sub in (s.strip() for s in subs.split("|")):
                admin1, dot, admin2 = sub.partition(".")
                if not admin1 or (dot and not admin2):
                    raise DataFileError(path, line, "jurisdiction", f"empty subdivision or district code in {entry!r}")
                areas.append((country, admin1, admin2))
        else:
            areas.append((country, "", ""))
    return areas


_URL_OK = URLValidator(schemes=["http", "https"])
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _sources(value: str, path: str, line: int) -> list[str]:
    urls = value.split()
    for url in urls:
        try:
            _URL_OK(url)
        except ValidationError as exc:
            raise DataFileError(path, line, "sources", f"not a URL: {url!r} (separate URLs by a space)") from exc
    return urls


def _source_date(value: str, path: str, line: int, today: dt.date) -> str:
    """YYYY-MM-DD, YYYY-MM or YYYY, a real date, not after `today`."""
    if not value:
        return ""
    if not _DATE.fullmatch(value):
        raise DataFileError(path, line, "source_date", f"not YYYY-MM-DD, YYYY-MM or YYYY: {value!r}")
    parts = [int(p) for p in value.split("-")]
    try:
        first = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as exc:
        raise DataFileError(path, line, "source_date", f"no such date: {value!r}") from exc
    if first > today:
        raise DataFileError(path, line, "source_date", f"in the future: {value!r}")
    return value


def csv_records(text: str, path: str, columns: list[str]) -> tuple[int, list[tuple[int, dict[str, str]]]]:
    """The records of a reference data file (CSV with `#` comment lines and blank lines anywhere), each with its
    line number, values stripped: (the header's line, [(line, {column: value})]). Raises DataFileError when the
    header is not exactly `columns` or a row has another number of fields."""
    data_lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1)
                  if ln.strip() and not ln.lstrip().startswith("#")]
    if not data_lines:
        raise DataFileError(path, 1, "", "the file has no header line")
    header_line, header = data_lines[0]
    if [n.strip() for n in next(csv.reader([header]))] != columns:
        raise DataFileError(path, header_line, "", f"header must be: {','.join(columns)}")
    records = []
    for line_no, raw in data_lines[1:]:
        values = next(csv.reader(io.StringIO(raw)))
        if len(values) != len(columns):
            raise DataFileError(path, line_no, "", f"expected {len(columns)} fields, found {len(values)}")
        records.append((line_no, {k: v.strip() for k, v in zip(columns, values, strict=True)}))
    return header_line, records


def parse_units(
    text: str, path: str = "<memory>", *, districts: dict[tuple[str, str], set[str]] | None = None,
    today: dt.date | None = None,
) -> list[UnitRow]:
    """Parse and validate the whole file; raise DataFileError at the first problem.

    `districts`: the admin2 codes known for each (country, admin1) (data/admin2_places.csv); when given,
    a district a row names must be one of them, and a subdivision split by district must have some.
    `today` (default: the current UTC date) bounds source_date."""
    today = today or dt.datetime.now(dt.UTC).date()
    header_line, records = csv_records(text, path, COLUMNS)
    rows: list[UnitRow] = []
    seen: dict[str, int] = {}
    email_ok, url_ok = EmailValidator(), URLValidator(schemes=["http", "https"])
    for line_no, rec in records:
        for col in REQUIRED:
            if not rec[col]:
                raise DataFileError(path, line_no, col, "required")
        if rec["code"] in seen:
            raise DataFileError(path, line_no, "code", f"duplicate of line {seen[rec['code']]}")
        seen[rec["code"]] = line_no
        rows.append(_unit_row(rec, path, line_no, today, email_ok, url_ok))
    _check_areas(rows, path, districts)
    if sum(1 for r in rows if r.kind == "HQ") != 1:
        raise DataFileError(path, header_line, "kind", "exactly one HQ unit is required")
    return rows


def _unit_row(rec: dict[str, str], path: str, line_no: int, today: dt.date, email_ok: EmailValidator,
              url_ok: URLValidator) -> UnitRow:
    """One data row's record, its required fields present and its code unique, checked field by field."""
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
    if rec["source_date"] and not rec["sources"]:
        raise DataFileError(path, line_no, "sources", "a source date needs its sources")
    if rec["website"]:
        try:
            url_ok(rec["website"])
        except ValidationError as exc:
            raise DataFileError(path, line_no, "website", f"not a URL: {rec['website']!r}") from exc
    return UnitRow(
        line=line_no, code=rec["code"], kind=rec["kind"], name_id=rec["name_id"], name_en=rec["name_en"],
        city=rec["city"], country=rec["country"].upper(), lat=coords["lat"], lon=coords["lon"],
        timezone=rec["timezone"], address=rec["address"],
        phone=_phone(rec["phone"], path, line_no, "phone"),
        hotline=_phone(rec["hotline"], path, line_no, "hotline"),
        email=rec["email"], website=rec["website"],
        jurisdiction=_jurisdiction(rec["jurisdiction"], path, line_no),
        sources=_sources(rec["sources"], path, line_no),
        source_date=_source_date(rec["source_date"], path, line_no, today),
    )


def _check_areas(rows: list[UnitRow], path: str, known: dict[tuple[str, str], set[str]] | None = None) -> None:
    """An area (a whole country, a subdivision or a district) belongs to one unit; a country is whole or
    split; a subdivision is whole or split by district, and then one unit takes its other districts."""
    owner: dict[Area, int] = {}
    whole: dict[str, int] = {}
    split: dict[str, int] = {}
    whole_admin1: dict[tuple[str, str], int] = {}
    by_district: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in rows:
        for country, admin1, admin2 in row.jurisdiction:
            area = (country, admin1, admin2)
            if area in owner:
                label = f"{country}:{admin1 or '*'}" + (f".{admin2}" if admin2 else "")
                raise DataFileError(path, row.line, "jurisdiction", f"{label} also on line {owner[area]}")
            owner[area] = row.line
            (split if admin1 else whole)[country] = row.line
            if admin1 and not admin2:
                whole_admin1[(country, admin1)] = row.line
            elif admin2:
                by_district[(country, admin1)][admin2] = row.line
    for country, line in split.items():
        if country in whole:
            raise DataFileError(
                path, line, "jurisdiction",
                f"{country} is split into subdivisions here but assigned whole on line {whole[country]}",
            )
    for (country, admin1), named in by_district.items():
        line = min(named.values())
        if (country, admin1) in whole_admin1:
            raise DataFileError(
                path, line, "jurisdiction",
                f"{country}:{admin1} is split into districts here but assigned whole on line "
                f"{whole_admin1[(country, admin1)]}",
            )
        if DEFAULT_DISTRICT not in named:
            raise DataFileError(
                path, line, "jurisdiction",
                f"{country}:{admin1} is split into districts: one unit must take the others ({country}:{admin1}.*)",
            )
        if known is not None:
            codes = known.get((country, admin1), set())
            if not codes:
                raise DataFileError(path, line, "jurisdiction",
                                    f"{country}:{admin1} has no reference places for its districts")
            for admin2, at in named.items():
                if admin2 != DEFAULT_DISTRICT and admin2 not in codes:
                    raise DataFileError(path, at, "jurisdiction", f"unknown district {country}:{admin1}.{admin2}")


def district_codes(path: Path) -> dict[tuple[str, str], set[str]]:
    """The admin2 codes of each (country, admin1) in a reference-places file (data/admin2_places.csv)."""
    codes: dict[tuple[str, str], set[str]] = defaultdict(set)
    try:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(line for line in fh if not line.startswith("#")):
                codes[(row["country"], row["admin1"])].add(row["admin2"])
    except OSError as exc:
        raise DataFileError(str(path), 0, "", f"cannot read file: {exc}") from exc
    return dict(codes)


def read_units(path: Path, districts_path: Path | None = None) -> list[UnitRow]:
    """Read and validate a units file; districts are checked against the reference places next to it
    (admin2_places.csv) when that file exists."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(str(path), 0, "", f"cannot read file: {exc}") from exc
    places = districts_path or path.with_name("admin2_places.csv")
    return parse_units(text, str(path), districts=district_codes(places) if places.exists() else None)
