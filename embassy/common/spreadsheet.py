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
import tempfile
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


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(title: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Any:
    """A one-sheet XLSX workbook (a temporary file, at its start): the header in bold and frozen, then every
    row with each cell made safe and stripped of the control characters XLSX cannot hold."""
    # openpyxl is imported on the first XLSX export, not when the app starts (its import is a noticeable
    # part of a web worker's start-up, and few requests ever need it).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([safe_cell(ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 — the caller's FileResponse closes it
    book.save(out)
    out.seek(0)
    return out
