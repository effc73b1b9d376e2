"""Checks and normalisation for a stay's details, shared by registering and updating a stay.

Each purpose has its own details; the details of other purposes are cleared on every write, so a stay never
carries what the citizen did not (or no longer) mean to tell the mission."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _

from embassy.citizens.models import Stay
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.common.text import line_clean
from embassy.geo.countries import country_info

# The details of each purpose (fields of Stay). `occupation` is the kind of work (work) or of crew (crew).
PURPOSE_FIELDS: dict[str, tuple[str, ...]] = {
    Stay.Purpose.WORK: ("occupation", "employer", "employer_address", "employer_phone"),
    Stay.Purpose.STUDY: ("institution",),
    Stay.Purpose.TOURISM: (),
    Stay.Purpose.PILGRIMAGE: ("pilgrimage_kind", "organiser"),
    Stay.Purpose.CREW: ("occupation", "vessel_name", "vessel_imo", "vessel_flag"),
    Stay.Purpose.FAMILY: ("purpose_detail",),
    Stay.Purpose.OTHER: ("purpose_detail",),
}
DETAIL_FIELDS: tuple[str, ...] = ("occupation", "employer", "employer_address", "employer_phone", "institution",
                                  "pilgrimage_kind", "organiser", "vessel_name", "vessel_imo", "vessel_flag",
                                  "purpose_detail")
_LENGTHS = {"occupation": 40, "employer": 200, "employer_address": 300, "institution": 200, "organiser": 200,
            "vessel_name": 200, "purpose_detail": 300}
PURGE_CHOICES: tuple[int, ...] = (7, 30, 90)  # days after the end date; None means "keep"
DEFAULT_PURGE_DAYS = 30
CONFIRM_EVERY = dt.timedelta(days=182)  # a long stay is confirmed about every six months
PASSPORT_MARGIN_MONTHS = 6


def imo_validate(value: str, *, field: str = "vessel_imo") -> str:
    """An IMO ship number: seven digits, the last a check digit (the first six weighted 7..2, sum mod 10).
    "IMO 9074729" and "9074729" give "9074729"; "" stays ""."""
    number = re.sub(r"^\s*IMO\s*", "", (value or "").strip(), flags=re.IGNORECASE).replace(" ", "")
    if not number:
        return ""
    if not re.fullmatch(r"\d{7}", number):
        raise BadInput(_("An IMO number has 7 digits."), field=field)
    check = sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True)) % 10
    if check != int(number[6]):
        raise BadInput(_("This IMO number is not valid (its check digit does not match)."), field=field)
    return number


STAY_YEARS = 10  # a stay's dates lie within this many years of today, either way
OLDEST_BIRTH = dt.date(1900, 1, 1)
PASSPORT_YEARS = 20  # an expiry date further than this from today is a typing mistake


def _shift_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def date_plausible(value: Any, *, field: str, today: dt.date, kind: str) -> dt.date | None:
    """`value` (a date or None) if plausible for `kind`, else BadInput naming `field`:
    "birth" — not in the future, not before 1900; "stay" — within STAY_YEARS of today, either way;
    "passport" — within PASSPORT_YEARS of today."""
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise BadInput(_("Enter a valid date."), field=field)
    if kind == "birth" and not OLDEST_BIRTH <= value <= today:
        raise BadInput(_("Enter a date of birth in the past."), field=field)
    if kind == "stay" and not _shift_years(today, -STAY_YEARS) <= value <= _shift_years(today, STAY_YEARS):
        raise BadInput(_("Enter a date within %(n)d years of today.") % {"n": STAY_YEARS}, field=field)
    if kind == "passport" and not _shift_years(today, -PASSPORT_YEARS) <= value <= _shift_years(today, PASSPORT_YEARS):
        raise BadInput(_("Enter the expiry date printed in your passport."), field=field)
    return value


def purpose_details(purpose: str, values: dict[str, Any]) -> dict[str, str]:
    """Every detail field for `purpose`, validated and trimmed; those of other purposes set to ""."""
    if purpose not in Stay.Purpose.values:
        raise BadInput(_("Unknown purpose."), field="purpose")
    keep = PURPOSE_FIELDS[purpose]
    out: dict[str, str] = {}
    for name in DETAIL_FIELDS:
        raw = values.get(name) if name in keep else ""
        out[name] = line_clean(raw, field=name, max_length=_LENGTHS.get(name, 300))
    if purpose == Stay.Purpose.WORK:
        out["employer_phone"] = phone_normalise(out["employer_phone"], field="employer_phone")
    elif purpose == Stay.Purpose.PILGRIMAGE:
        kind = out["pilgrimage_kind"].lower()
        if kind not in Stay.PilgrimageKind.values:
            raise BadInput(_("Choose hajj or umrah."), field="pilgrimage_kind")
        out["pilgrimage_kind"] = kind
    elif purpose == Stay.Purpose.CREW:
        out["vessel_imo"] = imo_validate(out["vessel_imo"])
        if out["vessel_flag"]:
            out["vessel_flag"] = country_info(out["vessel_flag"], field="vessel_flag").code
        if out["vessel_imo"] and not out["vessel_name"]:
            raise BadInput(_("Enter the vessel's name."), field="vessel_name")
    return out


def purge_days_validate(value: Any) -> int | None:
    """Days after the end date at which the stay's location is deleted: 7, 30 or 90; None keeps it."""
    if value is None or value == "":
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = -1
    if days not in PURGE_CHOICES:
        raise BadInput(_("Choose 7, 30 or 90 days, or keep the location."), field="location_purge_days")
    return days


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def passport_warning(*, expiry: dt.date | None, stay_end: dt.date | None, today: dt.date) -> str:
    """A warning when the passport expires within six months of the end of the stay (or of today, for a
    stay without an end date); "" otherwise or when the expiry is unknown."""
    if expiry is None:
        return ""
    until = max(stay_end or today, today)
    if expiry < today:
        return _("Your passport expired on %(date)s. Contact your mission to renew it.") % {"date": expiry.isoformat()}
    if expiry < add_months(until, PASSPORT_MARGIN_MONTHS):
        return _("Your passport expires on %(date)s, less than six months after your stay ends. Many countries "
                 "require six months of validity: renew it in time at your mission.") % {"date": expiry.isoformat()}
    return ""
