"""Issue 72, findings 2 and 3, in the browser: a receipt printed before the counter PC's number changed.

Two counter PCs of one office numbered before enrolment in one series (LOKET_DEVICE_ID 01). PC A (its own
process) enrols first; the office's PC (the live app) prints a receipt, then enrols and gives its application a
new number at once. The citizen types the old receipt's number and its own check code on a phone (no script)
at the real center's /cek: it reads that the number was changed, with the office's telephone and hours, and never
the new number; the same number with another code reads the page of any mismatch. The clerk's register lists the
receipt to print again; "Cetak ulang bukti" empties the list, and the new receipt's number and code open the
record at /cek."""
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from app.frame.roles import LOKET
from tests.browser.helpers import ROOT, new_context, sync_now
from tests.browser.test_public_status_journey import PHONE, _axe_on_a_phone, _check
from tests.browser.test_public_status_late_journey import _register, enrol

harness = pytest.importorskip("tests.sync.harness", reason="sync test harness not in this build yet")
CHANGED = "Nomor pendaftaran sudah diganti"
OFFICE_PHONE = "(0334) 881234"  # the office's telephone, as _register sets it in Pengaturan Kantor

# PC A: an office PC whose first applicant was numbered before enrolment, as fill_kecamatan numbers it.
PC_A = ("import sys; from pathlib import Path; from tests.sync.harness import kecamatan_app, fill_kecamatan; "
        "print(fill_kecamatan(kecamatan_app(Path(sys.argv[1]), public_status=True), 1)[0])")


@pytest.fixture
def center(tmp_path):
    """The center on SQLite, served by its own process; a second enrolment code made as its admin's page makes it."""
    center_app, code = harness.prepare_center(tmp_path / "center")
    server = harness.CenterServer(tmp_path / "center").start()

    def next_code() -> str:
        from sync.center import keys
        from sync.center.models import Kecamatan
        with center_app.extensions["center_database"].connection_context():
            return keys.new_enrolment_code(Kecamatan.get(Kecamatan.code == harness.KECAMATAN_CODE))
    yield server, code, next_code
    server.stop()


def _run(*args) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_old_receipt_reads_changed_at_cek_until_the_clerk_hands_out_the_new_one(page, browser, live, login, center,
                                                                                    tmp_path):
    center_server, first_code, next_code = center
    pc_a = tmp_path / "pc-a"
    held_by_a = _run("-c", PC_A, str(pc_a)).strip()
    _run(str(ROOT / "run.py"), "sync", "--data", str(pc_a), "enrol", "--center", center_server.url, "--code", first_code)
    _run(str(ROOT / "run.py"), "sync", "--data", str(pc_a))  # A's applicant is the center's under that number

    # The office's PC, not enrolled yet: the citizen's receipt carries the number and its check code.
    old_number, _, _ = _register(live, tmp_path, 1, promised_days_ago=None)
    assert old_number == held_by_a  # one series, two people
    from app.registration.models import Application
    with live.db():
        application_id = Application.get(Application.registration_number == old_number).id
    login(page, LOKET)
    page.goto(f"/pendaftaran/{application_id}/bukti")
    slip = page.locator(".public-track")
    expect(slip.locator(".public-track-number")).to_have_text(old_number)
    code = slip.locator(".public-track-code").inner_text().strip()

    enrol(live, center_server, next_code())  # the number was A's first: this PC gives a new one at once
    with live.db():
        new_number = Application.get_by_id(application_id).registration_number
    assert new_number != old_number
    expect(sync_now(page).locator(".flash-success")).to_be_visible()

    phone_context = new_context(browser, center_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        phone = phone_context.new_page()
        _check(phone, old_number, code)  # the old receipt, typed
        changed = phone.locator("#changed-title").locator("..")
        expect(phone.get_by_role("heading", name=CHANGED)).to_be_visible()
        expect(changed).to_contain_text("Kantor Kecamatan Yosowilangun")
        expect(changed.get_by_role("link", name=OFFICE_PHONE)).to_be_visible()
        expect(changed).to_contain_text("Jam layanan:")
        expect(phone.locator("main")).not_to_contain_text(new_number)
        expect(phone.locator(".step")).to_have_count(0)  # nothing of the record, nor of A's applicant
        expect(phone.locator("main")).not_to_contain_text("tidak cocok")
        assert _axe_on_a_phone(browser, f"{center_server.url}/cek?n={old_number}&k={code}") == []

        wrong = "".join(sorted(set("23456789ABCDEFGHJKMNPQRSTWXYZ") - set(code)))[:6]
        _check(phone, old_number, wrong)  # the same number, another code: any mismatch
        expect(phone.get_by_role("alert")).to_contain_text("Nomor atau kode cek tidak cocok")
        expect(phone.get_by_role("heading", name=CHANGED)).to_have_count(0)

        # The clerk's register lists the receipt; printing it again empties the list.
        page.goto("/pendaftaran")
        listed = page.locator("#cetak-ulang")
        expect(listed).to_contain_text("Nomor diganti, bukti belum dicetak ulang (1)")
        expect(listed).to_contain_text(old_number)
        expect(listed).to_contain_text(new_number)
        with page.context.expect_page() as opened:  # the receipt opens in its own tab, to print
            listed.get_by_role("button", name="Cetak ulang bukti").click()
        receipt = opened.value
        expect(receipt).to_have_url(f"{live.url}/pendaftaran/{application_id}/bukti")
        slip = receipt.locator(".public-track")
        expect(slip.locator(".public-track-number")).to_have_text(new_number)
        new_code = slip.locator(".public-track-code").inner_text().strip()
        receipt.close()
        page.goto("/pendaftaran")
        expect(page.get_by_text("Nomor diganti, bukti belum dicetak ulang")).to_have_count(0)

        _check(phone, new_number, new_code)  # the new receipt opens the record
        expect(phone.locator(".step")).to_have_text("Berkas lengkap, sedang diproses Dukcapil")
        expect(phone.get_by_role("heading", name=CHANGED)).to_have_count(0)
    finally:
        phone_context.close()
