"""The console's "where citizens are" page: a density map and counts for every staff role, and — for staff
who may read personal data — the list of registered citizens with CSV and XLSX downloads.

The mission is the console's (headquarters: every mission); the other filters come from the query string.
The map fetches its hexagons from the API (GET /api/v1/staff/where/density)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from embassy.accounts.http import AuthedRequest
from embassy.citizens.models import Stay
from embassy.citizens.occupations import occupation_label, occupations
from embassy.citizens.where.export import where_export_response
from embassy.citizens.where.selectors import WhereFilters, may_read_personal, stay_counts_for, where_list_for
from embassy.common.decorators import staff_required
from embassy.geo.selectors import country_list
from embassy.missions.models import Mission
from embassy.missions.selectors import missions_for
from embassy.missions.views import current_mission

PER_PAGE = 25
GROUP_TABS = [
    ("country", _("Country")), ("city", _("City")), ("purpose", _("Purpose")), ("occupation", _("Occupation")),
    ("dependants", _("Family members travelling along")), ("mission", _("Mission")),
]
FILTERS = ("country", "city", "purpose", "occupation")


def _filters(request: HttpRequest, mission: Mission | None = None) -> WhereFilters:
    mission = mission or current_mission(request)
    return WhereFilters.parse(mission="" if mission is None or mission.is_hq else mission.code,
                              **{name: str(request.GET.get(name, "")) for name in FILTERS})


def _query(filters: WhereFilters, **extra: Any) -> str:
    """The query string of the filters (the mission is the console's, not in links)."""
    values = {name: value for name, value in filters.detail().items() if name != "mission"}
    return urlencode({**values, **{k: v for k, v in extra.items() if v}})


def _table_context(request: AuthedRequest, filters: WhereFilters) -> dict[str, Any]:
    tabs = [(key, label) for key, label in GROUP_TABS if key != "mission" or filters.mission_id is None]
    by = request.GET.get("by", "country")
    by = by if by in dict(tabs) else "country"
    return {
        "counts": stay_counts_for(user=request.user, by=by, filters=filters),
        "by": by, "by_label": dict(tabs)[by],
        "tabs": [(key, label, _query(filters, by=key)) for key, label in tabs],
        "query": _query(filters), "filters": filters,
    }


def _list_context(request: AuthedRequest, filters: WhereFilters, *, offer: bool = True) -> dict[str, Any]:
    """One page of the list (an audited read). With `offer`, staff who may not read it are simply not offered
    it; without, they are refused (and the refusal audited)."""
    if offer and not may_read_personal(user=request.user, filters=filters):
        return {"may_list": False}
    page = Paginator(where_list_for(user=request.user, filters=filters), PER_PAGE).get_page(request.GET.get("page"))
    return {"may_list": True, "page": page, "query": _query(filters), "filters": filters,
            "previous": _query(filters, page=page.previous_page_number()) if page.has_previous() else "",
            "next": _query(filters, page=page.next_page_number()) if page.has_next() else ""}


@staff_required
@require_GET
def where_page(request: AuthedRequest) -> HttpResponse:
    """The whole page; the filter form (htmx) gets the results part only."""
    mission = current_mission(request)
    filters = _filters(request, mission)
    context = {**_table_context(request, filters), **_list_context(request, filters)}
    if request.headers.get("HX-Request"):
        return render(request, "citizens/where/results.html", context)
    missions = missions_for(request.user).order_by("kind", "city")
    return render(request, "citizens/where/page.html", {
        **context, "mission": mission, "missions": missions,
        "countries": country_list(), "purposes": Stay.Purpose.choices,
        "occupations": sorted(((key, occupation_label(key)) for key in occupations()), key=lambda o: o[1]),
    })


@staff_required
@require_GET
def where_table(request: AuthedRequest) -> HttpResponse:
    """The counts table for one grouping (the tabs)."""
    return render(request, "citizens/where/table.html", _table_context(request, _filters(request)))


@staff_required
@require_GET
def where_list(request: AuthedRequest) -> HttpResponse:
    """One page of the list of citizens (audited); refused, and audited, for staff who may not read it."""
    return render(request, "citizens/where/list.html", _list_context(request, _filters(request), offer=False))


@staff_required
@require_GET
def where_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """CSV or XLSX download of the filtered list (authorised staff, audited)."""
    return where_export_response(user=request.user, filters=_filters(request), fmt=fmt)
