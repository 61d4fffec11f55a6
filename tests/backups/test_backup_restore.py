"""Online backup while clerks write, checked restore, refusal of bad files, full disk."""
import subprocess
import sys
import threading
from datetime import date

import apsw
import pytest

from app.backups.engine import (BackupError, backup_database, check_backup_file, ensure_daily_backup, open_backup,
                                restore_database)
from app.frame.db import apply_pragmas, connect, make_database, passphrase_pragmas
from app.frame.keystore import KeyStore
from app.frame.migrations import code_level, migrate
from tests.support.waiting import wait_until


@pytest.fixture
def live_db(tmp_path):
    path = tmp_path / "loket.sqlite3"
    db = make_database(path)
    migrate(db)
    db.close()
    KeyStore(tmp_path).recovery_key(create=True)  # as the app's first start does
    return path


# One "save" of a clerk: a row in a real table of the schema (a restore refuses foreign tables).
SAVE = "INSERT INTO throttle_hit (scope, key, at) VALUES (?, '127.0.0.1', '2026-11-02')"


def count_rows(path, backup_of=None) -> int:
    """Rows in the live database at `path`, or in a backup of the live database `backup_of`."""
    connection = open_backup(path, backup_of.parent)[0] if backup_of else connect(path)
    try:
        return connection.execute("SELECT count(*) FROM throttle_hit").fetchone()[0]
    finally:
        connection.close()


def test_backup_while_writes_happen_is_consistent_and_restorable(live_db, tmp_path):
    stop = threading.Event()
    written = []

    def clerk():
        connection = connect(live_db)
        connection.setbusytimeout(5000)
        while not stop.is_set():
            with connection:  # one transaction per "save"
                connection.execute(SAVE, ("x" * 2000,))
            written.append(1)
        connection.close()

    writer = threading.Thread(target=clerk)
    writer.start()
    wait_until(lambda: len(written) >= 20, what="the clerk's first saves")
    backups = []
    for i in range(3):  # each backup after more saves than the one before
        saved = len(written)
        backups.append(backup_database(live_db, tmp_path / f"b{i}.sqlite3"))
        wait_until(lambda saved=saved: len(written) > saved + 5, what="saves while the backups run")
    stop.set()
    writer.join()

    counts = [count_rows(b, backup_of=live_db) for b in backups]
    assert counts == sorted(counts) and counts[0] > 0  # each a snapshot; later ones have more rows
    assert count_rows(live_db) == len(written) > counts[-1] - 1
    for backup in backups:
        assert check_backup_file(backup, data_dir=live_db.parent) == code_level()

    restore_database(backups[0], live_db, tmp_path / "safety")
    assert count_rows(live_db) == counts[0]
    assert list((tmp_path / "safety").glob("sebelum-pulihkan-*.sqlite3"))  # the replaced data was kept


def test_foreign_sqlite_file_is_refused(live_db, tmp_path):
    foreign = tmp_path / "lain.sqlite3"
    connection = apsw.Connection(str(foreign))
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    before = count_rows(live_db)
    with pytest.raises(BackupError, match="bukan cadangan Loket Kecamatan"):
        restore_database(foreign, live_db, tmp_path / "safety")
    assert count_rows(live_db) == before


def test_corrupt_or_random_file_is_refused(live_db, tmp_path):
    garbage = tmp_path / "rusak.sqlite3"
    garbage.write_bytes(b"bukan basis data" * 100)
    with pytest.raises(BackupError):
        check_backup_file(garbage, data_dir=live_db.parent)
    truncated = tmp_path / "potong.sqlite3"
    backup_database(live_db, truncated)
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2] + b"\xff" * 100)
    with pytest.raises(BackupError):
        check_backup_file(truncated, data_dir=live_db.parent)


def test_backup_from_newer_version_is_refused(live_db, tmp_path):
    newer = backup_database(live_db, tmp_path / "baru.sqlite3")
    connection = apsw.Connection(str(newer))
    apply_pragmas(connection, passphrase_pragmas(KeyStore(live_db.parent).recovery_key()))
    connection.execute(f"PRAGMA user_version = {code_level() + 1}")
    connection.close()
    with pytest.raises(BackupError, match="lebih baru"):
        restore_database(newer, live_db, tmp_path / "safety")


FULL_DISK_SCRIPT = """
import resource, signal, sys
from pathlib import Path
from app.backups.engine import BackupError, backup_database
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)          # write() fails with EFBIG instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # a 'disk' with room for 8 KB per file
try:
    backup_database(Path(sys.argv[1]), Path(sys.argv[2]))
except BackupError as problem:
    print(problem)
    sys.exit(3)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_full_disk_gives_a_clear_message_and_leaves_no_partial_file(live_db, tmp_path):
    connection = connect(live_db)
    with connection:
        for _ in range(50):
            connection.execute(SAVE, ("y" * 4000,))
    connection.close()
    before = count_rows(live_db)
    target = tmp_path / "out" / "cadangan.sqlite3"
    result = subprocess.run([sys.executable, "-c", FULL_DISK_SCRIPT, str(live_db), str(target)],
                            capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert result.returncode == 3, result.stderr
    assert "ruang disk penuh" in result.stdout
    assert not target.exists() and not list(target.parent.glob("*.sebagian"))
    assert count_rows(live_db) == before


def test_daily_backups_keep_only_the_last_n(live_db, tmp_path):
    folder = tmp_path / "backups"
    for day in range(1, 10):
        ensure_daily_backup(live_db, folder, keep=7, today=date(2026, 11, day))
    assert ensure_daily_backup(live_db, folder, keep=7, today=date(2026, 11, 9)) is None  # once a day
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"otomatis-2026-11-0{d}.sqlite3" for d in range(3, 10)]
    (folder / "manual-1.sqlite3").write_bytes(b"x")
    ensure_daily_backup(live_db, folder, keep=1, today=date(2026, 11, 10))  # manual ones are the admin's to remove
    assert sorted(p.name for p in folder.iterdir()) == ["manual-1.sqlite3", "otomatis-2026-11-10.sqlite3"]


def test_cli_backup_and_restore_round_trip(tmp_path):
    root = __import__("pathlib").Path(__file__).parents[2]
    data = tmp_path / "data"
    run = lambda *args: subprocess.run([sys.executable, "run.py", *args], cwd=root, capture_output=True, text=True)
    assert run("demo", "--data", str(data), "--password", "sandi-demo-1").returncode == 0
    made = run("backup", "--data", str(data), "--to", str(tmp_path / "c.sqlite3"))
    assert made.returncode == 0 and "Cadangan dibuat" in made.stdout
    bad = tmp_path / "bukan.sqlite3"
    bad.write_text("halo")
    refused = run("restore", "--data", str(data), "--from", str(bad))
    assert refused.returncode == 1 and "Pemulihan ditolak" in refused.stderr
    restored = run("restore", "--data", str(data), "--from", str(tmp_path / "c.sqlite3"))
    assert restored.returncode == 0 and "Data dipulihkan" in restored.stdout
    trail = connect(data / "loket.sqlite3").execute(
        "SELECT action, entity_id FROM audit_event WHERE action = 'pulihkan'").fetchall()
    assert trail == [("pulihkan", "c.sqlite3")]  # issue 13: a restore from the command line is recorded too
