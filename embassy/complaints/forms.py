"""Reading the complaint forms' fields (the services check them; here only the shape: text, dates)."""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict
from django.utils.translation import gettext as _

from embassy.common.errors import BadInput
from embassy.complaints.services import ComplaintIn

FIELDS = ("mission_code", "category", "text", "subject_name", "passport", "nik", "place", "filer_name",
          "filer_relation", "filer_phone", "filer_email", "client_key")


def date_or_none(value: object, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise BadInput(_("Enter the date as YYYY-MM-DD."), field=field) from exc


def complaint_in(data: QueryDict) -> ComplaintIn:
    values = {name: str(data.get(name, ""))[:6000] for name in FIELDS}
    values["mission_code"] = str(data.get("mission", ""))[:60]
    return ComplaintIn(subject_birth_date=date_or_none(data.get("subject_birth_date"), field="subject_birth_date"),
                       **values)
