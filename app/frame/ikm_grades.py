"""Mutu and kinerja of an IKM by PermenPANRB 14/2017's table: one copy for the office's survey pages
(app/survey/ikm.py) and the regency's combined IKM at the center (sync/center/performance.py). The grade
follows the published, rounded IKM (25-100) against the table's converted intervals (issue 43)."""
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Quality:
    grade: str           # mutu pelayanan A-D
    performance: str     # kinerja unit pelayanan
    lower: Decimal       # lowest converted IKM of the grade (nilai interval konversi)
    lower_index: Decimal  # lowest NI of the grade (nilai interval, 1-4), as the table prints it


# PermenPANRB 14/2017 Lampiran Bab IV, tabel nilai persepsi, interval IKM, konversi, mutu, kinerja.
QUALITIES = (
    Quality("A", "Sangat Baik", Decimal("88.31"), Decimal("3.5324")),
    Quality("B", "Baik", Decimal("76.61"), Decimal("3.0644")),
    Quality("C", "Kurang Baik", Decimal("65.00"), Decimal("2.60")),
    Quality("D", "Tidak Baik", Decimal("25.00"), Decimal("1.00")),
)


def quality_of_published(ikm: Decimal) -> Quality:
    """Mutu pelayanan for a published IKM (25-100, two decimals) against the table's converted intervals."""
    for quality in QUALITIES:
        if ikm >= quality.lower:
            return quality
    return QUALITIES[-1]
