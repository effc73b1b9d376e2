"""Exports of the "where citizens are" list (authorised staff): CSV streamed without a size limit, XLSX
(openpyxl, write-only) up to XLSX_MAX_ROWS rows. Both are audited by `where_list_for` and guarded against
formula injection."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.citizens.models import Stay
from embassy.citizens.occupations import occupation_label
from embassy.citizens.where.selectors import WhereFilters, where_list_for
from embassy.common.errors import BadInput
from embassy.common.spreadsheet import csv_lines, safe_cell

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 50_000  # built in the request: ~4 s of openpyxl (write-only) on 2 cores; CSV streams, no limit
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers() -> list[str]:
    return [_("Name"), _("Phone"), _("Email"), _("Country"), _("City"), _("Purpose"), _("Occupation"),
            _("Employer"), _("Mission"), _("Family members travelling along")]


def row(stay: Stay) -> list[Any]:
    """One stay of `where_list_for` as exported (labels in the active language)."""
    citizen = stay.citizen
    return [citizen.full_name, citizen.phone, citizen.email, stay.country.name(), stay.city,
            str(stay.get_purpose_display()), occupation_label(stay.occupation), stay.employer, stay.mission.code,
            stay.n_dependants]  # type: ignore[attr-defined]  # annotated by where_list_for's queryset


def _lines(qs: Any, language: str) -> Iterator[str]:
    with translation.override(language):  # the response is streamed after the view has returned
        yield from csv_lines(headers(), (row(stay) for stay in qs.iterator(chunk_size=2000)), bom=True)


def _xlsx(qs: Any) -> Any:
    # openpyxl is imported on the first XLSX export, not when the app starts (its import is a noticeable
    # part of a web worker's start-up, and few requests ever need it).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Citizens"))
    sheet.freeze_panes = "A2"
    header = []
    for title in headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for stay in qs.iterator(chunk_size=2000):
        sheet.append([safe_cell(ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v) for v in row(stay)])
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    book.save(out)
    out.seek(0)
    return out


def where_export_response(*, user: User, filters: WhereFilters, fmt: str) -> HttpResponseBase:
    """The filtered list as a download; refused (and audited) like the list itself."""
    if fmt not in FORMATS:
        raise BadInput(_("Format: one of %(values)s.") % {"values": ", ".join(FORMATS)}, field="format")
    qs = where_list_for(user=user, filters=filters, export=fmt, max_rows=XLSX_MAX_ROWS if fmt == "xlsx" else None)
    name = f"citizens-{filters.mission_code or 'all'}-{timezone.now():%Y%m%d}.{fmt}".lower()
    if fmt == "csv":
        response = StreamingHttpResponse(_lines(qs, translation.get_language() or "id"),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return FileResponse(_xlsx(qs), as_attachment=True, filename=name, content_type=XLSX_TYPE)
