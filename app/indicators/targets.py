"""Yearly targets: the admin's figure for the year, else the latest earlier year's, else the default."""
from app.indicators.definitions import INDICATORS
from app.indicators.models import IndicatorTarget


def targets_for(year: int) -> dict[str, tuple[float, int | None]]:
    """{indicator: (target, year it was set for or None for the built-in default)}."""
    found = {i.key: (i.default_target, None) for i in INDICATORS}
    rows = (IndicatorTarget.select().where(IndicatorTarget.year <= year)
            .order_by(IndicatorTarget.year))  # later years overwrite earlier ones
    for row in rows:
        if row.indicator in found:
            found[row.indicator] = (row.target, row.year)
    return found
