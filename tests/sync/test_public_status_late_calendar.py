"""A late KTP-el's working days at /cek are counted on the office's own calendar (issue 71): the center counted
on the national calendar only, so an office closed for a local day between the promise and today had its
register say one day fewer than /cek. The record carries the office's corrections from the promised date on;
the center counts with them through the one working-day rule (app/frame/working_days.py)."""
from datetime import timedelta

from app.frame.working_days import WorkCalendar
from app.registration.models import Application
from sync.client import engine
from tests.support.factory import closed_day
from tests.sync.test_client import client_of, kecamatan, run  # noqa: F401  (kecamatan is a fixture)
from tests.sync.test_public_status import FIRST, code_of, page


def _late_with_a_local_day_off():
    """FIRST three weeks past its promise, the office closed on a national working day in between: the
    register's words for it and the national count."""
    from app.public_status import records as public_records
    from app.registration import service_time
    from app.frame.db import database
    today = service_time.office_today()
    promised = today - timedelta(days=21)
    national = WorkCalendar()
    day_off = next(promised + timedelta(days=n) for n in range(2, 21)
                   if national.is_working_day(promised + timedelta(days=n)))
    closed_day(day_off, "Pawai budaya kecamatan")
    with database.atomic():
        application = Application.get(Application.registration_number == FIRST)
        application.promised_date = promised
        application.save()
        public_records.application_changed(application)
    register = service_time.days_left_label(service_time.days_left(promised))
    return register, -national.working_days_between(today, promised)


def test_cek_counts_a_late_application_on_the_offices_own_calendar(kecamatan, center_app, center_db):
    register, national = run(kecamatan, _late_with_a_local_day_off)
    assert register == f"terlambat {national - 1} hari kerja"  # the office's day off is not a working day
    report = run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    assert report.error == ""
    status, body = page(center_app, FIRST, code_of(kecamatan))
    assert status == 200
    assert f"({register})" in body and f"sudah lewat {national - 1} hari kerja" in body
    assert f"terlambat {national} hari kerja" not in body


def test_a_day_off_the_admin_enters_after_the_record_went_reaches_cek_on_the_next_pass(kecamatan, center_app, center_db):
    """The office closed on a day and its admin enters it afterwards (the calendar page): the late application's
    record follows the calendar, so the next pass brings /cek the register's count again."""
    from app.calendar import records as calendar_records
    from app.registration import service_time

    def late_three_weeks():
        from app.public_status import records as public_records
        from app.frame.db import database
        promised = service_time.office_today() - timedelta(days=21)
        with database.atomic():
            application = Application.get(Application.registration_number == FIRST)
            application.promised_date = promised
            application.save()
            public_records.application_changed(application)
        return promised
    promised = run(kecamatan, late_three_weeks)
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    national = WorkCalendar()
    day_off = next(promised + timedelta(days=n) for n in range(2, 21) if national.is_working_day(promised + timedelta(days=n)))
    run(kecamatan, lambda: calendar_records.add_day(day_off, {"day": day_off.isoformat(), "kind": "tutup",
                                                             "name": "Pawai budaya kecamatan"}, "admin"))
    register = run(kecamatan, lambda: service_time.days_left_label(service_time.days_left(promised)))
    assert register == f"terlambat {-national.working_days_between(service_time.office_today(), promised) - 1} hari kerja"
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    assert f"({register})" in page(center_app, FIRST, code_of(kecamatan))[1]


def test_the_center_refuses_office_days_that_are_not_a_short_list_of_days(enrolled, center_db):
    from sync import protocol, public_status as vocabulary
    from sync.center import public_status_records as center_public
    kecamatan, _ = enrolled
    record = {"kind": "ktp", "number": "350807-1-000201", "code_digest": "a" * 64, "step": "diproses",
              "steps": [], "promised": "2026-09-01", "follow_up": "", "follow_up_due": "", "office": "Yosowilangun",
              "hours": ""}
    for days_off in (["2026-09-04"], ["4 September"], "2026-09-04", [""],
                     ["2026-09-04"] * (vocabulary.MAX_OFFICE_DAYS + 1)):
        sent = dict(record, days_off=days_off)
        header = {"id": vocabulary.wire_key(sent["number"]), "version": 1, "record": sent,
                  "hash": protocol.content_hash(sent, protocol.sha256_hex(b""))}
        outcome = center_public.store_public(kecamatan, header, b"")
        assert (outcome.result, outcome.reason) == (("stored", "") if days_off == ["2026-09-04"] else (
            "rejected", "hari libur kantor tidak sah")), days_off
