"""Issue 33: the office PC says plainly when something is wrong with it. Each problem is provoked
on an office (a failed daily backup, a disk nearly full on a real small filesystem, the recovery-key
file gone) and read where the admin and the Camat look first: their home page, with the one step to
take."""
import errno
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from app.backups.daily import daily_backup
from app.frame.keystore import KeyStore
from tests.browser.helpers import logout, new_context, sign_in
from tests.browser.office import live_office


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


@pytest.fixture
def office_on_a_small_disk(tmp_path):
    """An office whose data folder is on its own small filesystem (a tmpfs: its size is only a limit,
    nothing is reserved), resized as the test needs; `mount` reads the size in bytes."""
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536m,mode=0700", "tmpfs", str(disk)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.decode(errors='replace').strip()}")
    from app.frame.db import database
    module_office = database.obj  # the models reach one office at a time: the module's `live` after this test
    try:
        with live_office(disk / "data") as office:
            yield office, lambda size: subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)
    finally:
        database.initialize(module_office)
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.skipif(sys.platform == "win32", reason="mounts a small filesystem (Linux)")
def test_a_disk_nearly_full_is_warned_before_it_is_full(browser, office_on_a_small_disk):
    office, resize = office_on_a_small_disk
    context = new_context(browser, office.url)
    page = context.new_page()
    try:
        sign_in(page, office.username["admin"], office.password)
        low = cards(page).filter(has_text="Ruang disk menipis")
        expect(low).to_contain_text("sisa 1.5 GB")  # a real filesystem's free space, below the 2 GB warning
        expect(low).to_have_class("card card-warn")
        resize("300m")
        page.goto("/")
        nearly = cards(page).filter(has_text="Ruang disk hampir habis")
        expect(nearly).to_contain_text("tidak akan muat")
        expect(nearly).to_have_class("card card-danger")
        logout(page)
        sign_in(page, office.username["camat"], office.password)
        expect(cards(page).filter(has_text="Ruang penyimpanan komputer kantor")).to_contain_text("Minta admin")
        # Full to the last byte: the home page still says so (reading needs no space)
        filler = office.data.parent / "pengisi.bin"
        resize(f"{_used_bytes(office.data.parent) + 2 * 1024 ** 2}")
        _fill(filler)
        page.goto("/")
        expect(cards(page).filter(has_text="Ruang penyimpanan komputer kantor")).to_contain_text("tinggal 0.0 GB")
        filler.unlink()
    finally:
        context.close()


def _used_bytes(folder) -> int:
    usage = shutil.disk_usage(folder)
    return usage.total - usage.free


def _fill(path) -> None:
    """Write until the filesystem has not one byte left."""
    with open(path, "wb", buffering=0) as filler:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    filler.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC


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
