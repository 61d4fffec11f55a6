"""The end of journey 5 of issue 7: the card is back from the printing center, the clerk sees
"Siap diambil", hands it to a representative and prints the tanda terima.

Until sync lands in main, the steps at the center (sent, received, printed, shipped) are made
by the app's own status code, as the sync will make them.
"""

from playwright.sync_api import expect

from app.frame.dates import local_today
from app.frame.roles import LOKET
from tests.browser.helpers import fit_problems, pdf_of, screenshot


def _application_back_from_the_center(live, full_name, nik):
    from app.frame.db import database
    from app.registration import intake, records
    from app.registration.status import S, transition
    from app.registration.views import desa_list
    with live.db():
        clean, errors, _ = intake.validate_application({
            "nik": nik, "kk_number": "3508071203110009", "full_name": full_name, "birth_place": "Lumajang",
            "birth_date": "1985-03-07", "sex": "L", "address": "Dusun Kebonan", "rt": "4", "rw": "1",
            "desa": "Yosowilangun Lor", "religion": "Islam", "marital_status": "Kawin", "occupation": "Nelayan",
            "reason": "hilang", "biometric_done": "1"}, desa_list(), local_today())  # the office's day (WIB), not this machine's
        assert not errors, errors
        application = records.create_application(clean)
        with database.atomic():
            for step in (S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED):
                transition(application, step)
        return application.registration_number


def test_clerk_marks_ready_and_hands_over_with_tanda_terima(page, live, login):
    number = _application_back_from_the_center(live, "Mochamad Hasan Basri", "3508070703850011")
    login(page, LOKET)
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Pendaftaran KTP-el").click()
    page.get_by_label("Cari NIK, nama atau nomor").press_sequentially("hasan", delay=30)
    row = page.locator("#register-results tbody tr", has_text=number)
    expect(row).to_contain_text("Dikirim ke kecamatan")
    row.get_by_role("link", name=number).click()

    page.get_by_label("Status baru").select_option(label="Siap diambil")
    page.get_by_role("button", name="Tandai").click()
    expect(page.locator(".status").first).to_have_text("Siap diambil")
    expect(page.get_by_role("heading", name="Serahkan KTP-el")).to_be_visible()
    assert fit_problems(page) == []
    screenshot(page, "handover-ready")

    # A representative collects it; the relation is forgotten first.
    page.get_by_label("Wakil (dengan identitas)").check()
    page.get_by_label("Nama wakil").fill("Siti Aminah")
    page.get_by_label("NIK wakil").fill("3508074508870002")
    page.get_by_role("button", name="Serahkan dan cetak tanda terima").click()
    expect(page.locator("#e-relation")).to_contain_text("hubungan")
    expect(page.get_by_label("Nama wakil")).to_have_value("Siti Aminah")
    page.get_by_label("Hubungan dengan pemohon").fill("istri")
    page.get_by_role("button", name="Serahkan dan cetak tanda terima").click()
    expect(page.get_by_role("heading", name="TANDA TERIMA KTP-el")).to_be_visible()
    expect(page.get_by_text("KTP-el diserahkan.")).to_be_visible()
    screenshot(page, "handover-tanda-terima")

    receipt = pdf_of(page, name="tanda-terima")
    assert receipt.pages == 1
    assert receipt.overflow == []
    words = " ".join(receipt.text.split())
    for text in ("KECAMATAN YOSOWILANGUN", "TANDA TERIMA KTP-el", number, "Mochamad Hasan Basri",
                 "3508070703850011", "Siti Aminah (istri pemohon, NIK 3508074508870002)", "Yang menerima"):
        assert text in words, text
    assert "Kembali" not in words

    page.goto("/pendaftaran?q=hasan")
    expect(page.locator("#register-results tbody tr", has_text=number)).to_contain_text("Sudah diserahkan")
