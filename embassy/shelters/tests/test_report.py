"""The daily occupancy report against a week computed by hand, and the stuck board (who waits at which step,
for how long, the longest first)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from embassy.accounts.models import User
from embassy.common.errors import BadInput
from embassy.shelters import report, selectors, services
from embassy.shelters.models import Residence, Shelter, Step
from embassy.shelters.tests.conftest import kl_time

pytestmark = pytest.mark.django_db
NOW = kl_time(2026, 11, 10)


def _stay(officer: User, shelter: Shelter, name: str, checked_in: dt.datetime,
          checked_out: dt.datetime | None = None) -> Residence:
    r = services.residence_check_in(actor=officer, shelter=shelter, person_name=name, at=checked_in, now=NOW)
    if checked_out is not None:
        services.residence_check_out(actor=officer, residence=r, at=checked_out, reason="other", now=NOW)
    return r


def test_a_week_computed_by_hand(officer: User, shelter: Shelter) -> None:
    """Kuala Lumpur is UTC+8: D arrives at 00:30 on 4 November local time, still 3 November in UTC.

    stays (local):          A 30 Oct 15:00 → 3 Nov 10:00 · B 2 Nov 09:00 → 2 Nov 17:00 · C 2 Nov 23:30 → (here)
                            D 4 Nov 00:30 → 6 Nov 08:00 · E 5 Nov 10:00 → 9 Nov · F 1 Oct → 5 Oct (before)
    occupied at midnight:   1: A · 2: A C · 3: C · 4: C D · 5: C D E · 6: C E · 7: C E
    days so far (mean):     1: 3 · 2: (4+1)/2 · 3: 2 · 4: (3+1)/2 · 5: (4+2+1)/3 · 6: (5+2)/2 · 7: (6+3)/2
    """
    _stay(officer, shelter, "F", kl_time(2026, 10, 1), kl_time(2026, 10, 5))
    _stay(officer, shelter, "A", kl_time(2026, 10, 30, 15), kl_time(2026, 11, 3, 10))
    _stay(officer, shelter, "B", kl_time(2026, 11, 2, 9), kl_time(2026, 11, 2, 17))
    _stay(officer, shelter, "C", kl_time(2026, 11, 2, 23, 30))
    d = _stay(officer, shelter, "D", kl_time(2026, 11, 4, 0, 30), kl_time(2026, 11, 6, 8))
    assert d.checked_in_at.astimezone(dt.UTC).date() == dt.date(2026, 11, 3)
    _stay(officer, shelter, "E", kl_time(2026, 11, 5, 10), kl_time(2026, 11, 9, 10))
    rep = report.occupancy(shelter=shelter, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 7))
    assert [(x.occupied, x.arrivals, x.departures, x.average_stay) for x in rep.days] == [
        (1, 0, 0, 3.0),
        (2, 2, 1, 2.5),
        (1, 0, 1, 2.0),
        (2, 1, 0, 2.0),
        (3, 1, 0, 2.3),
        (2, 0, 1, 3.5),
        (2, 0, 0, 4.5),
    ]
    assert (rep.bed_days, rep.arrivals, rep.departures, rep.peak) == (13, 4, 3, 3)
    assert rep.average_completed_stay == 2.0  # B 0, A 4, D 2 days
    assert round(rep.occupancy_rate, 3) == round(13 / 21, 3)
    rows = {r.residence.person_name: r.days for r in
            selectors.residents_of(user=officer, shelter=shelter, present=False, now=NOW)}
    assert rows == {"A": 4, "B": 0, "D": 2, "E": 4, "F": 4}
    [present] = selectors.residents_of(user=officer, shelter=shelter, now=NOW)
    assert present.residence.person_name == "C" and present.days == 8  # 2 → 10 November
    # The days of all stays (C's up to 9 November) add up to the occupied beds of every day.
    whole = report.occupancy(shelter=shelter, start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 9))
    assert whole.bed_days == 4 + 4 + 0 + 8 + 2 + 4


def test_range_checks() -> None:
    today = dt.date(2026, 11, 10)
    assert report.parse_range("", "", today=today) == (dt.date(2026, 10, 12), today)
    assert report.parse_range("2026-11-01", "2027-01-01", today=today) == (dt.date(2026, 11, 1), today)
    for start, end, field in (("2026-11-05", "2026-11-01", "start"), ("11/05/2026", "", "start"),
                              ("", "x", "end"), ("2000-01-01", "2026-11-01", "end")):
        with pytest.raises(BadInput) as caught:
            report.parse_range(start, end, today=today)
        assert caught.value.field == field


def test_the_stuck_board(officer: User, shelter: Shelter, sg_officer: User, analyst: User) -> None:
    now = kl_time(2026, 11, 30)
    long = services.residence_check_in(actor=officer, shelter=shelter, person_name="Lama", at=kl_time(2026, 11, 1),
                                       repatriation=True, now=kl_time(2026, 11, 1, 13))
    docs = services.residence_check_in(actor=officer, shelter=shelter, person_name="Dokumen", repatriation=True,
                                       at=kl_time(2026, 11, 15), now=kl_time(2026, 11, 15, 13))
    services.repatriation_step_record(actor=officer, residence=docs, step=Step.DOCUMENTS,
                                      done_on=dt.date(2026, 11, 20), now=now)
    flown = services.residence_check_in(actor=officer, shelter=shelter, person_name="Terbang", repatriation=True,
                                        at=kl_time(2026, 11, 2), now=kl_time(2026, 11, 2, 13))
    home = services.residence_check_in(actor=officer, shelter=shelter, person_name="Pulang", repatriation=True,
                                       at=kl_time(2026, 11, 2), now=kl_time(2026, 11, 2, 13), overflow=True)
    for r in (flown, home):
        for step, day in ((Step.DOCUMENTS, 3), (Step.EXIT_PERMIT, 10), (Step.TICKET, 20), (Step.DEPARTURE, 25)):
            services.repatriation_step_record(actor=officer, residence=r, step=step, done_on=dt.date(2026, 11, day),
                                              now=now)
        services.residence_check_out(actor=officer, residence=r, at=kl_time(2026, 11, 25, 8), reason="repatriated",
                                     now=now)
    services.repatriation_step_record(actor=officer, residence=home, step=Step.ARRIVAL,
                                      done_on=dt.date(2026, 11, 26), now=now)
    services.residence_check_in(actor=officer, shelter=shelter, person_name="Kerja lagi", overflow=True, now=now)
    board = selectors.repatriation_board(user=officer, now=now)
    assert [(b.residence.person_name, b.next_step, b.stuck_days) for b in board] == [
        ("Lama", Step.DOCUMENTS.value, 29),
        ("Dokumen", Step.EXIT_PERMIT.value, 10),
        ("Terbang", Step.ARRIVAL.value, 5),
    ]
    assert long.pk == board[0].residence.pk
    assert selectors.repatriation_board(user=sg_officer, now=now) == []
    assert len(selectors.repatriation_board(user=analyst, now=now)) == 3


def test_one_query_for_any_range(officer: User, shelter: Shelter, django_assert_num_queries: Any) -> None:
    for n in range(5):
        _stay(officer, shelter, f"P{n}", kl_time(2026, 1 + n, 1), kl_time(2026, 1 + n, 20))
    shelter = Shelter.objects.select_related("mission").get(pk=shelter.pk)
    with django_assert_num_queries(1):
        rep = report.occupancy(shelter=shelter, start=dt.date(2017, 1, 1), end=dt.date(2026, 11, 9))
    assert rep.bed_days == 5 * 19 and len(rep.days) == 3600
