"""Every CSV (and spreadsheet) the platform exports goes through here, so that no cell can run as a formula.

A spreadsheet program reads a text cell starting with = + - @ (or a tab / carriage return before one) as a
formula: an export of names, user agents or paths that people typed could then run =HYPERLINK(...) or worse
on the officer's computer (CSV injection, OWASP). Such a cell gets a leading apostrophe, which spreadsheets
show as text. Phone numbers in international format (+ and digits) stay as they are: they cannot call
anything."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"\+\d{4,15}")


def safe_cell(value: Any) -> Any:
    """The value as it may go into a cell: a formula-looking text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = False,
              flush_at: int = 64_000) -> Iterator[str]:
    """A streamed CSV: the header, then every row with each cell made safe, in chunks of about `flush_at`
    characters. `bom` starts the file with a byte-order mark, so that spreadsheet programs read UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    if bom:
        buf.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        if buf.tell() > flush_at:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
