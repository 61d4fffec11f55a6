"""How every percentage and index is rounded and written: one rule, in one place.

Half up on the exact decimal value (never a binary float), as official tables print: 81,25 %
is "81,3%", not Python's half-even "81,2%". PermenPANRB 14/2017 prints the IKM the same way.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from numbers import Rational


def half_up(value, places: int) -> Decimal:
    """`value` (int, Fraction, Decimal, or a decimal string) rounded half up to `places` decimals."""
    if isinstance(value, Rational) and not isinstance(value, int):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        # Decimal division is exact to 28 digits; enough for any count this office will hold.
    else:
        exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def share(part: int, whole: int) -> Fraction | None:
    """part / whole x 100 exactly, None when there is nothing to divide by."""
    return Fraction(100 * part, whole) if whole else None


def decimal_text(value, places: int = 1) -> str:
    """Indonesian decimal comma, rounded half up: 81.25 -> '81,3'; None -> '–'."""
    if value is None:
        return "–"
    return f"{half_up(value, places):f}".replace(".", ",")


def percent_text(part: int, whole: int, places: int = 1) -> str:
    """'81,3%' for 13 of 16; '–' when whole is 0. The same half up on the exact share, in whole
    numbers: a Fraction and two Decimals took 2.9 us, ~50 a view of the indicators (issue 73)."""
    if not whole:
        return "–"
    scaled, rest = divmod(abs(100 * part) * 10 ** places, abs(whole))
    scaled += 2 * rest >= abs(whole)  # half up: away from zero, as ROUND_HALF_UP
    digits = f"{scaled:0{places + 1}d}"
    sign = "-" if (part < 0) != (whole < 0) and part else ""
    return f"{sign}{digits[:-places]},{digits[-places:]}%" if places else f"{sign}{digits}%"
