"""The IKM (Indeks Kepuasan Masyarakat) as Peraturan Menteri PANRB Nomor 14 Tahun 2017 (Pedoman Penyusunan Survei
Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik), Lampiran, prescribes it:

- nine elements (unsur), each answered on a scale of 1 to 4;
- per element, the mean of its answers (nilai rata-rata, NRR);
- the weighted mean of the nine, each weighted 1/9 (bobot nilai rata-rata tertimbang = 1 / jumlah unsur);
- the index converted to 25-100: IKM = weighted mean x 25;
- quality (mutu pelayanan) by the converted interval: A Sangat Baik 88.31-100.00, B Baik 76.61-88.30,
  C Kurang Baik 65.00-76.60, D Tidak Baik 25.00-64.99.

Decimals: computed exactly (Decimal) and rounded half-up to 2 places before the category is read, so that a
value is never between two intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ELEMENTS: tuple[tuple[str, Promise], ...] = (
    ("u1", _("Requirements")),
    ("u2", _("Systems, mechanisms and procedures")),
    ("u3", _("Completion time")),
    ("u4", _("Cost or fee")),
    ("u5", _("Product specification of the type of service")),
    ("u6", _("Competence of the staff")),
    ("u7", _("Conduct of the staff")),
    ("u8", _("Handling of complaints, suggestions and feedback")),
    ("u9", _("Facilities and infrastructure")),
)
FIELDS = tuple(key for key, _label in ELEMENTS)
SCALE = (1, 2, 3, 4)
CENT = Decimal("0.01")
# (lowest converted value, letter, quality) from the highest band down.
BANDS: tuple[tuple[Decimal, str, Promise], ...] = (
    (Decimal("88.31"), "A", _("Very good")),
    (Decimal("76.61"), "B", _("Good")),
    (Decimal("65.00"), "C", _("Less than good")),
    (Decimal("25.00"), "D", _("Not good")),
)


@dataclass(frozen=True)
class Ikm:
    responses: int
    element_means: tuple[Decimal, ...]  # NRR per element, unrounded
    weighted: Decimal  # the weighted mean (1-4)
    score: Decimal  # IKM, 25-100, rounded to 2 places
    letter: str
    quality: str


def category(score: Decimal) -> tuple[str, str]:
    """(letter, quality) of a converted value (25-100)."""
    value = score.quantize(CENT, rounding=ROUND_HALF_UP)
    for low, letter, quality in BANDS:
        if value >= low:
            return letter, str(quality)
    return "D", str(BANDS[-1][2])


def ikm_from_sums(sums: Sequence[int], responses: int) -> Ikm | None:
    """The IKM of `responses` answers whose element sums are `sums` (nine numbers); None without answers."""
    if responses <= 0 or len(sums) != len(FIELDS):
        return None
    means = tuple(Decimal(s) / Decimal(responses) for s in sums)
    weighted = sum((m * Decimal(1) / Decimal(len(FIELDS)) for m in means), Decimal(0))
    score = (weighted * 25).quantize(CENT, rounding=ROUND_HALF_UP)
    letter, quality = category(score)
    return Ikm(responses, means, weighted, score, letter, quality)


def ikm_from_answers(rows: Sequence[Sequence[int]]) -> Ikm | None:
    """The IKM of answer rows (nine values 1-4 each)."""
    sums = [sum(row[i] for row in rows) for i in range(len(FIELDS))]
    return ikm_from_sums(sums, len(rows))
