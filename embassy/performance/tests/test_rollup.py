"""Each figure of the rollup on the tiny data set (conftest), computed by hand; the small-count rule; the league
table's order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from embassy.missions.models import Mission
from embassy.performance.models import YEAR, Rollup
from embassy.performance.present import Figures, count_text, league_table, mission_performance
from embassy.performance.rollup import month_starts, percentile, rollup_mission
from embassy.performance.tests.conftest import NOW, Tiny, answer, sg

pytestmark = pytest.mark.django_db


def _figures(mission: Mission, period: str, service_id: int | None = None) -> dict[str, object]:
    service = {"service_id": service_id} if service_id is not None else {"service__isnull": True}
    return Rollup.objects.get(mission=mission, period=period, **service).figures


def test_the_window_is_twelve_local_months() -> None:
    starts = month_starts(NOW.date())
    assert (starts[0].isoformat(), starts[-1].isoformat(), len(starts)) == ("2026-02-01", "2027-01-01", 12)
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2.0 and percentile([1.0, 2.0, 3.0], 0.9) == 3.0
    assert percentile([], 0.5) is None


def test_each_figure_by_hand(tiny: Tiny) -> None:
    rollup_mission(mission=tiny.mission, now=NOW)
    dec = _figures(tiny.mission, "2026-12")
    # Appointments: 3 attended, 1 no-show, 1 cancelled in December; the 2025 one is outside the window.
    assert (dec["bookings"], dec["attended"], dec["no_shows"], dec["bookings_cancelled"]) == (4, 3, 1, 1)
    # Counter: waits 10, 30 and 20 minutes; the walk-in was never called.
    assert (dec["tickets"], dec["walk_ins"], dec["served"]) == (4, 1, 3)
    assert (dec["wait_min_n"], dec["wait_min_sum"], dec["wait_min_p50"], dec["wait_min_p90"]) == (3, 60.0, 20.0, 30.0)
    # Applications: 4 and 7 working days against a target of 14 December; the third is in process.
    assert (dec["apps_received"], dec["apps_completed"], dec["apps_done"]) == (3, 2, 2)
    assert (dec["proc_days_p50"], dec["proc_days_p90"]) == (4.0, 7.0)
    assert (dec["apps_with_target"], dec["apps_on_time"]) == (2, 1)
    # Complaints: filed 01:00 on 1 December in Singapore (30 November in UTC) counts in December.
    assert (dec["complaints_filed"], dec["complaints_resolved"], dec["complaints_closed"]) == (3, 2, 1)
    assert (dec["resolve_h_p50"], dec["resolve_h_p90"]) == (12.0, 24.0)
    assert not Rollup.objects.filter(mission=tiny.mission, period="2026-11").exists()  # UTC would put it there
    # SOS: acknowledged after 90 s and 30 s; the third not yet.
    assert (dec["sos_raised"], dec["sos_acked"], dec["ack_min_p50"], dec["ack_min_p90"]) == (3, 2, 0.5, 1.5)
    # Survey: all fours and all threes.
    assert (dec["responses"], dec["u1_sum"], dec["u9_sum"]) == (2, 7, 7)


def test_service_rows_and_the_year_row(tiny: Tiny) -> None:
    rollup_mission(mission=tiny.mission, now=NOW)
    service = _figures(tiny.mission, "2026-12", tiny.service.pk)
    year = _figures(tiny.mission, YEAR)
    assert service["bookings"] == 4 and "complaints_filed" not in service  # complaints have no service
    assert year["bookings"] == 4 and year["complaints_filed"] == 3 and year["wait_min_p50"] == 20.0
    rollup_mission(mission=tiny.mission, now=NOW)  # rebuilt, not added to
    assert _figures(tiny.mission, YEAR)["bookings"] == 4


def test_small_counts_are_suppressed_and_rates_over_few_are_not_shown() -> None:
    f = Figures({"no_shows": 1, "attended": 3, "bookings": 4, "wait_min_n": 3, "wait_min_p50": 20.0, "responses": 4})
    with translation.override("en"):
        assert count_text(4) == "fewer than 5"
        assert count_text(0) == "0" and count_text(12) == "12"
    assert f.no_show_rate is None  # 4 appointments: too few for a rate
    assert f.p("wait_min") is None  # 3 waits: too few for a median
    assert f.ikm is None  # 4 answers: too few for an index
    big = Figures({"no_shows": 2, "attended": 8, "wait_min_n": 5, "wait_min_p50": 12.0})
    assert big.no_show_rate == 0.2 and big.p("wait_min") == 12.0


def test_indicators(tiny: Tiny) -> None:
    f = Figures({"bookings": 30, "attended": 25, "no_shows": 5, "bookings_cancelled": 10, "apps_received": 20,
                 "apps_completed": 15, "walk_ins": 50, "complaints_filed": 10, "complaints_online": 6,
                 "served": 70, "apps_done": 30})
    # online 30 + 20 + 6 = 56; offline 50 + 4 = 54 -> 56 / 110
    assert f.digital_take_up == pytest.approx(56 / 110)
    # (25 + 15) / (30 + 10 + 20)
    assert f.completion_rate == pytest.approx(40 / 60)
    assert f.transactions == 100


def test_the_page_reads_the_rollup_with_a_cost(tiny: Tiny, django_assert_max_num_queries: object) -> None:
    for i in range(3):  # five answers in all: the index is shown
        answer(tiny.mission, tiny.service, 9100 + i, [3] * 9, sg(13, 12))
    rollup_mission(mission=tiny.mission, now=NOW)
    page = mission_performance(mission=tiny.mission)
    assert page.year.ikm is not None and page.year.ikm.score == Decimal("80.00")  # (4 + 3 x 4) / 5 x 25
    assert page.cost is None
    assert len(page.months) == 12


def test_league_table_order(db: None) -> None:
    def row(code: str, figures: dict[str, int]) -> None:
        mission = Mission.objects.get(code=code)
        Rollup.objects.create(mission=mission, period=YEAR, figures=figures, built_at=NOW)

    fives = {f"u{i}_sum": 0 for i in range(1, 10)}
    row("KBRI-SINGAPORE", {**fives, **{f"u{i}_sum": 15 for i in range(1, 10)}, "responses": 5})  # 3.0 -> 75
    row("KBRI-KUALA-LUMPUR", {**{f"u{i}_sum": 20 for i in range(1, 10)}, "responses": 5})  # 4.0 -> 100
    row("KJRI-HONG-KONG", {"responses": 2, "bookings": 100, "walk_ins": 0})  # too few answers: last
    order = [line.mission.code for line in league_table()]
    assert order == ["KBRI-KUALA-LUMPUR", "KBRI-SINGAPORE", "KJRI-HONG-KONG"]
