"""H3 cells as 64-bit integers (the form stored in BigIntegerField columns).

Resolutions the app uses:

STAY_RES = 9   citizen positions (stays, SOS locations): hexagons of about 0.1 km² (edge ~200 m), fine
               enough to find everyone in a neighbourhood and coarse enough to say "near", not "at".
Coarser filters (e.g. a crisis radius) take the res-9 cells' parents with h3.cell_to_parent, so one
stored column serves every query.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from h3.api import basic_int as h3i

from embassy.common.errors import BadInput
from embassy.geo.boundaries import validate_point

STAY_RES = 9
MAX_RES = 15


def cell_at(lat: object, lon: object, res: int = STAY_RES) -> int:
    """The H3 cell (as int) containing the point. Raises BadInput for bad coordinates or resolution."""
    la, lo = validate_point(lat, lon)
    if isinstance(res, bool) or not isinstance(res, int) or not 0 <= res <= MAX_RES:
        raise BadInput(
            _("H3 resolution must be an integer from 0 to %(max)s.") % {"max": MAX_RES}, field="res"
        )
    return int(h3i.latlng_to_cell(la, lo, res))


def disk(cell: int, k: int) -> list[int]:
    """The cell and every cell within k grid steps of it (k >= 0), as ints."""
    if k < 0:
        raise ValueError("k must be >= 0")
    return [int(c) for c in h3i.grid_disk(cell, k)]


def cell_center(cell: int) -> tuple[float, float]:
    """(lat, lon) of the cell's centre."""
    lat, lon = h3i.cell_to_latlng(cell)
    return float(lat), float(lon)


def descendant_range(cell: int, res: int = STAY_RES) -> tuple[int, int]:
    """(lo, hi): every res-`res` descendant of `cell` as an integer lies in [lo, hi], and every valid res-`res`
    cell in [lo, hi] is a descendant. (Resolution bits set to `res`; the digits below the cell's own
    resolution run from 0 to 6; the unused digits stay 7.)"""
    own = (cell >> 52) & 0xF
    base = (cell & ~(0xF << 52)) | (res << 52)
    lo = hi = base
    for digit in range(own + 1, res + 1):
        shift = (15 - digit) * 3
        lo &= ~(7 << shift)
        hi = (hi & ~(7 << shift)) | (6 << shift)
    return lo, hi
