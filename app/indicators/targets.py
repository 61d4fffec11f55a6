"""Yearly targets: the admin's figure for the year, else the latest earlier year's, else the default.
The admin's change of them: app/indicators/records.py."""
from app.frame import statements
from app.indicators.definitions import INDICATORS
from app.indicators.models import IndicatorTarget


def _targets_up_to():
    """The targets set for the year given on each run and the years before it, the later last."""
    return (IndicatorTarget.select(IndicatorTarget.indicator, IndicatorTarget.target, IndicatorTarget.year)
            .where(IndicatorTarget.year <= statements.each_run(0)).order_by(IndicatorTarget.year).tuples())


def targets_for(year: int) -> dict[str, tuple[float, int | None]]:
    """{indicator: (target, year it was set for or None for the built-in default)}; read on every view
    of the indicators, its SQL built once (peewee built it each view: 0.1 ms, issue 73)."""
    found = {i.key: (i.default_target, None) for i in INDICATORS}
    for indicator, target, set_for in statements.rows(_targets_up_to, each_run=(year,)):
        if indicator in found:  # later years overwrite earlier ones
            found[indicator] = (target, set_for)
    return found


def shown(value: float) -> str:
    """A target as the form shows it (90 or 92,5)."""
    return f"{value:g}".replace(".", ",")


def shown_targets(year: int) -> dict[str, str]:
    """The year's targets as its form shows them (its version: two admins at once)."""
    return {key: shown(target) for key, (target, _) in targets_for(year).items()}
