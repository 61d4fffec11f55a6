"""The office calendar's changes at the admin's page: each writes its days, moves the calendar's
generation (promises computed over it are read again) and records its audit row, in one transaction."""
from app.frame import audit
from app.frame.office_calendar import OfficeDay
from app.frame.office_calendar import CLOSED, REOPENED, bump_generation, decree_entered, office_calendar
from app.frame import store
from app.frame.audit_rule import act
from app.frame.dates import utc_now
from app.frame.db import database

KIND_LABELS = {CLOSED: "Kantor tutup", REOPENED: "Kantor tetap buka"}


@act("tambah")
def add_day(day, form: dict, username: str) -> None:
    """A checked day the office is closed or stays open (`form`: day as typed, kind, name)."""
    with database.atomic():
        OfficeDay.create(day=day, kind=form["kind"], name=form["name"], created_by=username, created_at=utc_now())
        bump_generation(day)
        audit.record("tambah", "hari_libur", day.isoformat(), f"{KIND_LABELS[form['kind']]}: {form['name']}",
                     after=form)


@act("hapus")
def remove_day(row: OfficeDay) -> None:
    with database.atomic():
        day = row.day.isoformat()
        before = {"day": day, "kind": row.kind, "name": row.name}
        row.delete_instance()
        bump_generation(row.day)
        audit.record("hapus", "hari_libur", day, f"Koreksi kalender dihapus: {row.name}", before=before)


@act("ubah")
def enter_decree(year: int, days: list[tuple], username: str) -> dict:
    """A year's cuti bersama from the SKB: the year is no longer an estimate; the promises of open files
    counted over it are recomputed. The changed promises."""
    with database.atomic():
        old = office_calendar()
        for day, name in days:
            OfficeDay.create(day=day, kind=CLOSED, name=name, created_by=username, created_at=utc_now())
        store.put("calendar_decreed_years", sorted(set(store.get("calendar_decreed_years")) | {year}))
        bump_generation()
        changes = decree_entered(old, office_calendar())
        audit.record("ubah", "hari_libur", str(year),
                     f"Cuti bersama {year} sesuai SKB dimasukkan ({len(days)} tanggal); "
                     f"{len(changes)} tanggal janji dihitung ulang",
                     after={"cuti_bersama": {day.isoformat(): name for day, name in days}, "janji": changes})
    return changes
