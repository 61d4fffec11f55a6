"""Yearly targets: the admin's figure for the year, else the latest earlier year's, else the default.
The admin's change of them: app/indicators/records.py."""
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


def shown(value: float) -> str:
    """A target as the form shows it (90 or 92,5)."""
    return f"{value:g}".replace(".", ",")


def shown_targets(year: int) -> dict[str, str]:
    """The year's targets as its form shows them (its version: two admins at once)."""
    return {key: shown(target) for key, (target, _) in targets_for(year).items()}
