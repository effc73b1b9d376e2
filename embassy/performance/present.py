"""What the public pages show, read from the rollups only (never the source tables), with the small-count rule:
a count from 1 to SMALL-1 is shown as "fewer than 5", and a rate, median or index over fewer than SMALL cases is
not shown at all, so that no figure points at a person. Nothing here is personal data: the rows are counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from embassy.consular.models import Service
from embassy.missions.models import Mission
from embassy.performance.ikm import ELEMENTS, FIELDS, Ikm, ikm_from_sums
from embassy.performance.models import YEAR, MissionCost, Rollup
from embassy.performance.rollup import month_starts, period_of
from embassy.social.charts import bar_chart, line_chart

SMALL = 5  # counts below this (and above 0) are suppressed on public pages


def small(n: int) -> bool:
    return 0 < n < SMALL


def count_text(n: int | None) -> str:
    n = n or 0
    if small(n):
        return _("fewer than %(n)d") % {"n": SMALL}
    return formats.number_format(n, force_grouping=True)


def share(num: int, den: int) -> float | None:
    """num/den (0-1), or None when den is too small to publish."""
    return None if den < SMALL else num / den


def pct_text(value: float | None) -> str:
    return "—" if value is None else formats.number_format(round(value * 100, 1), 1) + " %"


def number_text(value: float | None, n: int, places: int = 1) -> str:
    return "—" if value is None or n < SMALL else formats.number_format(round(value, places), places)


@dataclass(frozen=True)
class Figures:
    """One rollup row's figures with the derived indicators."""

    raw: dict[str, Any]

    def n(self, key: str) -> int:
        return int(self.raw.get(key, 0) or 0)

    def p(self, key: str, which: str = "p50") -> float | None:
        n = self.n(f"{key}_n")
        value = self.raw.get(f"{key}_{which}")
        return None if n < SMALL or value is None else float(value)

    @property
    def no_show_rate(self) -> float | None:
        return share(self.n("no_shows"), self.n("no_shows") + self.n("attended"))

    @property
    def on_time_rate(self) -> float | None:
        return share(self.n("apps_on_time"), self.n("apps_with_target"))

    @property
    def ack_rate(self) -> float | None:
        return share(self.n("sos_acked"), self.n("sos_raised"))

    @property
    def digital_take_up(self) -> float | None:
        """Online (bookings kept or missed, applications, complaints filed on the web or in the app) over all
        (plus walk-ins at the counter and complaints taken by phone or in person)."""
        online = self.n("bookings") + self.n("apps_received") + self.n("complaints_online")
        offline = self.n("walk_ins") + self.n("complaints_filed") - self.n("complaints_online")
        return share(online, online + offline)

    @property
    def completion_rate(self) -> float | None:
        """Finished over started: bookings attended and applications received that were completed, over
        bookings (kept, missed or cancelled) and applications received."""
        started = self.n("bookings") + self.n("bookings_cancelled") + self.n("apps_received")
        return share(self.n("attended") + self.n("apps_completed"), started)

    @property
    def transactions(self) -> int:
        """Completed transactions: visits served at the counter and applications done."""
        return self.n("served") + self.n("apps_done")

    @property
    def ikm(self) -> Ikm | None:
        responses = self.n("responses")
        if responses < SMALL:
            return None
        return ikm_from_sums([self.n(f"{f}_sum") for f in FIELDS], responses)


@dataclass
class ServiceLine:
    name: str
    f: Figures


@dataclass
class CostLine:
    year: int
    amount: Decimal
    currency: str
    per_transaction: Decimal | None


@dataclass
class MissionPerformance:
    mission: Mission
    built_at: str  # in the mission's time, with its zone
    year: Figures
    months: list[tuple[str, Figures]]
    services: list[ServiceLine]
    cost: CostLine | None
    charts: dict[str, SafeString] = field(default_factory=dict)
    elements: list[tuple[str, str]] = field(default_factory=list)


def _cost(mission_id: int, year: Figures, costs: dict[int, MissionCost]) -> CostLine | None:
    cost = costs.get(mission_id)
    if cost is None:
        return None
    n = year.transactions
    per = (cost.amount / n).quantize(Decimal("0.01")) if n >= SMALL else None
    return CostLine(cost.year, cost.amount, cost.currency, per)


def latest_costs(mission_ids: list[int] | None = None) -> dict[int, MissionCost]:
    """The latest year entered per mission (at most this year)."""
    rows = MissionCost.objects.filter(year__lte=timezone.now().year).order_by("mission_id", "-year")
    if mission_ids is not None:
        rows = rows.filter(mission_id__in=mission_ids)
    out: dict[int, MissionCost] = {}
    for cost in rows:
        out.setdefault(cost.mission_id, cost)
    return out


def _visible(value: int) -> int:
    return 0 if small(value) else value


def _charts(months: list[tuple[str, Figures]]) -> dict[str, SafeString]:
    labels = [label for label, _f in months]
    fs = [f for _label, f in months]
    return {
        "bookings": bar_chart(_("Appointments per month: kept and missed"), labels, {
            _("kept"): [_visible(f.n("attended")) for f in fs],
            _("missed (no-show)"): [_visible(f.n("no_shows")) for f in fs]}),
        "waiting": line_chart(_("Median wait at the counter (minutes) per month"), labels,
                              [f.p("wait_min") or 0 for f in fs]),
        "processing": bar_chart(_("Applications done per month: on time and late"), labels, {
            _("on time"): [_visible(f.n("apps_on_time")) for f in fs],
            _("late"): [_visible(f.n("apps_with_target") - f.n("apps_on_time")) for f in fs]}),
        "complaints": bar_chart(_("Complaints per month: filed and resolved"), labels, {
            _("filed"): [_visible(f.n("complaints_filed")) for f in fs],
            _("resolved"): [_visible(f.n("complaints_resolved")) for f in fs]}),
    }


def _built_at(mission: Mission, rows: list[Rollup]) -> str:
    if not rows:
        return ""
    tz = ZoneInfo(mission.timezone or "UTC")
    local = max(r.built_at for r in rows).astimezone(tz)
    return f"{formats.date_format(local, 'j F Y H:i')} ({mission.timezone})"


def mission_performance(*, mission: Mission) -> MissionPerformance:
    """The public page's content: 3 queries (rollups, services, cost), whatever the volume behind them."""
    rows = list(Rollup.objects.filter(mission=mission))
    by_key = {(r.service_id, r.period): Figures(r.figures) for r in rows}
    tz = ZoneInfo(mission.timezone or "UTC")
    starts = month_starts(timezone.now().astimezone(tz).date())
    months = [(formats.date_format(m, "M Y"), by_key.get((None, period_of(m)), Figures({}))) for m in starts]
    year = by_key.get((None, YEAR), Figures({}))
    service_ids = sorted({sid for sid, period in by_key if sid is not None and period == YEAR})
    names = {s.pk: s.name() for s in Service.objects.filter(pk__in=service_ids)}
    services = sorted((ServiceLine(names.get(sid, "?"), by_key[(sid, YEAR)]) for sid in service_ids),
                      key=lambda line: line.name)
    page = MissionPerformance(mission=mission, built_at=_built_at(mission, rows), year=year, months=months,
                              services=services, cost=_cost(mission.pk, year, latest_costs([mission.pk])))
    page.charts = _charts(months)
    ikm = year.ikm
    if ikm is not None:
        page.elements = [(str(label), formats.number_format(round(mean, 2), 2))
                         for (_key, label), mean in zip(ELEMENTS, ikm.element_means, strict=True)]
    return page


# --- League table -------------------------------------------------------------------------------------------------
@dataclass
class LeagueLine:
    rank: int
    mission: Mission
    f: Figures
    ikm: Ikm | None
    cost: CostLine | None


def _rank_key(line: LeagueLine) -> tuple[int, float, float, str]:
    score = float(line.ikm.score) if line.ikm is not None else -1.0
    take_up = line.f.digital_take_up
    return (0 if line.ikm is not None else 1, -score, -(take_up if take_up is not None else -1.0),
            line.mission.name())


def league_table() -> list[LeagueLine]:
    """Every mission abroad with a rollup, best first: by IKM (missions without enough answers last), then by
    digital take-up, then by name."""
    rows = (Rollup.objects.filter(service__isnull=True, period=YEAR, mission__active=True)
            .exclude(mission__kind=Mission.Kind.HQ).select_related("mission"))
    costs = latest_costs()
    lines = []
    for row in rows:
        f = Figures(row.figures)
        lines.append(LeagueLine(0, row.mission, f, f.ikm, _cost(row.mission_id, f, costs)))
    lines.sort(key=_rank_key)
    for i, line in enumerate(lines, 1):
        line.rank = i
    return lines
