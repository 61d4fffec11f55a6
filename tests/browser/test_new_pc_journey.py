"""Issue 24, finding 4, as the admin lives it: the old counter PC's backup restored on a new PC
(`run.py restore` with the printed key, as docs/operations.md says), then in the browser the
new PC holds its numbers until the admin says it replaces PC P1. Real programs: the center
(`run.py center`) and the new PC (`run.py`) as processes; the old PC made its backup beforehand."""
import subprocess
import sys

from playwright.sync_api import expect

from app.frame.keystore import KeyStore
from tests.browser.helpers import fit_problems, new_context, screenshot, settled, sign_in
from tests.sync.harness import (ROOT, CenterServer, OfficeServer, enrol_kecamatan, fill_kecamatan, kecamatan_app,
                                prepare_center)

PASSWORD = "admin-kantor-lama-1"


def _old_pc_backup(tmp_path, center_url, code):
    """The old PC: enrolled (P1), an admin account, applications sent; its backup and printed key."""
    from app.auth.accounts import create_user
    from app.backups.engine import backup_database
    from app.frame.db import database
    from app.frame.roles import ADMIN
    old = kecamatan_app(tmp_path / "lama")
    database.initialize(old.extensions["database"])
    fill_kecamatan(old, 2, (60, 80), first=1)
    enrol_kecamatan(old, center_url, code)
    with old.app_context(), old.extensions["database"].connection_context():
        create_user("admin-lama", "Admin Kantor", ADMIN, password=PASSWORD, must_change_password=False)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "flashdisk" / "cadangan.sqlite3")
    return backup, KeyStore(tmp_path / "lama").recovery_key()


def test_a_new_pc_with_the_old_pcs_backup_numbers_nothing_until_the_admin_says_it_replaces_p1(browser, tmp_path):
    center_dir = tmp_path / "pusat"
    _, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    new_pc = OfficeServer(tmp_path / "baru")
    try:
        backup, printed_key = _old_pc_backup(tmp_path, center.url, code)
        new_pc.start()  # installed and started once, then the restore, as docs/operations.md says
        new_pc.stop()
        restored = subprocess.run([sys.executable, str(ROOT / "run.py"), "restore", "--data", str(tmp_path / "baru"),
                                   "--from", str(backup), "--kunci-pemulihan", printed_key],
                                  cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        new_pc.start()
        context = new_context(browser, new_pc.url)
        page = context.new_page()
        try:
            sign_in(page, "admin-lama", PASSWORD)
            page.goto("/")
            expect(page.get_by_text("Nomor pendaftaran ditahan")).to_be_visible()
            page.goto("/sinkronisasi")
            expect(page.get_by_text("nomor pendaftaran baru ditahan")).to_be_visible()
            assert fit_problems(page) == []
            page.get_by_role("button", name="PC ini menggantikan PC P1").click()  # not confirmed yet
            expect(page.locator("#e-confirm_replace")).to_contain_text("tidak dipakai lagi")
            page.get_by_label("Komputer lama PC P1 tidak dipakai lagi untuk mendaftar.").check()
            page.get_by_role("button", name="PC ini menggantikan PC P1").click()
            expect(page.get_by_text("Komputer ini sekarang PC P1")).to_be_visible()
            settled(page)
            assert page.locator("#identitas-pc").count() == 0
            page.goto("/")
            expect(page.get_by_text("Nomor pendaftaran ditahan")).to_have_count(0)
        except Exception:
            screenshot(page, "new-pc-journey-failure")
            raise
        finally:
            context.close()
    finally:
        new_pc.stop()
        center.stop()
