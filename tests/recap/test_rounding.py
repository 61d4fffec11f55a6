"""One rounding rule for every printed percentage and index: half up on the exact value."""
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from app.frame.rounding import decimal_text, half_up, percent_text
from tests.support.factory import complaint_row


@pytest.mark.parametrize("part, whole, text", [
    (13, 16, "81,3%"),   # 81,25: half-even on a float gave 81,2
    (1, 16, "6,3%"),     # 6,25
    (1, 8, "12,5%"),
    (2, 19, "10,5%"),    # 10,526...
    (6, 7, "85,7%"),     # 85,714...
    (2, 3, "66,7%"),
    (0, 5, "0,0%"),
    (0, 0, "–"),
])
def test_percentages_round_half_up_on_the_exact_share(part, whole, text):
    assert percent_text(part, whole) == text


def test_indexes_round_half_up_on_exact_decimals():
    assert decimal_text(Decimal("88.305"), 2) == "88,31"
    assert decimal_text(Fraction(1, 8), 2) == "0,13"         # 0,125
    assert decimal_text(2.675, 2) == "2,68"                  # the float 2.675 is 2.67499... in binary
    assert half_up(Fraction(153, 2), 0) == Decimal("77")     # 76,5
    assert decimal_text(None) == "–"


def test_the_recap_prints_13_of_16_as_81_3_percent(client_for, db):
    for n in range(16):
        followed = datetime(2025, 1, 8, 3) if n < 13 else None
        complaint_row(datetime(2025, 1, 6, 3), followed_up_at=followed, status="selesai" if followed else "baru")
    page = client_for("camat").get("/rekap/2025/1").get_data(as_text=True)
    assert "13 (81,3%)" in page and "81,2%" not in page
