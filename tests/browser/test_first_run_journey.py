"""A new admin on a fresh machine, as the README says: `run.py` (a real subprocess), the one-time
password, setup in the browser, enrolment from the sync page against a running center (a real
`run.py center`), a backup and a restore from the admin pages. No other command is typed."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import new_context, screenshot, set_up_as_yosowilangun
from tests.sync.harness import CenterServer, OfficeServer, prepare_center, wait_for

NEW_PASSWORD = "kantor-baru-2026"


@pytest.fixture
def fresh_office(tmp_path):
    """`python run.py` on a new PC: prints the address once it listens, and the one-time password."""
    office = OfficeServer(tmp_path / "data").start()
    try:
        yield office.url, office.password
    finally:
        office.stop()


@pytest.fixture
def center(tmp_path):
    data = tmp_path / "center"
    _, code = prepare_center(data, kecamatan_code="35.08.07")
    server = CenterServer(data).start()
    wait_for(server.url + "/api/openapi.json")
    server.code = code
    yield server
    server.stop()


def test_new_admin_sets_up_enrols_backs_up_and_restores_from_the_browser(browser, fresh_office, center):
    url, one_time = fresh_office
    context = new_context(browser, url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/masuk")
        page.get_by_label("Nama pengguna").fill("admin")
        page.get_by_label("Kata sandi").fill(one_time)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_label("Kata sandi lama").fill(one_time)
        page.get_by_label("Kata sandi baru (minimal 8 karakter)").fill(NEW_PASSWORD)
        page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Simpan kata sandi").click()

        set_up_as_yosowilangun(page)  # led to the setup; the cascading selects fill as the admin chooses

        # enrolment from the sync page against the running center
        page.goto("/sinkronisasi")
        page.get_by_label("Alamat pusat cetak").fill(center.url)
        page.get_by_label("Kode pendaftaran").fill(center.code)
        page.get_by_role("button", name="Daftarkan komputer ini").click()
        expect(page.get_by_text(f"terdaftar di pusat cetak {center.url}")).to_be_visible()

        # a backup, a change, and the restore from the admin page
        page.goto("/admin/cadangan")
        page.get_by_role("button", name="Buat cadangan sekarang").click()
        expect(page.get_by_text(re.compile(r"Cadangan manual-.* dibuat"))).to_be_visible()
        backup_name = re.search(r"Cadangan (manual-\d{8}-\d{6}\.sqlite3) dibuat", page.content()).group(1)
        page.goto("/admin/kantor")
        page.get_by_label("Telepon / hotline").fill("(0334) 999999")
        page.locator("form", has=page.get_by_label("Telepon / hotline")).get_by_role("button", name="Simpan").click()
        expect(page.get_by_text("Pengaturan kantor disimpan.")).to_be_visible()
        page.goto("/admin/cadangan")
        page.get_by_label(f"Pulihkan dari {backup_name}").check()
        page.get_by_label("Saya mengerti: data sekarang diganti isi cadangan.").check()
        page.get_by_role("button", name="Pulihkan").click()
        expect(page.get_by_text(f"Data dipulihkan dari {backup_name}")).to_be_visible()
        page.goto("/admin/kantor")
        assert page.get_by_label("Telepon / hotline").input_value() == ""
        assert page.get_by_label("Kecamatan", exact=True).input_value() == "35.08.07"
        assert errors == []
    except Exception:
        screenshot(page, "first-run-journey-failure")
        raise
    finally:
        context.close()
