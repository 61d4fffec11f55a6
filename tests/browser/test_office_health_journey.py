"""Issue 33: the office PC says plainly when something is wrong with it. Each problem is provoked
on the live office (a failed daily backup, a disk nearly full, the recovery-key file gone) and
read where the admin and the Camat look first: their home page, with the one step to take."""
import shutil

from playwright.sync_api import expect

from app.backups import health
from app.backups.daily import daily_backup
from app.frame.keystore import KeyStore
from tests.browser.helpers import logout


def run_daily_backup(live):
    """What the hourly background job does, on the live office."""
    with live.db():
        daily_backup(live.app)


def cards(page):
    return page.locator(".cards .card")


def test_a_failed_daily_backup_is_shown_until_a_backup_succeeds(page, live, login):
    run_daily_backup(live)
    login(page, "admin")
    expect(cards(page).filter(has_text="Cadangan otomatis terakhir")).to_have_count(1)

    folder = live.app.config["BACKUP_DIR"]
    aside = folder.with_name("cadangan-disisihkan")
    shutil.move(folder, aside)
    folder.write_text("bukan folder")  # the folder is gone and a file took its name
    try:
        run_daily_backup(live)
        page.goto("/")
        failed = cards(page).filter(has_text="Cadangan otomatis gagal")
        expect(failed).to_have_count(1)
        expect(failed).to_have_class("card card-danger")
        expect(failed).to_contain_text("Folder cadangan")
        expect(failed).to_contain_text("buat cadangan sekarang")
        logout(page)
        login(page, "camat")
        expect(cards(page).filter(has_text="Cadangan data harian gagal")).to_contain_text("Minta admin")
        logout(page)
    finally:
        folder.unlink()
        shutil.move(aside, folder)
    login(page, "admin")
    failed = cards(page).filter(has_text="Cadangan otomatis gagal")
    expect(failed).to_have_count(1)  # still there: nothing has succeeded yet
    failed.click()
    expect(page).to_have_url(f"{live.url}/admin/cadangan")
    page.get_by_role("button", name="Buat cadangan sekarang").click()
    expect(page.locator(".flash-success")).to_contain_text("dibuat")
    page.goto("/")
    expect(cards(page).filter(has_text="Cadangan otomatis gagal")).to_have_count(0)


def test_a_disk_nearly_full_is_warned_before_it_is_full(page, live, login, monkeypatch):
    login(page, "admin")
    monkeypatch.setattr(health, "free_bytes", lambda folder: int(1.5 * health.GIB))  # the reading of the disk
    page.goto("/")
    low = cards(page).filter(has_text="Ruang disk menipis")
    expect(low).to_contain_text("sisa 1.5 GB")
    expect(low).to_have_class("card card-warn")
    monkeypatch.setattr(health, "free_bytes", lambda folder: 300 * 1024 ** 2)
    page.goto("/")
    expect(cards(page).filter(has_text="Ruang disk hampir habis")).to_contain_text("tidak akan muat")
    logout(page)
    login(page, "camat")
    expect(cards(page).filter(has_text="Ruang penyimpanan komputer kantor")).to_contain_text("Minta admin")


def test_a_missing_recovery_key_file_is_shown_with_the_choices(page, live, login):
    printed = KeyStore(live.data).recovery_key()
    (live.data / "kunci" / "pemulihan").unlink()
    login(page, "admin")
    missing = cards(page).filter(has_text="Kunci pemulihan hilang")
    expect(missing).to_contain_text("ketik kunci pemulihan yang tercetak")
    missing.click()
    expect(page.get_by_role("heading", name="Kunci pemulihan bermasalah")).to_be_visible()
    page.get_by_label("Kunci pemulihan tercetak").fill(printed.lower().replace("-", " "))
    page.get_by_role("button", name="Pakai kunci tercetak").click()
    expect(page.locator(".flash-success")).to_contain_text("Kunci pemulihan tercetak dipakai lagi")
    assert KeyStore(live.data).recovery_key() == printed
    page.goto("/")
    expect(cards(page).filter(has_text="Kunci pemulihan")).to_have_count(0)  # proven by a backup: printed
