"""The indicators' one change: the admin's yearly targets, written with their audit row in one transaction."""
from app.frame import audit, versions
from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.db import database
from app.indicators.definitions import INDICATORS
from app.indicators.models import IndicatorTarget
from app.indicators.targets import shown, targets_for

LABELS = {i.key: i.name for i in INDICATORS}


@act("ubah")
def save_targets(year: int, values: dict[str, float], read=None) -> versions.Conflict | None:
    """The year's checked targets, unless another admin changed what the form showed since `read` (the
    posted form, with the version it was read at) was read: then the conflict, nothing saved."""
    with database.atomic():  # read again under the write lock: another admin's save may have come first
        current = targets_for(year)
        if read is not None:
            conflict = versions.conflict(read, {key: shown(target) for key, (target, _) in current.items()},
                                         {key: shown(value) for key, value in values.items()}, LABELS)
            if conflict:
                return nothing_done(conflict)
        now = utc_now()
        for key, value in values.items():
            (IndicatorTarget.insert(year=year, indicator=key, target=value, updated_at=now)
             .on_conflict(conflict_target=[IndicatorTarget.year, IndicatorTarget.indicator],
                          update={IndicatorTarget.target: value, IndicatorTarget.updated_at: now}).execute())
        audit.record("ubah", "target_indikator", year, f"Target indikator layanan tahun {year} diubah",
                     {k: v[0] for k, v in current.items()}, values)
    return None
