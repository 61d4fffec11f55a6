"""Issue 25, finding 3: a new PC restores the office's backup from its first screen, in the
browser, with the printed recovery key asked for up front; no made-up identity, no command.
The old office is this module's live office; the new PC is `run.py` on an empty folder."""
import pytest
from playwright.sync_api import expect

from app.backups.engine import backup_database
from app.frame.keystore import KeyStore
from tests.browser.helpers import new_context, screenshot, sign_in
from tests.sync.harness import OfficeServer

NEW_PASSWORD = "pc-pengganti-2026"


@pytest.fixture
def new_pc(tmp_path):
    office = OfficeServer(tmp_path / "pc-baru").start()
    try:
        yield office
    finally:
        office.stop()


def test_a_new_pc_restores_the_offices_backup_from_its_first_screen(browser, live, new_pc, tmp_path):
    with live.db():
        stick = backup_database(live.app.config["DATABASE_PATH"], tmp_path / "flashdisk" / "cadangan-kantor.sqlite3")
    printed = KeyStore(live.data).recovery_key()
    context = new_context(browser, new_pc.url)
    page = context.new_page()
    try:
        page.goto("/masuk")
        page.get_by_label("Nama pengguna").fill("admin")
        page.get_by_label("Kata sandi").fill(new_pc.password)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_label("Kata sandi lama").fill(new_pc.password)
        page.get_by_label("Kata sandi baru (minimal 8 karakter)").fill(NEW_PASSWORD)
        page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Simpan kata sandi").click()

        expect(page.get_by_role("heading", name="Penyiapan kantor")).to_be_visible()  # the first screen
        page.get_by_role("link", name="Pulihkan dari cadangan").click()
        expect(page.get_by_role("heading", name="Pulihkan dari cadangan")).to_be_visible()
        key_field = page.get_by_label("Kunci pemulihan kantor (tercetak saat pemasangan)")
        page.get_by_label("Berkas cadangan (.sqlite3)").set_input_files(str(stick))
        page.get_by_label("Saya mengerti: data di komputer ini diganti isi cadangan.").check()
        key_field.evaluate("field => field.required = false")  # as if the browser let it through empty
        page.get_by_role("button", name="Pulihkan").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_contain_text("Ketik kunci pemulihan yang tercetak")
        expect(page.get_by_role("heading", name="Pulihkan dari cadangan")).to_be_visible()

        page.get_by_label("Kunci pemulihan kantor (tercetak saat pemasangan)").fill(printed.lower().replace("-", " "))
        page.get_by_label("Berkas cadangan (.sqlite3)").set_input_files(str(stick))
        page.get_by_label("Saya mengerti: data di komputer ini diganti isi cadangan.").check()
        page.get_by_role("button", name="Pulihkan").click()
        expect(page.get_by_text("Data dipulihkan dari")).to_be_visible()

        sign_in(page, live.username["admin"], live.password)  # the office's own accounts now
        page.goto("/admin/kantor")
        expect(page.get_by_label("Kecamatan", exact=True)).to_have_value("35.08.07")
        assert KeyStore(new_pc.data_dir).recovery_key() == printed  # the same paper stays the office's key
    except Exception:
        screenshot(page, "new-pc-restore-failure")
        raise
    finally:
        context.close()
