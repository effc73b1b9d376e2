"""The IKM as Permenpan-RB 14/2017 prescribes it, against a worked example computed by hand (docs/performance.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from embassy.performance.ikm import category, ikm_from_answers, ikm_from_sums

# Four respondents, nine elements each (docs/performance.md, "Worked example").
ROWS = [
    [4, 4, 3, 3, 4, 3, 4, 3, 4],
    [3, 3, 3, 4, 3, 3, 3, 2, 3],
    [4, 3, 2, 4, 3, 4, 4, 3, 3],
    [3, 4, 3, 4, 4, 4, 3, 3, 4],
]


def test_the_worked_example_by_hand() -> None:
    ikm = ikm_from_answers(ROWS)
    assert ikm is not None
    # NRR per element: sums 14 14 11 15 14 14 14 11 14 over 4 respondents.
    assert [str(m) for m in ikm.element_means] == ["3.5", "3.5", "2.75", "3.75", "3.5", "3.5", "3.5", "2.75", "3.5"]
    # Weighted mean: 30.25 x 1/9 = 3.3611...; IKM = 3.3611... x 25 = 84.027... -> 84.03, B (Baik).
    assert ikm.weighted.quantize(Decimal("0.0001")) == Decimal("3.3611")
    assert ikm.score == Decimal("84.03")
    assert ikm.letter == "B"


@pytest.mark.parametrize(("score", "letter"), [
    ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"), ("64.99", "D"),
    ("25", "D"),
])
def test_the_intervals_of_the_regulation(score: str, letter: str) -> None:
    assert category(Decimal(score))[0] == letter


def test_the_raw_interval_limits_land_in_their_band() -> None:
    # The regulation's raw intervals: 3.5324-4.00 A, 3.0644-3.532 B, 2.60-3.064 C, 1.00-2.5996 D.
    for weighted, letter in (("3.5324", "A"), ("3.532", "B"), ("3.0644", "B"), ("3.064", "C"), ("2.60", "C"),
                             ("2.5996", "D")):
        assert category(Decimal(weighted) * 25)[0] == letter, weighted


def test_all_fours_and_all_ones() -> None:
    top = ikm_from_sums([8] * 9, 2)
    low = ikm_from_sums([2] * 9, 2)
    assert top is not None and top.score == Decimal("100.00") and top.letter == "A"
    assert low is not None and low.score == Decimal("25.00") and low.letter == "D"
    assert ikm_from_sums([0] * 9, 0) is None
