"""The indicators print ~50 percentages a view (issue 73): percent_text rounds half up on the exact share
in whole numbers, and writes what the Decimal rule writes (app/frame/rounding.py)."""
from decimal import ROUND_HALF_UP, Decimal

import pytest

from app.frame import rounding
from app.frame.rounding import percent_text


def by_decimals(part: int, whole: int, places: int) -> str:
    """The rule as written in decimals: 100 x part / whole exactly, half up (away from zero); a zero
    share has no sign."""
    exact = Decimal(100 * part) / Decimal(whole) if part else Decimal(0)
    return f"{exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}".replace(".", ",") + "%"


@pytest.mark.parametrize("places", [0, 1, 2])
def test_every_share_of_small_counts_is_written_as_the_decimal_rule(places):
    for whole in [*range(-40, 0), *range(1, 41), 2077, 19_999, 1_000_003]:
        for part in [*range(-45, 46), whole - 1, whole // 3, 7 * whole // 8, 10**6 + 1]:
            assert percent_text(part, whole, places) == by_decimals(part, whole, places), (part, whole, places)
    assert percent_text(13, 0, places) == "–"


def test_a_percentage_makes_no_fraction_and_no_decimal(monkeypatch):
    def refused(*_args, **_kwargs):
        raise AssertionError("a Fraction or Decimal made for one percentage")
    monkeypatch.setattr(rounding, "Fraction", refused)
    monkeypatch.setattr(rounding, "Decimal", refused)
    assert [percent_text(13, 16), percent_text(1, 16), percent_text(2, 3), percent_text(0, 5)] == \
        ["81,3%", "6,3%", "66,7%", "0,0%"]
