"""A day the admin closes or opens on the office calendar rebuilds the public records it can change, in a few
reads whatever their number (issue 73): a record lists the office's days after its promise, so only the
applications promised before the day are made again, and their former numbers (issue 72) are read for all of
them at once. Before, every application in service was made again, each with its own read of the audit
trail: 0.19 s of CPU at 1,000 and 2.2 s at 10,000, now 0.04 and 0.72 s (docs/benchmarks.md, "Public records
after a calendar change")."""
import json
from datetime import timedelta

from app.frame import audit, store
from app.frame.db import database
from app.frame.working_days import WorkCalendar
from app.public_status.models import PublicStatus as KecamatanPublicStatus
from app.registration.models import Application
from sync import public_status as vocabulary
from sync.client import engine
from sync.client.models import OutboxItem
from tests.sync.test_client import client_of, kecamatan, run  # noqa: F401  (kecamatan is a fixture)
from tests.sync.test_public_status import FIRST, code_of, page

SECOND, THIRD = "350807-01-000002", "350807-01-000003"
FORMER = "350807-01-000099"


def _promise(number: str, promised) -> None:
    from app.public_status import records as public_records
    with database.atomic():
        application = Application.get(Application.registration_number == number)
        application.promised_date = promised
        application.save()
        public_records.application_changed(application)


def _working_day_back(days: int):
    from app.registration.service_time import office_today
    day, national = office_today() - timedelta(days=days), WorkCalendar()
    while not national.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _close(day) -> None:
    from app.calendar import records as calendar_records
    calendar_records.add_day(day, {"day": day.isoformat(), "kind": "tutup", "name": "Pawai budaya kecamatan"}, "admin")


def _reads_while(fn) -> list[str]:
    statements = []
    connection = database.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: statements.append(sql) or True)
    try:
        fn()
    finally:
        connection.set_exec_trace(None)
    return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]


def _waiting_record(number: str) -> dict:
    row = (OutboxItem.select().where((OutboxItem.kind == vocabulary.KIND)
                                     & (OutboxItem.registration_number == vocabulary.wire_key(number))
                                     & (OutboxItem.state == "pending")).order_by(OutboxItem.id.desc()).first())
    return json.loads(row.record_json) if row else {}


def test_a_calendar_change_rebuilds_its_records_in_as_many_reads_for_three_as_for_one(kecamatan):
    def check():
        from app.calendar import records as calendar_records
        from app.frame.office_calendar import OfficeDay
        _promise(FIRST, _working_day_back(30))
        _promise(SECOND, None)  # no promise yet: out of the calendar's reach, until promised below
        _promise(THIRD, None)
        with database.atomic():  # the center gave FIRST a new number once: the audit row /cek's "previous" reads
            audit.record("ubah_nomor", "permohonan_ktp", Application.get(Application.registration_number == FIRST).id,
                         "nomor diganti pusat", before={"registration_number": FORMER},
                         after={"registration_number": FIRST})
        day = _working_day_back(5)
        one = _reads_while(lambda: _close(day))
        _promise(SECOND, _working_day_back(25))
        _promise(THIRD, _working_day_back(20))
        calendar_records.remove_day(OfficeDay.get_by_id(day))
        three = _reads_while(lambda: _close(day))
        return one, three, _waiting_record(FIRST), _waiting_record(THIRD)
    one, three, first, third = run(kecamatan, check)
    assert len(three) == len(one), "\n".join(three)
    # Each rebuilt record holds the day and its own former numbers, read for all of them at once.
    assert first["days_off"] == third["days_off"] == [_working_day_back(5).isoformat()]
    assert [number for number, _ in first["previous"]] == [FORMER] and "previous" not in third


def test_a_closed_day_rebuilds_the_records_promised_before_it_and_cek_counts_it(kecamatan, center_app, center_db):
    """Promised the day before the closed day: its record lists it; promised on the day itself: the day is not
    after its promise, so its record stays as it went (the office's hours changed since, in Pengaturan Kantor,
    ride only with a record made again). /cek counts both as the register does."""
    from app.registration import service_time
    day = _working_day_back(10)
    run(kecamatan, lambda: (_promise(FIRST, day - timedelta(days=1)), _promise(SECOND, day)))
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""

    def close():
        with database.atomic():
            store.put("office_hours", "Senin–Jumat 07.30–15.00")
        steps = {row.number: row.step for row in KecamatanPublicStatus.select()}
        _close(day)
        return steps, {row.number: row.step for row in KecamatanPublicStatus.select()}
    before, after = run(kecamatan, close)
    assert after[FIRST] == before[FIRST] + 1 and after[SECOND] == before[SECOND]
    assert run(kecamatan, lambda: _waiting_record(FIRST))["days_off"] == [day.isoformat()]
    assert run(kecamatan, lambda: _waiting_record(SECOND)) == {}
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    national = WorkCalendar()
    for number, promised, days_off in ((FIRST, day - timedelta(days=1), 1), (SECOND, day, 0)):
        register = run(kecamatan, lambda: service_time.days_left_label(service_time.days_left(promised)))
        late = -national.working_days_between(service_time.office_today(), promised) - days_off
        assert register == f"terlambat {late} hari kerja", (number, register)
        status, body = page(center_app, number, code_of(kecamatan, number))
        assert status == 200 and f"({register})" in body, (number, register)
    assert "Senin–Jumat 07.30–15.00" in page(center_app, FIRST, code_of(kecamatan, FIRST))[1]
