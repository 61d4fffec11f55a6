"""Journey 1 of issue 7: the counter clerk registers a KTP-el application, prints the receipt,
returns an incomplete file with its slip, and finds the application again by part of a name."""
import re

from playwright.sync_api import expect

from app.frame.roles import LOKET
from tests.browser.helpers import fill_application, fit_problems, pdf_of, photo_file, screenshot

# A woman born 12 May 1990 in Kecamatan Yosowilangun (35.08.07): day 12 + 40 in the NIK.
NIK = "3508075205900007"


def test_clerk_registers_prints_returns_and_finds(page, live, login, tmp_path):
    login(page, LOKET)
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar Baru").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permohonan KTP-el Baru")
    assert fit_problems(page) == []

    # The NIK check answers while typing: first the format, then the mismatch with the birth date.
    nik_check = page.locator("#nik-check")
    page.get_by_label("NIK", exact=True).press_sequentially(NIK, delay=5)
    expect(nik_check).to_contain_text("NIK sesuai format")
    page.get_by_label("Perempuan").check()
    page.get_by_label("Tanggal lahir", exact=True).fill("1990-05-21")
    page.get_by_label("Tanggal lahir", exact=True).dispatch_event("change")
    expect(nik_check.locator(".field-warn").first).to_contain_text(re.compile("tanggal lahir", re.IGNORECASE))
    screenshot(page, "registration-nik-warning")

    page.get_by_label("Tanggal lahir", exact=True).fill("1990-05-12")
    page.get_by_label("Tanggal lahir", exact=True).dispatch_event("change")
    expect(nik_check).to_contain_text("cocok dengan tanggal lahir/jenis kelamin")
    expect(nik_check.locator(".field-warn")).to_have_count(0)

    fill_application(page, "Sulastri Wahyuningsih")
    page.get_by_label(re.compile("^Foto pemohon")).set_input_files(photo_file(tmp_path))
    # checked as soon as it is chosen, while the clerk goes on; Simpan then does not decode it again (issue 73)
    expect(page.locator("#photo-check")).to_contain_text("Foto dapat dipakai")
    screenshot(page, "registration-form-filled")
    page.get_by_role("button", name="Simpan permohonan").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Permohonan \S+"))
    number = heading.inner_text().split()[1]
    expect(page.get_by_text(f"Permohonan {number} tersimpan.")).to_be_visible()
    expect(page.get_by_role("img", name="Foto pemohon")).to_be_visible()
    photo = page.get_by_role("img", name="Foto pemohon")
    # The page is there before its photo: wait for the image's own load (a loaded machine), then read it.
    photo.evaluate("img => img.complete || new Promise(done => { img.onload = img.onerror = done; })")
    assert photo.evaluate("img => img.naturalWidth") > 0
    assert fit_problems(page) == []
    screenshot(page, "registration-saved")
    detail_url = page.url

    # The receipt opens in its own tab; on paper it is one A4 page with the kop surat.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Cetak bukti pendaftaran").click()
    receipt_tab = popup.value
    expect(receipt_tab.get_by_role("heading", name="BUKTI PENDAFTARAN PERMOHONAN KTP-el")).to_be_visible()
    receipt_url = receipt_tab.url
    receipt_tab.close()
    receipt = pdf_of(page, receipt_url, name="receipt")
    assert receipt.pages == 1
    assert receipt.overflow == []
    words = " ".join(receipt.text.split())
    for text in ("PEMERINTAH KABUPATEN LUMAJANG", "KECAMATAN YOSOWILANGUN", "BUKTI PENDAFTARAN PERMOHONAN KTP-el",
                 number, "Sulastri Wahyuningsih", NIK, "tidak dipungut biaya", "Uji Petugas Loket"):
        assert text in words, text
    assert "Kembali" not in words and "Cetak" not in words.replace("CETAK", "")

    # Checklist with the police letter missing... for "Rusak": the damaged KTP-el is missing.
    page.goto(detail_url)
    page.get_by_label("Surat pengantar desa/kelurahan").check()
    page.get_by_label("Fotokopi Kartu Keluarga").check()
    page.get_by_label("Pas foto 3x4").check()
    page.get_by_role("button", name="Simpan pemeriksaan").click()
    expect(page.locator(".status").first).to_have_text("Dikembalikan (belum lengkap)")
    screenshot(page, "registration-returned")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Cetak slip pengembalian").click()
    slip_url = popup.value.url
    popup.value.close()
    slip = pdf_of(page, slip_url, name="return-slip")
    assert slip.pages == 1
    assert slip.overflow == []
    words = " ".join(slip.text.split())
    for text in ("SLIP PENGEMBALIAN BERKAS KTP-el", number, "Sulastri Wahyuningsih", "belum lengkap",
                 "KTP-el yang rusak", "KECAMATAN YOSOWILANGUN"):
        assert text in words, text
    assert "Fotokopi Kartu Keluarga" not in words  # only what is missing is listed

    # Later: find the application by typing part of the name; the results swap in place.
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Pendaftaran KTP-el").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buku Register KTP-el")
    page.evaluate("() => { window.notReloaded = true; }")
    page.get_by_label("Cari NIK, nama atau nomor").press_sequentially("wahyuni", delay=30)
    rows = page.locator("#register-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sulastri Wahyuningsih")
    expect(rows.first).to_contain_text(number)
    assert page.evaluate("() => window.notReloaded") is True
    expect(page).to_have_url(re.compile(r"q=wahyuni"))
    assert fit_problems(page) == []
    screenshot(page, "registration-search")
    rows.first.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
