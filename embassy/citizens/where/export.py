"""Exports of the "where citizens are" list (authorised staff): CSV streamed without a size limit, XLSX
(openpyxl, write-only) up to XLSX_MAX_ROWS rows. Both are audited by `where_list_for` and guarded against
formula injection."""

from __future__ import annotations

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
from embassy.common.spreadsheet import XLSX_TYPE, csv_lines, xlsx_file

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 50_000  # built in the request: ~4 s of openpyxl (write-only) on 2 cores; CSV streams, no limit


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
    return xlsx_file(_("Citizens"), headers(), (row(stay) for stay in qs.iterator(chunk_size=2000)))


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
