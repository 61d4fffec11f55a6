"""Journey 5 of issue 7 with both ends running: the clerk presses "Sinkronkan sekarang" and
watches the progress bar finish; the operator at the printing center marks the run printed
and shipped; after the next sync the clerk sees the card coming, marks it "Siap diambil" when
it arrives and hands it over with a printed tanda terima."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from app.frame.dates import local_today
from app.frame.roles import LOKET
from tests.browser.helpers import ROOT, fit_problems, new_context, pdf_of, photo_file, screenshot, sign_in, sync_now

pytest.importorskip("sync.client.engine", reason="sync with the printing center not in this build yet")
harness = pytest.importorskip("tests.sync.harness", reason="sync test harness not in this build yet")


@pytest.fixture
def center(tmp_path):
    _, code = harness.prepare_center(tmp_path / "center")
    server = harness.CenterServer(tmp_path / "center").start()
    yield server, code
    server.stop()


def _complete_application(live, tmp_path, full_name, nik):
    from app.frame.db import database
    from app.registration import intake, records
    from app.frame.applicant_photo import normalise_photo
    from app.registration.status import S, transition
    from app.registration.views import desa_list
    with live.db():
        clean, errors, _ = intake.validate_application({
            "nik": nik, "kk_number": "3508071203110021", "full_name": full_name, "birth_place": "Lumajang",
            "birth_date": "1979-08-17", "sex": "L", "address": "Dusun Tegalrejo", "rt": "2", "rw": "3",
            "desa": "Yosowilangun Lor", "religion": "Islam", "marital_status": "Kawin", "occupation": "Pedagang",
            "reason": "rusak", "biometric_done": "1"}, desa_list(), local_today())  # the office's day (WIB), not this machine's
        assert not errors, errors
        photo = normalise_photo(photo_file(tmp_path, seed=5).read_bytes())
        application = records.create_application(clean, photo)
        with database.atomic():
            transition(application, S.COMPLETE)
        return application.registration_number


def test_sync_print_ship_and_hand_over(page, browser, live, login, center, tmp_path):
    center_server, code = center
    enrol = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(live.data), "enrol",
                            "--center", center_server.url, "--code", code], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert enrol.returncode == 0, enrol.stdout + enrol.stderr
    number = _complete_application(live, tmp_path, "Slamet Riyadi", "3508071708790003")

    login(page, LOKET)
    page.goto("/sinkronisasi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sinkronisasi dengan pusat cetak")
    assert fit_problems(page) == []
    progress = sync_now(page, shot="sync-running")
    expect(progress.locator(".flash-success")).to_be_visible()
    screenshot(page, "sync-finished")
    page.goto(f"/pendaftaran?q={number}")
    expect(page.locator("#register-results tbody tr", has_text=number)).to_contain_text("Diterima Dukcapil")
    # The search's "mencari…" is hidden while nothing runs: not read out to a screen reader (not just transparent)
    expect(page.locator("#search-busy")).to_be_hidden()

    # At the printing center, in another browser: print run, printed, shipped.
    operator = new_context(browser, center_server.url)
    try:
        center_page = sign_in(operator.new_page(), "operator", "operator-rahasia-1")
        center_page.goto("/cetak")
        center_page.get_by_label(f"Pilih {number}").check()
        center_page.get_by_role("button", name="Buat daftar cetak dari yang dipilih").click()
        expect(center_page.get_by_role("heading", level=1)).to_contain_text("Daftar cetak KTP-el")
        center_page.get_by_role("button", name=re.compile("^Tandai dicetak")).click()
        expect(center_page.get_by_text(re.compile(r"1 permohonan ditandai dicetak"))).to_be_visible()
        screenshot(center_page, "center-printed")
        center_page.goto("/kirim")
        center_page.get_by_role("button", name=re.compile("^Tandai dikirim")).click()
        expect(center_page.get_by_text("Daftar kirim KTP-el")).to_be_visible()
        expect(center_page.get_by_text(number)).to_be_visible()
        screenshot(center_page, "center-shipped")
    finally:
        operator.close()

    # Back at the kecamatan: the next sync brings the statuses; the card arrives; handed over.
    expect(sync_now(page).locator(".flash-success")).to_be_visible()
    page.goto(f"/pendaftaran?q={number}")
    row = page.locator("#register-results tbody tr", has_text=number)
    expect(row).to_contain_text("Dikirim ke kecamatan")
    row.get_by_role("link", name=number).click()
    page.get_by_label("Status baru").select_option(label="Siap diambil")
    page.get_by_role("button", name="Tandai").click()
    expect(page.locator(".status").first).to_have_text("Siap diambil")
    page.get_by_label("Pemohon sendiri").check()
    page.get_by_role("button", name="Serahkan dan cetak tanda terima").click()
    expect(page.get_by_role("heading", name="TANDA TERIMA KTP-el")).to_be_visible()
    receipt = pdf_of(page, name="sync-tanda-terima")
    assert receipt.pages == 1 and receipt.overflow == []
    words = " ".join(receipt.text.split())
    assert number in words and "Slamet Riyadi (pemohon sendiri)" in words
