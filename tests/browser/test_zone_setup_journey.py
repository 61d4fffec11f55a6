"""Issue 25: a new admin in Gowa, Sulawesi Selatan. The setup left WIB selected and saved it, so every
receipt was an hour off; choosing the province now proposes WITA, and that is what is saved. A fresh
`run.py` (a real subprocess), as in the first-run journey; the Windows-like pass runs it without the
system's zone database."""
import re

from playwright.sync_api import expect

from tests.browser.helpers import new_context, settled
from tests.browser.test_first_run_journey import NEW_PASSWORD, fresh_office  # noqa: F401  (fixture)


def test_setup_in_somba_opu_proposes_and_saves_wita(browser, fresh_office):
    url, one_time = fresh_office
    context = new_context(browser, url)
    page = context.new_page()
    try:
        page.goto("/masuk")
        page.get_by_label("Nama pengguna").fill("admin")
        page.get_by_label("Kata sandi").fill(one_time)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_label("Kata sandi lama").fill(one_time)
        page.get_by_label("Kata sandi baru (minimal 8 karakter)").fill(NEW_PASSWORD)
        page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Simpan kata sandi").click()
        page.wait_for_url("**/admin/penyiapan")
        settled(page)
        # Saved with nothing chosen: the error summary takes the focus and links to the field (issue 25)
        page.get_by_role("button", name="Simpan dan mulai").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        summary.get_by_role("link").first.click()
        expect(page.locator("#f-kecamatan_code")).to_be_attached()
        zone = page.get_by_label("Zona waktu")
        expect(zone).to_have_value("WIB")
        page.get_by_label("Provinsi").select_option(label="Sulawesi Selatan")
        expect(zone).to_have_value("WITA")  # proposed from the province
        expect(page.get_by_text("Provinsi ini memakai WITA.")).to_be_visible()
        settled(page)
        page.get_by_label("Kabupaten/Kota").select_option(label="Kabupaten Gowa")
        settled(page)
        page.get_by_label("Kecamatan", exact=True).select_option(value="73.06.08")
        page.get_by_label("Alamat kantor").fill("Jl. Masjid Raya No. 1, Sungguminasa")
        page.get_by_label("Nama Camat").fill("Andi Baso, S.STP")
        page.get_by_role("button", name="Simpan dan mulai").click()
        expect(page.get_by_text("Kantor Kecamatan Somba Opu siap digunakan.")).to_be_visible()
        page.goto("/admin/kantor")
        expect(page.get_by_label("Zona waktu")).to_have_value("WITA")
        expect(page.locator("body")).not_to_contain_text(re.compile(r"\d\d\.\d\d WIB"))  # no time shown in WIB
    finally:
        context.close()
