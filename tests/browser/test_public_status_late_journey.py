"""Issue 71, finding 1, in the browser: two applications registered at the counter, one five weeks past its
promised date and one not yet, synced to the real center; a phone (no script) opens each one's /cek. The late
one says "terlambat N hari kerja" as the office's own register counts it (its day off, entered on the calendar
page, not counted), what the office does, its telephone from the office settings and the Ombudsman; the other
says nothing of lateness."""
import subprocess
import sys
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.frame.dates import local_today
from app.frame.roles import ADMIN, LOKET
from tests.browser.helpers import ROOT, axe_violations, logout, new_context, photo_file, sync_now
from tests.support.factory import person_nik

harness = pytest.importorskip("tests.sync.harness", reason="sync test harness not in this build yet")
PHONE = {"width": 360, "height": 640}


@pytest.fixture
def center(tmp_path):
    from tests.sync.conftest import NO_PG, PG_URL
    from tests.support.center_postgres import fresh_center_database
    if not PG_URL:
        pytest.skip(NO_PG)
    fresh_center_database(PG_URL)
    _, code = harness.prepare_center(tmp_path / "center", PG_URL)
    server = harness.CenterServer(tmp_path / "center", PG_URL).start()
    yield server, code
    server.stop()


def enrol(live, center_server, enrolment_code: str) -> None:
    """The office enrolled with the real center as its admin's command does it (`run.py sync enrol`)."""
    enrolled = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(live.data), "enrol",
                               "--center", center_server.url, "--code", enrolment_code], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr


def _born(n: int) -> str:
    """The birth date person_nik(n) carries (its digits 7-12: day, month, year 1990)."""
    nik = person_nik(n)
    return f"19{nik[10:12]}-{nik[8:10]}-{nik[6:8]}"


def _register(live, tmp_path, n: int, promised_days_ago: int | None) -> tuple[str, str, str]:
    """(number, check code, the office register's lateness words) of a complete application; its promised
    date moved `promised_days_ago` into the past, as weeks of waiting would leave it."""
    from app.frame import store
    from app.frame.applicant_photo import normalise_photo
    from app.frame.db import database
    from app.public_status import records as public_records
    from app.public_status.models import PublicStatus
    from app.registration import intake, records, service_time
    from app.registration.status import S, transition
    from app.registration.views import desa_list
    with live.db():
        store.put("phone", "(0334) 881234")  # the office's telephone, as the admin sets it in Pengaturan Kantor
        clean, errors, _ = intake.validate_application({
            "nik": person_nik(700 + n), "kk_number": "3508071203110021", "full_name": "Slamet Riyadi",
            "birth_place": "Lumajang", "birth_date": _born(700 + n), "sex": "L", "address": "Dusun Tegalrejo",
            "rt": "2", "rw": "3", "desa": "Yosowilangun Lor", "religion": "Islam", "marital_status": "Kawin",
            "occupation": "Pedagang", "reason": "rusak", "biometric_done": "1"}, desa_list(), local_today())  # the office's day (WIB), not this machine's
        assert not errors, errors
        application = records.create_application(clean, normalise_photo(photo_file(tmp_path, seed=n).read_bytes()))
        with database.atomic():
            transition(application, S.COMPLETE)
            if promised_days_ago is not None:
                application.promised_date = service_time.office_today() - timedelta(days=promised_days_ago)
                application.save()
                public_records.application_changed(application)
        label = service_time.days_left_label(service_time.days_left(application.promised_date))
        code = PublicStatus.get(PublicStatus.number == application.registration_number).check_code
        return application.registration_number, code, label


def test_cek_tells_a_late_application_that_it_is_late_and_an_on_time_one_nothing(page, browser, live, login, center,
                                                                                  tmp_path):
    center_server, enrolment_code = center
    enrol(live, center_server, enrolment_code)
    # The office was closed on a working day since the late one's promise (a local event): its admin entered
    # it on the calendar page, and the register counts the lateness without it; so must /cek.
    from app.frame.working_days import WorkCalendar
    from app.registration import service_time
    with live.db():
        today = service_time.office_today()
    national = WorkCalendar()
    day_off = next(today - timedelta(days=n) for n in range(2, 30) if national.is_working_day(today - timedelta(days=n)))
    login(page, ADMIN)
    page.goto("/admin/hari-libur")
    page.get_by_role("textbox", name="Tanggal", exact=True).fill(day_off.isoformat())
    page.get_by_label("Jenis").select_option(label="Kantor tutup")
    page.get_by_role("textbox", name="Keterangan", exact=True).fill("Pawai budaya kecamatan")
    page.get_by_role("button", name="Tambah").click()
    expect(page.get_by_role("cell", name="Pawai budaya kecamatan")).to_be_visible()
    logout(page)
    late_number, late_code, late_label = _register(live, tmp_path, 1, promised_days_ago=37)
    on_time_number, on_time_code, _ = _register(live, tmp_path, 2, promised_days_ago=None)
    national_late = -national.working_days_between(today, today - timedelta(days=37))
    assert late_label == f"terlambat {national_late - 1} hari kerja"  # the day off is not counted
    login(page, LOKET)
    expect(sync_now(page).locator(".flash-success")).to_be_visible()

    phone_context = new_context(browser, center_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        phone = phone_context.new_page()
        phone.goto(f"/cek?n={late_number}&k={late_code}")
        expect(phone.locator(".promised")).to_contain_text(f"({late_label})")  # the office's own words
        late_days = late_label.split()[1]
        expect(phone.locator(".next-step")).to_contain_text(
            f"Tanggal janji sudah lewat {late_days} hari kerja dan KTP-el Anda belum siap diambil.")
        expect(phone.locator(".next-step")).to_contain_text("Ombudsman Republik Indonesia")
        expect(phone.locator(".next-step")).not_to_contain_text("Belum ada yang perlu Anda lakukan")
        expect(phone.get_by_role("link", name="(0334) 881234")).to_be_visible()
        late_url = phone.url

        phone.goto(f"/cek?n={on_time_number}&k={on_time_code}")
        expect(phone.locator(".promised")).to_contain_text("Janji selesai")
        expect(phone.locator(".promised")).not_to_contain_text("terlambat")
        expect(phone.locator(".next-step")).to_contain_text("Belum ada yang perlu Anda lakukan")
        expect(phone.locator("main")).not_to_contain_text("Ombudsman")
    finally:
        phone_context.close()
    checker_context = new_context(browser, late_url, viewport=PHONE)
    try:
        checker = checker_context.new_page()
        checker.goto(late_url)
        assert axe_violations(checker) == []
    finally:
        checker_context.close()
