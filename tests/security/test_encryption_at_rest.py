"""Issue 14: a lost PC or USB stick leaks nothing.

Findings: "loket.sqlite3 and every backup are mode 0644 on Linux, unencrypted: NIK/KK, photos,
password hashes and the sync secret." Every test here reads real files written by the real app.
"""
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest

from app.backups.engine import backup_database, list_backups
from app.frame.db import connect, is_plaintext, keep_key_stored, make_database
from app.frame.keystore import KeyMissing, KeyStore
from app.frame.migrations import migrate
from tests.security.conftest import APPLICANT, JPEG_MARKER
from tests.support.fresh_process import forget_cached_keys

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows relies on the profile ACL")

SECRETS = {"NIK": APPLICANT["nik"].encode(), "KK": APPLICANT["kk_number"].encode(),
           "nama": APPLICANT["full_name"].encode(), "nama (indeks)": b"wahyuningsih", "JPEG": JPEG_MARKER}


def leaks(path: Path) -> list[str]:
    data = path.read_bytes()
    return [what for what, needle in SECRETS.items() if needle in data or needle.lower() in data.lower()]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_raw_database_wal_and_every_backup_hold_no_nik_name_or_photo(app, registered, client_as):
    data = app.config["DATA_DIR"]
    database = data / "loket.sqlite3"
    admin = client_as("admin")
    assert admin.post("/admin/cadangan").status_code == 302  # manual backup from the admin page
    backup_database(database, data / "backups" / "otomatis-2026-11-02.sqlite3")  # what the daily job does
    [manual] = [p for p in list_backups(data / "backups") if p.name.startswith("manual-")]
    downloaded = data / "unduhan.sqlite3"
    answer = admin.get(f"/admin/cadangan/{manual.name}")
    assert answer.status_code == 200
    downloaded.write_bytes(answer.data)

    files = [database, Path(f"{database}-wal"), *list_backups(data / "backups"), downloaded]
    assert all(f.exists() for f in files)
    for path in files:
        assert leaks(path) == [], path.name
    assert not is_plaintext(database)
    # ... and the data is all there for the app itself
    check = connect(database, readonly=True)
    assert check.execute("SELECT count(*) FROM application WHERE nik = ?", (APPLICANT["nik"],)).fetchone()[0] == 1


@posix_only
def test_data_folder_database_backups_and_key_files_are_the_user_s_alone(app, registered, client_as):
    data = app.config["DATA_DIR"]
    assert client_as("admin").post("/admin/cadangan").status_code == 302
    assert mode(data) == 0o700
    assert mode(data / "kunci") == 0o700
    assert mode(data / "backups") == 0o700
    private = [data / "loket.sqlite3", data / "loket.sqlite3-wal", data / "loket.sqlite3-shm",
               *(data / "backups").iterdir(), *(data / "kunci").iterdir()]
    assert len(private) >= 6
    for path in private:
        assert mode(path) == 0o600, path.name


@posix_only
def test_session_key_is_private_even_when_an_older_version_left_it_open(tmp_path):
    from app.frame.config import load_config
    (tmp_path / "secret_key").write_text("lama")
    (tmp_path / "secret_key").chmod(0o644)
    assert load_config({"DATA_DIR": tmp_path})["SECRET_KEY"] == "lama"
    assert mode(tmp_path / "secret_key") == 0o600


def test_on_windows_modes_are_left_to_the_profile_acl(tmp_path, monkeypatch):
    """os.name == 'nt': chmod would only toggle read-only there, so nothing is chmod-ed."""
    from types import SimpleNamespace
    from app.frame import private_files
    calls = []
    # Only private_files sees Windows: the rest of this process (pathlib, pytest) stays POSIX.
    monkeypatch.setattr(private_files, "os", SimpleNamespace(**{**vars(os), "name": "nt"}))
    monkeypatch.setattr(Path, "chmod", lambda self, m: calls.append((self, m)))
    folder = private_files.private_dir(tmp_path / "data")
    private_files.write_private(folder / "kunci", "x")
    private_files.private_file(folder / "kunci")
    assert calls == [] and (folder / "kunci").read_text() == "x"


def test_the_installed_apsw_is_the_encrypting_build_and_nothing_pulls_plain_apsw():
    """Plain apsw would ignore the key pragmas and silently write plaintext; both ship `apsw`."""
    from importlib import metadata
    from app.frame.db import require_encrypting_sqlite
    require_encrypting_sqlite()
    assert metadata.version("apsw-sqlite3mc")
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.distribution("apsw")
    requirers = [d.metadata["Name"] for d in metadata.distributions()
                 if any(r.split(";")[0].strip().lower().startswith(("apsw ", "apsw=", "apsw>", "apsw<")) or
                        r.split(";")[0].strip().lower() == "apsw" for r in (d.requires or []))]
    assert requirers == []


# --- The key: OS keyring where there is one, else a private file -------------------------------

def memory_keyring():
    """A real keyring backend (keyring's plug-in interface) holding passwords in memory, as the
    Windows Credential Locker or the Secret Service would hold them."""
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 10

        def __init__(self):
            super().__init__()
            self.items = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            self.items.pop((service, username), None)

    return Memory()


def test_with_an_os_keyring_the_keys_never_touch_the_disk(tmp_path):
    import keyring
    previous = keyring.get_keyring()
    backend = memory_keyring()
    keyring.set_keyring(backend)
    try:
        db = make_database(tmp_path / "loket.sqlite3")
        migrate(db)
        db.close()
        KeyStore(tmp_path).recovery_key(create=True)
        assert not (tmp_path / "kunci").exists() or not any((tmp_path / "kunci").iterdir())
        names = sorted(user.split("@")[0] for service, user in backend.items)
        assert names == ["basis-data", "pemulihan"]
        assert "penyimpanan kunci sistem operasi" in KeyStore(tmp_path).where()
        forget_cached_keys()  # a new process finds the key in the keyring again
        assert connect(tmp_path / "loket.sqlite3").execute("PRAGMA user_version").fetchone()[0] > 0
    finally:
        keyring.set_keyring(previous)
        forget_cached_keys()


# --- Upgrade: a plaintext database is encrypted once, safely ------------------------------------

def plaintext_office(folder: Path, rows: int = 0) -> Path:
    """A database as the previous version wrote it: plain SQLite, migrated, in WAL mode."""
    from app.frame.migrations import migration_files
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "loket.sqlite3"
    plain = apsw.Connection(str(path))
    plain.execute("PRAGMA journal_mode = wal")
    for number, sql_file in migration_files():
        plain.execute(sql_file.read_text(encoding="utf-8"))
        plain.execute(f"PRAGMA user_version = {number}")
    with plain:
        for n in range(rows):
            plain.execute("INSERT INTO audit_event (at, username, address, action, entity, entity_id, summary) "
                          "VALUES ('2026-11-02', 'admin', '-', 'uji', 'x', ?, ?)", (str(n), f"NIK {APPLICANT['nik']} " * 20))
    plain.close()
    return path


def test_an_upgraded_plaintext_database_and_its_backups_are_encrypted_once(tmp_path):
    from app import create_app
    path = plaintext_office(tmp_path, rows=50)
    (tmp_path / "backups").mkdir()
    old_backup = tmp_path / "backups" / "manual-lama.sqlite3"
    plain = apsw.Connection(str(path))
    with old_backup.open("wb"):
        pass
    target = apsw.Connection(str(old_backup))
    with target.backup("main", plain, "main") as copy:
        copy.step(-1)
    target.close()
    plain.close()
    assert leaks(path) and leaks(old_backup)

    app = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "x"})
    assert leaks(path) == [] and leaks(old_backup) == []
    assert not (tmp_path / "loket.sqlite3.enkripsi").exists()
    with app.extensions["database"].connection_context():
        assert app.extensions["database"].execute_sql("SELECT count(*) FROM audit_event WHERE action = 'uji'").fetchone()[0] == 50
    from app.backups.engine import check_backup_file
    assert check_backup_file(old_backup, data_dir=tmp_path) > 0


CONVERT_SCRIPT = """
import sys
from pathlib import Path
from app.frame.db import prepare_database_file
prepare_database_file(Path(sys.argv[1]))
print("selesai")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_kill_during_conversion_leaves_a_usable_database_with_every_row(tmp_path):
    """A real process encrypting a real file, killed at different moments (a power cut)."""
    rows = 3000
    killed_mid_way = 0
    for attempt, delay in enumerate([0.0, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.08, 0.1, 0.2]):
        folder = tmp_path / f"kantor{attempt}"
        path = plaintext_office(folder, rows=rows)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        process = subprocess.Popen([sys.executable, "-c", CONVERT_SCRIPT, str(path)], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        work = Path(f"{path}.enkripsi")
        while process.poll() is None and not work.exists():
            time.sleep(0.0005)
        time.sleep(delay)
        process.kill()
        process.wait()
        killed_mid_way += work.exists()
        # The next start finishes (or redoes) the conversion; every row is there.
        forget_cached_keys()
        db = make_database(path)
        with db.connection_context():
            assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute_sql("SELECT count(*) FROM audit_event WHERE action = 'uji'").fetchone()[0] == rows
        db.close()
        assert not is_plaintext(path) and leaks(path) == []
        assert not work.exists()
    assert killed_mid_way >= 1  # at least one kill landed while the encrypted copy was being made


# --- The key file deleted while the app runs ---------------------------------------------------

def test_a_key_file_deleted_while_the_app_runs_is_written_back_and_nothing_is_lost(app, registered, client_as):
    data = app.config["DATA_DIR"]
    key_file = data / "kunci" / "basis-data"
    key = key_file.read_text().strip()
    key_file.unlink()
    assert client_as("petugas_loket").get("/pendaftaran").status_code == 200  # still working
    from app.backups.daily import daily_backup
    daily_backup(app)  # the hourly job puts it back (a manual backup does too)
    assert key_file.read_text().strip() == key
    key_file.unlink()
    assert client_as("admin").post("/admin/cadangan").status_code == 302
    assert key_file.read_text().strip() == key
    assert keep_key_stored(data / "loket.sqlite3") is False  # nothing left to repair


def test_without_its_key_the_app_refuses_to_start_with_a_message_and_keeps_the_file(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    run = lambda *args: subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=env,
                                       capture_output=True, text=True, timeout=120)
    assert run("demo", "--data", str(tmp_path), "--password", "sandi-demo-1").returncode == 0
    database = tmp_path / "loket.sqlite3"
    before = database.read_bytes()
    (tmp_path / "kunci" / "basis-data").unlink()
    result = run("serve", "--data", str(tmp_path), "--port", "1")
    assert result.returncode == 2
    assert "Kunci basis data tidak ditemukan" in result.stderr and "kunci pemulihan" in result.stderr
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == before
    with pytest.raises(KeyMissing):
        forget_cached_keys()
        connect(database)
