"""Indeks Kepuasan Masyarakat (IKM) from survey answers; pure functions, no Flask, no database.

Source: PermenPANRB 14/2017, Lampiran Bab IV (Metode pengolahan data):
  NRR per unsur = total score of the element / number of answers to it
  NRR tertimbang = NRR x bobot, bobot = 1 / jumlah unsur = 1/9
  IKM = sum of NRR tertimbang; IKM unit pelayanan = IKM x 25 (nilai dasar), range 25-100
  Mutu pelayanan: A 88,31-100,00 Sangat Baik; B 76,61-88,30 Baik; C 65,00-76,60 Kurang Baik;
  D 25,00-64,99 Tidak Baik.
Minimum sample: the Krejcie & Morgan (1970) table reproduced in the same Lampiran (Bab III).
The regulation's worked example rounds the weight to 0,111; we keep 1/9 exact and round the
final IKM once (half up, two decimals), so a perfect survey scores exactly 100,00.
"""
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from app.survey.elements import ELEMENT_KEYS

BASE_VALUE = 25  # nilai dasar: converts the 1-4 index to 25-100
CENT = Decimal("0.01")
THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class Quality:
    grade: str        # mutu pelayanan A-D
    performance: str  # kinerja unit pelayanan
    lower: Decimal    # lowest converted IKM of the grade


# PermenPANRB 14/2017 Lampiran Bab IV, tabel nilai persepsi, interval IKM, konversi, mutu, kinerja.
QUALITIES = (
    Quality("A", "Sangat Baik", Decimal("88.31")),
    Quality("B", "Baik", Decimal("76.61")),
    Quality("C", "Kurang Baik", Decimal("65.00")),
    Quality("D", "Tidak Baik", Decimal("25.00")),
)

# Krejcie & Morgan table (population N -> sample S), as in PermenPANRB 14/2017 Lampiran Bab III.
KREJCIE_MORGAN = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44), (55, 48),
    (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76), (100, 80), (110, 86),
    (120, 92), (130, 97), (140, 103), (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132),
    (210, 136), (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162),
    (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201),
    (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242), (700, 248),
    (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278), (1100, 285), (1200, 291),
    (1300, 297), (1400, 302), (1500, 306), (1600, 310), (1700, 313), (1800, 317), (1900, 320), (2000, 322),
    (2200, 327), (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351), (4500, 354),
    (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368), (10000, 370), (15000, 375),
    (20000, 377), (30000, 379), (40000, 380), (50000, 381), (75000, 382), (1000000, 384),
)
_POPULATIONS = [n for n, _ in KREJCIE_MORGAN]


def minimum_sample(population: int) -> int:
    """Minimum respondents for `population` services: the table row at or above it (never fewer).

    Below the first row (10) every service user is asked; above 1 000 000 the table's 384 holds.
    """
    if population <= 0:
        return 0
    if population < KREJCIE_MORGAN[0][0]:
        return population
    index = bisect_left(_POPULATIONS, population)
    return KREJCIE_MORGAN[min(index, len(KREJCIE_MORGAN) - 1)][1]


def quality_of(ikm: Decimal) -> Quality:
    """Mutu pelayanan for a converted IKM (25-100), compared after rounding to two decimals."""
    value = Decimal(ikm).quantize(CENT, ROUND_HALF_UP)
    for quality in QUALITIES:
        if value >= quality.lower:
            return quality
    return QUALITIES[-1]


def _round(value: Fraction, step: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step, ROUND_HALF_UP)


@dataclass(frozen=True)
class ElementScore:
    key: str
    answers: int
    total: int

    @property
    def nrr(self) -> Fraction | None:
        return Fraction(self.total, self.answers) if self.answers else None

    @property
    def nrr_rounded(self) -> Decimal | None:
        """NRR to two decimals, as the regulation's tables show it."""
        return _round(self.nrr, CENT) if self.answers else None

    @property
    def weighted(self) -> Decimal | None:
        """NRR tertimbang (NRR x 1/9) to three decimals, for display only."""
        return _round(self.nrr / len(ELEMENT_KEYS), THOUSANDTH) if self.answers else None


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    elements: tuple[ElementScore, ...]
    index: Decimal | None       # sum of weighted NRR, 1-4 (four decimals)
    ikm: Decimal | None         # converted, 25-100 (two decimals)
    quality: Quality | None

    def as_dict(self) -> dict:
        """JSON-friendly form, frozen into approved recaps."""
        return {"respondents": self.respondents,
                "ikm": str(self.ikm) if self.ikm is not None else None,
                "grade": self.quality.grade if self.quality else None,
                "performance": self.quality.performance if self.quality else None,
                "elements": [{"key": e.key, "answers": e.answers,
                              "nrr": str(e.nrr_rounded) if e.answers else None} for e in self.elements]}


def compute_ikm(respondents: int, totals: Mapping[str, tuple[int, int]]) -> IkmResult:
    """IKM from per-element (answers, total score) pairs; None values when nobody answered.

    Every element of the regulation must be answered for an IKM: an element with no answers
    leaves the index undefined rather than silently weighting the others more.
    """
    elements = tuple(ElementScore(key, *totals.get(key, (0, 0))) for key in ELEMENT_KEYS)
    if respondents == 0 or any(e.answers == 0 for e in elements):
        return IkmResult(respondents, elements, None, None, None)
    weight = Fraction(1, len(ELEMENT_KEYS))
    index = sum((e.nrr * weight for e in elements), Fraction(0))
    ikm = _round(index * BASE_VALUE, CENT)
    return IkmResult(respondents, elements, _round(index, Decimal("0.0001")), ikm, quality_of(ikm))
