"""Yearly targets: the admin's figure for the year, else the latest earlier year's, else the default."""
from app import audit
from app.frame import versions
from app.frame.dates import utc_now
from app.frame.db import database
from app.indicators.definitions import INDICATORS
from app.indicators.models import IndicatorTarget

LABELS = {i.key: i.name for i in INDICATORS}


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


def save_targets(year: int, values: dict[str, float], read=None) -> versions.Conflict | None:
    """The year's checked targets, unless another admin changed what the form showed since `read` (the
    posted form, with the version it was read at) was read: then the conflict, nothing saved."""
    with database.atomic():  # read again under the write lock: another admin's save may have come first
        current = targets_for(year)
        if read is not None:
            conflict = versions.conflict(read, {key: shown(target) for key, (target, _) in current.items()},
                                         {key: shown(value) for key, value in values.items()}, LABELS)
            if conflict:
                return conflict
        now = utc_now()
        for key, value in values.items():
            (IndicatorTarget.insert(year=year, indicator=key, target=value, updated_at=now)
             .on_conflict(conflict_target=[IndicatorTarget.year, IndicatorTarget.indicator],
                          update={IndicatorTarget.target: value, IndicatorTarget.updated_at: now}).execute())
        audit.record("ubah", "target_indikator", year, f"Target indikator layanan tahun {year} diubah",
                     {k: v[0] for k, v in current.items()}, values)
    return None
