"""Issue 74, done when: an office admin who has never seen the program restores a backup on a new PC from the
guide alone. The village office's old laptop is gone; on the new one (`run.py serve --mode desa`, a real process)
its admin signs in with the printed one-time password, opens "Bantuan" (Panduan Admin Komputer Desa), and the test
does what the marked names of "Komputer desa baru dari cadangan" say, in order, filling the fields that step
describes (the key from the paper, the file from the stick, the tick). Afterwards the old laptop's accounts sign
in. Every page without an axe violation or a CSP complaint (new_context watches them)."""
import pytest
from playwright.sync_api import expect

from app.frame.keystore import KeyStore
from tests.browser.helpers import axe_violations, new_context, sign_in
from tests.browser.test_desa_relay_journey import _first_sign_in
from tests.browser.guide_steps import follow, marked_steps
from tests.sync.harness import OfficeServer

pytestmark = pytest.mark.browser

OLD_PASSWORD = "admin-desa-lama-1"


def _old_laptop_backup(tmp_path):
    """The old desa laptop: its admin's own password and an operator's account; its backup on a stick and the
    recovery key printed at its setup."""
    from app import create_app
    from app.auth.models import User
    from app.backups.engine import backup_database
    from app.firstrun import ensure_admin
    from app.frame.passwords import hash_password
    from tests.support.factory import desa_operator
    folder = tmp_path / "laptop-lama"
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "lama", "TESTING": True, "MODE": "desa"})
    with app.app_context(), app.extensions["database"].connection_context():
        ensure_admin()
        User.update(password_hash=hash_password(OLD_PASSWORD), must_change_password=False).where(
            User.username == "admin").execute()
        desa_operator("kaur.darungan", "Kaur Umum Darungan")
    app.extensions["database"].close_all()
    backup = backup_database(app.config["DATABASE_PATH"], tmp_path / "flashdisk" / "otomatis-2026-11-26.sqlite3")
    return backup, KeyStore(folder).recovery_key()


def test_a_desa_admin_restores_the_old_laptops_backup_on_a_new_one_following_the_guide(browser, tmp_path):
    backup, printed_key = _old_laptop_backup(tmp_path)
    new_laptop = OfficeServer(tmp_path / "laptop-baru", mode="desa").start()
    context = new_context(browser, new_laptop.url)
    try:
        page = context.new_page()
        _first_sign_in(page, "admin", new_laptop.password, "admin-desa-baru-1")
        page.get_by_role("link", name="Bantuan", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Panduan Admin Komputer Desa")
        assert axe_violations(page) == []
        steps = marked_steps(page, "pc-baru")
        assert ("tombol", "Pulihkan") in steps

        def fill_what_the_step_says(current, kind, label):
            if label == "Pulihkan":
                page.get_by_label("Kunci pemulihan kantor").fill(printed_key.lower().replace("-", " "))
                page.get_by_label("Berkas cadangan").set_input_files(str(backup))
                page.get_by_label("Saya mengerti").check()

        follow(page, steps, fill_what_the_step_says)
        expect(page.get_by_text("Data dipulihkan dari")).to_be_visible()
        assert axe_violations(page) == []

        context.clear_cookies()  # "masuk dengan akun dari cadangan itu"
        page.goto("/masuk")
        sign_in(page, "admin", OLD_PASSWORD)
        page.locator("nav.menu").get_by_role("link", name="Operator Desa", exact=True).click()
        expect(page.get_by_role("cell", name="kaur.darungan", exact=True)).to_be_visible()
    finally:
        context.close()
        new_laptop.stop()
