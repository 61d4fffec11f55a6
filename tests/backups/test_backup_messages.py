"""Issue 25, "every message names the next step, in Indonesian, without a Python word": a backup or a
restore the disk refuses said "ruang disk penuh atau tidak dapat ditulis (FullError)", and that text
reached the admin's home page. Each failure is provoked here as the office meets it (a disk that takes
no more bytes, the hourly job), and its words are read where the admin reads them."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.backups import engine
from app.backups.daily import daily_backup
from app.backups.engine import backup_database
from app.frame.db import connect, make_database
from app.frame.keystore import KeyStore
from app.frame.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]

# What a clerk or an admin cannot read: an exception's class, a traceback, the library's name.
PYTHON_WORDS = re.compile(r"[A-Z][A-Za-z]*(Error|Exception|Keyring)\b|Traceback|errno|apsw|__|\bNone\b")


def assert_plain(message: str) -> None:
    assert message.strip(), "no message at all"
    assert not PYTHON_WORDS.search(message), message


def office_database(folder: Path, rows: int = 0) -> Path:
    path = folder / "loket.sqlite3"
    db = make_database(path)
    migrate(db)
    with db.atomic():
        for _ in range(rows):
            db.execute_sql("INSERT INTO throttle_hit (scope, key, at) VALUES ('x', randomblob(4000), '2026-11-02')")
    db.close()
    KeyStore(folder).recovery_key(create=True)  # as the app's first start does
    return path


def rows_in(path: Path) -> int:
    connection = connect(path)
    try:
        return connection.execute("SELECT count(*) FROM throttle_hit").fetchone()[0]
    finally:
        connection.close()


# A 'disk' that takes only `limit` bytes per file: write() fails (EFBIG) instead of the process being killed.
ON_A_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from app.backups.engine import BackupError, backup_database, restore_database
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    if sys.argv[1] == "backup":
        backup_database(Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        restore_database(Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
except BackupError as problem:
    print(problem)
    sys.exit(3)
"""


def on_a_full_disk(*args) -> str:
    result = subprocess.run([sys.executable, "-c", ON_A_FULL_DISK, *map(str, args)], capture_output=True, text=True,
                            cwd=str(ROOT))
    assert result.returncode == 3, result.stdout + result.stderr
    return result.stdout.strip()


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")


def test_a_backup_on_a_full_disk_says_what_to_do_in_plain_words(tmp_path):
    live = office_database(tmp_path, rows=20)
    message = on_a_full_disk("backup", 8192, live, tmp_path / "cadangan" / "manual.sqlite3")
    assert_plain(message)
    assert "ruang disk penuh" in message and "Kosongkan ruang disk" in message and "buat cadangan lagi" in message
    assert "Basis data tidak berubah" in message


@pytest.mark.parametrize("limit", ["before the copy of today's data", "during the replace"])
def test_a_restore_on_a_full_disk_says_what_to_do_and_changes_nothing(tmp_path, limit):
    """The disk full while the current data is copied aside (the first step), or while the backup
    replaces it: either way the admin reads the restore's words, with its next step."""
    live = office_database(tmp_path, rows=2)
    other = tmp_path / "lain"
    other.mkdir()
    bigger = office_database(other, rows=300)  # ~1.2 MB of pages to write over the live data
    backup = backup_database(bigger, tmp_path / "cadangan-besar.sqlite3", passphrase=KeyStore(tmp_path).recovery_key())
    # Before: not even a page fits. During: today's copy fits, the backup's pages (3 MB) do not.
    room = 8192 if limit.startswith("before") else live.stat().st_size + 512 * 1024
    message = on_a_full_disk("restore", room, backup, live, tmp_path / "cadangan")
    assert_plain(message)
    assert message.startswith("Pemulihan gagal: ruang disk penuh") and "ulangi pemulihan" in message, message
    assert "Data tidak berubah" in message
    assert rows_in(live) == 2
    copied_aside = list((tmp_path / "cadangan").glob("sebelum-pulihkan-*"))
    assert bool(copied_aside) == (limit == "during the replace")  # the failure came where this case puts it


def test_the_daily_backups_failure_on_the_home_page_names_no_python_word(app, db, client_for,
                                                                           disk_full_while_backing_up):
    daily_backup(app)
    admin, camat = client_for("admin"), client_for("camat")
    page = admin.get("/").get_data(as_text=True)
    assert "Cadangan otomatis gagal" in page and "Kosongkan ruang disk" in page
    assert "FullError" not in page and "Error" not in page and "disk is full" not in page
    assert "Error" not in camat.get("/").get_data(as_text=True)


def test_a_manual_backup_on_a_full_disk_is_flashed_in_plain_words(app, db, client_for, disk_full_while_backing_up):
    page = client_for("admin").post("/admin/cadangan", follow_redirects=True).get_data(as_text=True)
    assert "Cadangan gagal dibuat: ruang disk penuh" in page and "buat cadangan lagi" in page
    assert "Error" not in page


def test_an_unforeseen_failure_of_the_daily_backup_still_names_a_step(app, db, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("sesuatu yang tidak terduga")

    monkeypatch.setattr("app.backups.daily.ensure_daily_backup", broken)
    daily_backup(app)
    page = client_for("admin").get("/").get_data(as_text=True)
    assert "kesalahan yang tidak terduga" in page and "jalankan ulang aplikasi" in page
    assert "RuntimeError" not in page and "catatan program" not in page


def test_the_key_stores_name_is_the_one_its_users_know(tmp_path):
    """The recovery-key messages say where the key is kept; Windows' store by its own name, not the
    Python class keyring has for it ("WinVaultKeyring")."""
    import keyring
    from keyring.backend import KeyringBackend

    class WinVaultKeyring(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            return None

        def set_password(self, service, username, password):
            pass

        def delete_password(self, service, username):
            pass

    WinVaultKeyring.__module__ = "keyring.backends.Windows"
    previous = keyring.get_keyring()
    keyring.set_keyring(WinVaultKeyring())
    try:
        where = KeyStore(tmp_path).where()
        problem = engine.recovery_key_problem(tmp_path)
    finally:
        keyring.set_keyring(previous)
    assert where == "penyimpanan kunci sistem operasi (Windows Credential Manager)"
    assert_plain(problem)
    assert "Windows Credential Manager" in problem
