"""Indeks Kepuasan Masyarakat (IKM) from survey answers; pure functions, no Flask, no database.

Source: PermenPANRB 14/2017, Lampiran Bab IV (Metode pengolahan data):
  NRR per unsur = total score of the element / number of answers to it
  NRR tertimbang = NRR x bobot; bobot = jumlah bobot / jumlah unsur = 1/X; the Lampiran's worked
  example writes it 1/9 = 0,111, and published unit reports multiply by 0,111
  IKM = sum of NRR tertimbang; IKM unit pelayanan = IKM x 25 (nilai dasar), range 25-100
  Table (nilai persepsi, nilai interval NI, nilai interval konversi, mutu, kinerja):
  1  1,00-2,5996   25,00-64,99   D Tidak Baik
  2  2,60-3,064    65,00-76,60   C Kurang Baik
  3  3,0644-3,532  76,61-88,30   B Baik
  4  3,5324-4,00   88,31-100,00  A Sangat Baik
Minimum sample: the Krejcie & Morgan (1970) table reproduced in the same Lampiran (Bab III).

The weight is the text's formula by default: bobot = 1/X, exactly 1/9 for nine unsur (so a perfect
survey scores 100,00, the top of the table). The worked example's 0,111, which regency reports
print ("dikalikan 0,111"), is the admin's choice (setting ikm_weight) so an office can match them;
the weight used is named on every IKM page and printout. The converted IKM is rounded once, half up, two
decimals, and the grade follows that published figure against the table's converted intervals: an NI of
3,0643 publishes as 76,61, which the table calls B, so it is B on every page, print and report, as the
center grades the regency's IKM (issue 43: the office printed "76,61 · Mutu C" under a table saying
B is 76,61-88,30).
"""
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from app.frame.ikm_grades import QUALITIES, Quality, quality_of_published  # noqa: F401  (pages read them here)
from app.frame.rounding import half_up
from app.survey.elements import ELEMENT_KEYS

BASE_VALUE = 25  # nilai dasar: converts the 1-4 index to 25-100
CENT = Decimal("0.01")
THOUSANDTH = Decimal("0.001")


# The weight of each unsur: the text's exact 1/X, or the worked example's 0,111 (setting ikm_weight).
WEIGHT_EXAMPLE = "contoh"
WEIGHT_EXACT = "eksak"
WEIGHTS = {WEIGHT_EXACT: "1/9 (rumus PermenPANRB 14/2017: 1/jumlah unsur)",
           WEIGHT_EXAMPLE: "0,111 (seperti contoh perhitungan dan laporan kabupaten)"}


def weight_of(choice: str) -> Fraction:
    return Fraction(1, len(ELEMENT_KEYS)) if choice == WEIGHT_EXACT else Fraction(111, 1000)

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


def _round(value: Fraction, step: Decimal) -> Decimal:
    return half_up(value, -step.as_tuple().exponent)  # the one rounding rule (app/frame/rounding.py)


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

    def weighted(self, weight: Fraction) -> Decimal | None:
        """NRR tertimbang (NRR x bobot) to three decimals, for display only."""
        return _round(self.nrr * weight, THOUSANDTH) if self.answers else None


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    elements: tuple[ElementScore, ...]
    index: Decimal | None       # sum of weighted NRR, 1-4 (four decimals)
    ikm: Decimal | None         # converted, 25-100 (two decimals)
    quality: Quality | None
    weight: str = WEIGHT_EXACT  # which weight made it (WEIGHTS)

    @property
    def weight_label(self) -> str:
        return WEIGHTS[self.weight]

    @property
    def weighted(self) -> list[Decimal | None]:
        """Each element's NRR tertimbang with this result's weight, in element order."""
        return [e.weighted(weight_of(self.weight)) for e in self.elements]

    def as_dict(self) -> dict:
        """JSON-friendly form, frozen into approved recaps."""
        return {"respondents": self.respondents, "weight": self.weight,
                "ikm": str(self.ikm) if self.ikm is not None else None,
                "grade": self.quality.grade if self.quality else None,
                "performance": self.quality.performance if self.quality else None,
                "elements": [{"key": e.key, "answers": e.answers,
                              "nrr": str(e.nrr_rounded) if e.answers else None} for e in self.elements]}


def compute_ikm(respondents: int, totals: Mapping[str, tuple[int, int]], weight: str = WEIGHT_EXACT) -> IkmResult:
    """IKM from per-element (answers, total score) pairs with the chosen weight; None values when
    nobody answered.

    Every element of the regulation must be answered for an IKM: an element with no answers
    leaves the index undefined rather than silently weighting the others more.
    """
    elements = tuple(ElementScore(key, *totals.get(key, (0, 0))) for key in ELEMENT_KEYS)
    if respondents == 0 or any(e.answers == 0 for e in elements):
        return IkmResult(respondents, elements, None, None, None, weight)
    # Σ NRR x bobot exactly, with one reduction at the end (a Fraction per unsur cost a gcd each, ~10 IKMs a view)
    numerator, denominator = 0, 1
    for e in elements:
        numerator, denominator = numerator * e.answers + e.total * denominator, denominator * e.answers
    bobot = weight_of(weight)
    index = Fraction(numerator * bobot.numerator, denominator * bobot.denominator)
    ikm = _round(index * BASE_VALUE, CENT)
    return IkmResult(respondents, elements, _round(index, Decimal("0.0001")), ikm, quality_of_published(ikm), weight)
