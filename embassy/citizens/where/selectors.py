"""Where citizens are: counts and a density map of active stays for every staff role (no names, no contacts),
and the list of the registered citizens — names and contacts — for authorised staff only.

Scoped like everything else (`scope_for`): headquarters sees every mission, mission staff their missions.
The list is for staff whose scope covers the personal data of the missions concerned; every read of it,
every export and every refusal is audited."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from h3.api import basic_int as h3i

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Stay
from embassy.citizens.occupations import occupation_label
from embassy.common.errors import BadInput, PermissionDenied
from embassy.geo.h3cells import descendant_range
from embassy.geo.models import Country
from embassy.missions.models import Mission
from embassy.missions.selectors import mission_get, scope_for

GROUPS = {
    "country": "country_id",
    "city": "city",
    "purpose": "purpose",
    "occupation": "occupation",
    "mission": "mission__code",
    "dependants": "",  # the number of family members travelling along (counted per stay)
}


@dataclass(frozen=True)
class WhereFilters:
    """What the tables, the map and the list are narrowed to. Build it from user input with `parse`."""

    mission_id: int | None = None
    mission_code: str = ""
    country: str = ""
    city: str = ""
    purpose: str = ""
    occupation: str = ""

    @classmethod
    def parse(cls, *, mission: str = "", country: str = "", city: str = "", purpose: str = "",
              occupation: str = "") -> WhereFilters:
        """Raises NotFound for an unknown mission code, BadInput for a malformed country or purpose."""
        found = mission_get(code=mission) if mission.strip() else None
        country = country.strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise BadInput(_("Country: a two-letter ISO 3166 code."), field="country")
        purpose = purpose.strip()
        if purpose and purpose not in Stay.Purpose.values:
            raise BadInput(_("Purpose: one of %(values)s.") % {"values": ", ".join(Stay.Purpose.values)},
                           field="purpose")
        return cls(mission_id=found.pk if found else None, mission_code=found.code if found else "",
                   country=country, city=city.strip()[:100], purpose=purpose, occupation=occupation.strip()[:40])

    def apply(self, qs: QuerySet[Stay]) -> QuerySet[Stay]:
        if self.mission_id is not None:
            qs = qs.filter(mission_id=self.mission_id)
        if self.country:
            qs = qs.filter(country_id=self.country)
        if self.city:
            qs = qs.filter(city__iexact=self.city)
        if self.purpose:
            qs = qs.filter(purpose=self.purpose)
        if self.occupation:
            qs = qs.filter(occupation=self.occupation)
        return qs

    def detail(self) -> dict[str, str]:
        """The filters that are set (for the audit log and for links)."""
        values = {"mission": self.mission_code, "country": self.country, "city": self.city,
                  "purpose": self.purpose, "occupation": self.occupation}
        return {key: value for key, value in values.items() if value}


def _active_for(user: User, filters: WhereFilters) -> QuerySet[Stay]:
    scope = scope_for(user)
    if not scope.is_staff:
        raise PermissionDenied(_("Only staff can see where citizens are."))
    qs = Stay.objects.filter(status=Stay.Status.ACTIVE)
    if filters.mission_id is not None:
        if not scope.covers(filters.mission_id):
            raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
    elif not scope.all_missions:
        qs = qs.filter(mission_id__in=scope.mission_ids)
    return filters.apply(qs)


def _dependants_of_stay() -> Coalesce:
    through = Stay.dependants.through.objects.filter(stay_id=OuterRef("pk")).order_by()
    count = through.values("stay_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


# --- Counts (every staff role) ---------------------------------------------------------------------------------
def stay_counts_for(*, user: User, by: str = "country", filters: WhereFilters | None = None,
                    limit: int = 100) -> dict[str, Any]:
    """{"by", "total": stays, "dependants": n, "rows": [{"key", "label", "stays", "with_dependants",
    "dependants"}, …]}: largest group first (by number of dependants: 0, 1, 2, …). `with_dependants` counts
    the group's stays with at least one family member travelling along, `dependants` those family members."""
    if by not in GROUPS:
        raise BadInput(_("Group by one of: %(values)s.") % {"values": ", ".join(GROUPS)}, field="by")
    qs = _active_for(user, filters or WhereFilters())
    limit = max(1, min(limit, 1000))
    total = qs.count()
    with_family = qs.filter(dependants__isnull=False)  # joined once: the counts below reuse the join
    if by == "dependants":
        per_stay = Counter(with_family.values("id").annotate(n=Count("dependants")).order_by()
                           .values_list("n", flat=True))
        histogram = sorted({0: total - per_stay.total(), **per_stay}.items())
        rows = [{"key": str(n), "stays": stays, "with_dependants": stays if n else 0, "dependants": n * stays}
                for n, stays in histogram if stays][:limit]
        dependants = sum(n * stays for n, stays in histogram)
    else:
        column = GROUPS[by]
        grouped = qs.values(column).annotate(stays=Count("id")).order_by("-stays", column)[:limit]
        families = {r[column]: r for r in with_family.values(column).order_by()
                    .annotate(dependants=Count("dependants"), with_dependants=Count("id", distinct=True))}
        rows = [{"key": str(r[column] or ""), "stays": r["stays"],
                 "with_dependants": families.get(r[column], {}).get("with_dependants", 0),
                 "dependants": families.get(r[column], {}).get("dependants", 0)} for r in grouped]
        dependants = sum(f["dependants"] for f in families.values())
    labels = _labels(by, [str(row["key"]) for row in rows])
    return {
        "by": by,
        "total": total,
        "dependants": dependants,
        "rows": [{"key": row["key"], "label": labels.get(str(row["key"]), row["key"]), **row} for row in rows],
    }


def _labels(by: str, keys: list[str]) -> dict[str, str]:
    """Display names of the groups' keys, in the active language."""
    unstated = _("(not stated)")
    if by == "country":
        return {c.code: c.name() for c in Country.objects.filter(code__in=keys)}
    if by == "mission":
        return {m.code: m.name() for m in Mission.objects.filter(code__in=keys)}
    if by == "purpose":
        return {str(key): str(label) for key, label in Stay.Purpose.choices}
    if by == "occupation":
        return {key: occupation_label(key) if key else unstated for key in keys}
    if by == "dependants":
        return {key: ngettext("%(n)s family member", "%(n)s family members", int(key)) % {"n": key} if key != "0"
                else _("No family members") for key in keys}
    return {"": unstated}


# --- Density map (every staff role) ----------------------------------------------------------------------------
MIN_RES, MAX_RES = 2, 7
# Roles without access to personal data see hexagons no finer than this (~250 km²): a hexagon of res 7
# (~5 km²) holding one stay would point at one person.
MAX_RES_WITHOUT_PERSONAL_DATA = 5
_NO_RES = (2**63 - 1) & ~(0xF << 52)  # an H3 index without its 4 resolution bits (52–55)
_BBOX = re.compile(r"^\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*$")


def density_res(zoom: int) -> int:
    """The H3 resolution of the density hexagons for a web-map zoom level: a few dozen pixels across."""
    return max(MIN_RES, min(MAX_RES, (zoom + 2) // 2))


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """"west,south,east,north" in degrees (GeoJSON order) or "" for none. West may exceed east across the
    antimeridian; longitudes past ±180 (a panned web map) are accepted."""
    if not text.strip():
        return None
    match = _BBOX.match(text)
    try:
        west, south, east, north = (float(v) for v in match.groups()) if match else (math.nan,) * 4
    except ValueError:
        west = math.nan
    if not all(math.isfinite(v) for v in (west, south, east, north)) or not -90 <= south < north <= 90:
        raise BadInput(_("Bounding box: west,south,east,north in degrees, south below north."), field="bbox")
    if east <= west:
        east += 360
    return west, south, east, north


def stay_density_for(*, user: User, filters: WhereFilters | None = None, zoom: int = 2,
                     bbox: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """Active stays per H3 hexagon as an RFC 7946 FeatureCollection (properties: cell, stays), with the
    resolution chosen from the zoom. Counted in SQL: a stay's res-9 cell becomes its parent by rewriting
    the resolution bits and setting the finer digits to 7. With a bounding box, only hexagons in and around
    it are returned, each with its complete count.

    Hexagons are not cut at the antimeridian (RFC 7946 §3.1.9 recommends it): each ring is continuous
    around its centre, and the centre lies within 360° east of the box's west edge (-180 without a box),
    so that a map shows whole hexagons on whichever side it is panned to."""
    filters = filters or WhereFilters()
    res = density_res(zoom)
    if not may_read_personal(user=user, filters=filters):
        res = min(res, MAX_RES_WITHOUT_PERSONAL_DATA)
    qs = _active_for(user, filters).filter(cell__isnull=False)
    ranges = _cover_ranges(bbox, res) if bbox else None
    if ranges is not None:
        qs = qs.filter(reduce(or_, (Q(cell__range=r) for r in ranges)))
    parent = F("cell").bitand(_NO_RES).bitor((res << 52) | ((1 << 3 * (15 - res)) - 1))
    rows = qs.annotate(parent=parent).values("parent").annotate(stays=Count("id")).order_by()
    west = bbox[0] if bbox else -180.0
    features = [_hexagon(int(r["parent"]), r["stays"], west) for r in rows]
    features.sort(key=lambda f: f["properties"]["cell"])
    return {"type": "FeatureCollection", "resolution": res, "features": features}


def _cover_ranges(bbox: tuple[float, float, float, float], res: int) -> list[tuple[int, int]] | None:
    """Ranges of res-9 cell numbers covering the box: the res-9 descendants of a cell form one contiguous
    range, so the stored column's index answers. Coarse cells (two resolutions above the hexagons') cover
    the box with a ring to spare, so that every hexagon touching it is counted whole. None for a box too
    large to be worth it."""
    west, south, east, north = bbox
    if east - west > 90 or north - south > 60:
        return None
    coarse = max(0, res - 2)
    west -= 360 * math.floor((west + 180) / 360)  # into [-180, 180)
    east = west + (bbox[2] - bbox[0])
    spans = [(west, min(east, 180.0))] + ([(-180.0, east - 360)] if east > 180 else [])
    cells: set[int] = set()
    for lo, hi in spans:  # H3 polygons must not cross the antimeridian
        lons = [lo + (hi - lo) * i / 20 for i in range(21)]
        lats = [south + (north - south) * i / 20 for i in range(21)]
        ring = ([(south, x) for x in lons] + [(y, hi) for y in lats[1:]] + [(north, x) for x in reversed(lons[:-1])]
                + [(y, lo) for y in reversed(lats[1:-1])])
        cells.update(h3i.polygon_to_cells(h3i.LatLngPoly(ring), coarse))
        cells.update(h3i.latlng_to_cell(y, x, coarse) for y, x in [*ring[::5], ((south + north) / 2, (lo + hi) / 2)])
    cover = {c for cell in cells for c in h3i.grid_disk(cell, 1)}
    return sorted(descendant_range(cell) for cell in cover)


def _hexagon(cell: int, stays: int, west: float) -> dict[str, Any]:
    _, lon0 = h3i.cell_to_latlng(cell)
    offset = -360 * math.floor((lon0 - west) / 360)
    ring = [[round(lon0 + (lon - lon0 + 180) % 360 - 180 + offset, 6), round(lat, 6)]
            for lat, lon in h3i.cell_to_boundary(cell)]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            "properties": {"cell": h3i.int_to_str(cell), "stays": stays}}


# --- Names and contacts (authorised staff, audited) -------------------------------------------------------------
def may_read_personal(*, user: User, filters: WhereFilters) -> bool:
    """Whether `where_list_for` would answer (for showing or hiding the list; reads nothing)."""
    scope = scope_for(user)
    return scope.covers_personal(filters.mission_id) if filters.mission_id is not None else scope.personal_data


def where_list_for(*, user: User, filters: WhereFilters, export: str = "",
                   max_rows: int | None = None) -> QuerySet[Stay]:
    """Active stays with the citizen's name and contacts, employer and the number of family members travelling
    along, ordered by name: of the filtered mission, or of every mission whose personal data the user may
    read. Staff without that right (social-media officers) are refused, and the refusal is audited.

    The read is audited as citizens.where.list, or — with `export` set to the format — as
    citizens.where.export with the row count; an export larger than `max_rows` is refused (BadInput) before
    anything is read."""
    action = "citizens.where.export" if export else "citizens.where.list"
    scope = scope_for(user)
    detail: dict[str, Any] = {**filters.detail(), **({"format": export} if export else {})}
    if not may_read_personal(user=user, filters=filters):
        audit_record(actor=user, action=f"{action}.denied", object_type="stay", mission_code=filters.mission_code,
                     detail=detail)
        if scope.personal_data:
            raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
        raise PermissionDenied(_("You may not read citizens' personal data."))
    qs = Stay.objects.filter(status=Stay.Status.ACTIVE)
    if filters.mission_id is None and not scope.personal_all:
        qs = qs.filter(mission_id__in=scope.personal_ids)
    qs = (filters.apply(qs).select_related("citizen", "mission", "country")
          .only("id", "city", "purpose", "occupation", "employer", "citizen", "mission", "country", "citizen__full_name", "citizen__phone",
                "citizen__email", "mission__code", "country__name_id", "country__name_en")
          .annotate(n_dependants=_dependants_of_stay()).order_by("citizen__full_name", "citizen_id", "id"))
    if export:
        detail["rows"] = rows = qs.count()
        if max_rows is not None and rows > max_rows:
            raise BadInput(_("This export has %(rows)s rows; a spreadsheet holds at most %(max)s. Narrow the "
                             "filters, or download CSV.") % {"rows": rows, "max": max_rows}, field="format")
    audit_record(actor=user, action=action, object_type="stay", mission_code=filters.mission_code, detail=detail)
    return qs
