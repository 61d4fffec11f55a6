"""Issue 17 in the browser: a desa operator types the F-1.07 once; the counter scans its QR with a USB
scanner (keystrokes into a focused field, then Enter), sees who filled it, corrects one field (marked
yellow), and accepts the file without retyping; the desa's page follows the status."""
import re

from playwright.sync_api import expect

from app.frame.roles import DESA, LOKET
from tests.browser.helpers import fill_desa_form, fit_problems, pdf_of, photo_file, screenshot

NIK = "3508071508850003"  # a man born 15 Aug 1985 in Kecamatan Yosowilangun


def test_desa_enters_counter_scans_and_accepts_without_retyping(page, live, login, tmp_path):
    from app.desa import qr
    from app.desa.models import PreRegistration
    from app.auth.models import User
    from tests.support.factory import WOTGALIH, bound_to_desa
    with live.db():
        bound_to_desa(User.get(User.username == live.username[DESA]), WOTGALIH)

    login(page, DESA)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Desa Wotgalih")
    menu = page.get_by_role("navigation", name="Menu utama")
    expect(menu.get_by_role("link")).to_have_count(3)  # Beranda, the desa page, the form
    menu.get_by_role("link", name="Isi Formulir F-1.07").click()
    page.get_by_label("NIK", exact=True).fill(NIK)
    fill_desa_form(page, "1985-08-15", photo_file(tmp_path))
    page.get_by_label("Laki-laki").check()
    page.get_by_role("button", name="Simpan pra-pendaftaran").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pra-pendaftaran PRA-3508072003-"))
    assert fit_problems(page) == []
    screenshot(page, "desa-pre-registration-saved")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Cetak formulir F-1.07").click()
    printed = popup.value
    expect(printed.get_by_text("FORMULIR PERMOHONAN KTP-el (F-1.07)")).to_be_visible()
    expect(printed.locator(".qr svg")).to_be_visible()
    printed.wait_for_load_state()  # its print CSS too
    sheet = pdf_of(printed, name="f107-a4")
    assert sheet.overflow == []  # the QR reached 3 mm into the margin (issue 25)
    assert sheet.pages == 1, sheet.pages
    words = " ".join(sheet.text.split())
    assert "Jl. Raya Yosowilangun No. 1" in words and "FORMULIR PERMOHONAN KTP-el (F-1.07)" in words
    printed.close()
    with live.db():
        code = qr.encode(PreRegistration.get(PreRegistration.nik == NIK))
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()  # signed out before the next sign-in

    login(page, LOKET)
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=re.compile("Antrean Pra-pendaftaran")).click()
    expect(page.get_by_text("Wotgalih (1)")).to_be_visible()
    scanner = page.get_by_label(re.compile("^Pindai kode QR"))
    scanner.click()
    misread = code[:40] + ("A" if code[40] != "A" else "B") + code[41:]
    page.keyboard.type(misread)  # one misread character: refused, nothing opened
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Kode QR")
    page.get_by_label(re.compile("^Pindai kode QR")).fill("")
    page.get_by_label(re.compile("^Pindai kode QR")).click()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Terima Pra-pendaftaran PRA-"))
    expect(page.get_by_text(re.compile(r"Diisi oleh operator Uji Operator Desa, Desa Wotgalih, tanggal"))).to_be_visible()
    expect(page.get_by_label("Nama lengkap (sesuai KK)")).to_have_value("Slamet Riyadi")
    address = page.get_by_label("Alamat (jalan/dusun)")
    expect(page.locator(".field-changed")).to_have_count(0)
    address.fill("Dusun Krajan Kidul")
    expect(page.locator(".field-changed")).to_have_count(1)
    screenshot(page, "desa-accept-with-difference")
    page.get_by_role("button", name="Terima berkas dan daftarkan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Permohonan 350807-"))
    expect(page.get_by_text("1 isian diubah di loket, tercatat")).to_be_visible()
    number = page.get_by_role("heading", level=1).inner_text().split()[1]
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()  # signed out before the next sign-in

    login(page, DESA)
    expect(page.get_by_role("cell", name=number, exact=True)).to_be_visible()
    expect(page.get_by_text("Diterima di loket").first).to_be_visible()
