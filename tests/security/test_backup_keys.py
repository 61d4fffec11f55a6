"""Issue 14: backups safe on a USB stick, restored only with the right key, checked at restore.

Finding: "`run.py restore` accepted an edited backup (admin password replaced, audit rows and the
delete trigger removed) and the app did not notice the missing trigger."
"""
import shutil
import subprocess
import sys
from pathlib import Path

import apsw
import pytest

from app.backups.engine import BackupError, backup_database, check_backup_file, restore_database
from app.frame.db import apply_pragmas, connect, make_database, passphrase_pragmas
from tests.support.fresh_process import forget_cached_keys
from app.frame.keystore import KeyStore, normalise_recovery_key
from app.frame.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]


def new_office(folder: Path, admin_hash: str = "hash-asli") -> Path:
    """A migrated office database with an admin account and one audit row."""
    path = folder / "loket.sqlite3"
    db = make_database(path)
    migrate(db)
    db.execute_sql("INSERT INTO user (username, full_name, nip, role, password_hash, must_change_password, "
                   "is_active, created_at) VALUES ('admin', 'Admin', '', 'admin', ?, 0, 1, '2026-11-02')", (admin_hash,))
    db.execute_sql("INSERT INTO audit_event (at, username, address, action, entity, entity_id, summary) "
                   "VALUES ('2026-11-02', 'admin', '-', 'masuk', 'user', '1', 'masuk')")
    db.close()
    KeyStore(folder).recovery_key(create=True)  # as the app does at its first start
    return path


def admin_hash(path: Path) -> str:
    return connect(path).execute("SELECT password_hash FROM user WHERE username = 'admin'").fetchone()[0]


def open_with_key(path: Path, key: str) -> apsw.Connection:
    return apply_pragmas(apsw.Connection(str(path)), passphrase_pragmas(key))


def decrypted_copy(backup: Path, key: str, destination: Path) -> Path:
    """A plain SQLite copy of a backup, as the previous version wrote backups."""
    shutil.copyfile(backup, destination)
    connection = open_with_key(destination, key)
    connection.execute("PRAGMA rekey = ''").fetchall()  # SQLite3 Multiple Ciphers: remove encryption
    connection.close()
    assert destination.read_bytes()[:15] == b"SQLite format 3"
    return destination


@pytest.fixture
def office(tmp_path):
    path = new_office(tmp_path / "kantor")
    backup = backup_database(path, tmp_path / "flashdisk" / "cadangan.sqlite3")
    return path, backup


def test_same_pc_restores_without_asking_anything(office, tmp_path):
    path, backup = office
    connect(path).execute("UPDATE user SET password_hash = 'diubah' WHERE username = 'admin'")
    restore_database(backup, path, path.parent / "backups")
    assert admin_hash(path) == "hash-asli"


def test_a_new_pc_needs_the_printed_recovery_key(office, tmp_path):
    old_path, backup = office
    printed = KeyStore(old_path.parent).recovery_key()
    new_pc = new_office(tmp_path / "pc-baru", admin_hash="hash-pc-baru")
    with pytest.raises(BackupError) as refused:
        restore_database(backup, new_pc, new_pc.parent / "backups")
    assert refused.value.needs_recovery_key and "kunci pemulihan" in str(refused.value)
    assert admin_hash(new_pc) == "hash-pc-baru"  # untouched

    typed = printed.lower().replace("-", " ")  # as a person types it from paper
    restore_database(backup, new_pc, new_pc.parent / "backups", recovery_key=typed)
    assert admin_hash(new_pc) == "hash-asli"
    # The office's printed key is now this PC's key: its next backups open with the same printout.
    assert KeyStore(new_pc.parent).recovery_key() == printed == normalise_recovery_key(typed)


def test_a_backup_from_another_office_or_with_a_wrong_key_is_refused(office, tmp_path):
    _, backup = office
    other = new_office(tmp_path / "kantor-lain", admin_hash="hash-lain")
    for typed in (None, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF"):
        with pytest.raises(BackupError, match="kantor lain") as refused:
            restore_database(backup, other, other.parent / "backups", recovery_key=typed)
        assert refused.value.needs_recovery_key
    assert admin_hash(other) == "hash-lain"


def test_a_truncated_backup_is_refused_as_such(office, tmp_path):
    path, backup = office
    data = backup.read_bytes()
    for cut in (len(data) // 2, len(data) - 4096, 100):
        short = tmp_path / f"potong-{cut}.sqlite3"
        short.write_bytes(data[:cut])
        with pytest.raises(BackupError, match="terpotong"):
            restore_database(short, path, path.parent / "backups")
    assert admin_hash(path) == "hash-asli"


def edit_like_an_attacker(connection) -> None:
    """The edit of the finding: admin password replaced, audit rows and the delete trigger removed."""
    connection.execute("DROP TRIGGER audit_event_no_delete")
    connection.execute("DELETE FROM audit_event")
    connection.execute("UPDATE user SET password_hash = 'hash-penyerang' WHERE username = 'admin'")


def test_an_edited_backup_is_refused_and_current_data_untouched(office, tmp_path):
    path, backup = office
    # Even someone holding the recovery key (or an old unencrypted backup) cannot slip it in.
    edited = tmp_path / "diubah.sqlite3"
    shutil.copyfile(backup, edited)
    connection = open_with_key(edited, KeyStore(path.parent).recovery_key())
    edit_like_an_attacker(connection)
    connection.close()
    plain = decrypted_copy(edited, KeyStore(path.parent).recovery_key(), tmp_path / "diubah-polos.sqlite3")

    with pytest.raises(BackupError, match="susunan basis datanya telah diubah") as refused:
        restore_database(edited, path, path.parent / "backups")
    assert "audit_event_no_delete" in str(refused.value)
    with pytest.raises(BackupError, match="tidak terenkripsi"):  # issue 24: plaintext proves nothing
        restore_database(plain, path, path.parent / "backups")
    assert admin_hash(path) == "hash-asli"
    assert connect(path).execute("SELECT count(*) FROM audit_event").fetchone()[0] == 1
    assert not list((path.parent / "backups").glob("sebelum-pulihkan-*"))  # refused before anything was done


def test_an_extra_index_or_a_missing_one_is_refused_too(office, tmp_path):
    path, backup = office
    key = KeyStore(path.parent).recovery_key()
    for change in ("CREATE INDEX sisipan ON user (full_name)", "DROP INDEX audit_event_action"):
        copy = tmp_path / "ubah.sqlite3"
        shutil.copyfile(backup, copy)
        connection = open_with_key(copy, key)
        connection.execute(change)
        connection.close()
        with pytest.raises(BackupError, match="telah diubah"):
            check_backup_file(copy, data_dir=path.parent)


def test_an_old_unencrypted_backup_from_outside_is_refused(office, tmp_path):
    """Issue 24: a plaintext file cannot prove where it comes from. The office's own backups of the
    plaintext era were encrypted in its backup folder at the upgrade (test_encryption_at_rest)."""
    path, backup = office
    plain = decrypted_copy(backup, KeyStore(path.parent).recovery_key(), tmp_path / "lama.sqlite3")
    connect(path).execute("UPDATE user SET password_hash = 'diubah'")
    with pytest.raises(BackupError, match="tidak terenkripsi"):
        restore_database(plain, path, path.parent / "backups")
    assert admin_hash(path) == "diubah"


def test_a_changed_recovery_key_still_restores_older_backups_here(office, tmp_path):
    path, backup = office
    store = KeyStore(path.parent)
    old = store.recovery_key()
    new = store.replace_recovery_key()
    assert new != old
    newer = backup_database(path, tmp_path / "flashdisk" / "baru.sqlite3")
    open_with_key(newer, new).execute("SELECT count(*) FROM user").fetchone()  # new backups: new key
    with pytest.raises(apsw.NotADBError):
        open_with_key(newer, old).execute("SELECT count(*) FROM user").fetchone()
    restore_database(backup, path, path.parent / "backups")  # older backup, same PC: still fine


KILL_RESTORE = """
import sys
from pathlib import Path
from app.backups.engine import restore_database
restore_database(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_kill_during_restore_leaves_the_old_or_the_new_data(tmp_path):
    path = new_office(tmp_path / "kantor")
    db = connect(path)
    with db:
        for n in range(3000):
            db.execute("INSERT INTO throttle_hit (scope, key, at) VALUES (?, '-', '2026-11-02')", ("x" * 200 + str(n),))
    db.close()
    backup = backup_database(path, tmp_path / "cadangan.sqlite3")
    connect(path).execute("DELETE FROM throttle_hit")
    import os
    import time
    for delay in (0.05, 0.15, 0.3):
        process = subprocess.Popen([sys.executable, "-c", KILL_RESTORE, str(backup), str(path), str(tmp_path / "aman")],
                                   cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        time.sleep(delay)
        process.kill()
        process.wait()
        forget_cached_keys()
        rows = connect(path).execute("SELECT count(*) FROM throttle_hit").fetchone()[0]
        assert rows in (0, 3000)
        assert connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        connect(path).execute("DELETE FROM throttle_hit")


def test_cli_restore_on_a_new_pc_with_the_recovery_key(tmp_path):
    old = new_office(tmp_path / "lama")
    backup = backup_database(old, tmp_path / "c.sqlite3")
    printed = KeyStore(old.parent).recovery_key()
    new_data = new_office(tmp_path / "baru", admin_hash="hash-pc-baru").parent  # a fresh install
    run = lambda *args: subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True)
    refused = run("restore", "--data", str(new_data), "--from", str(backup))
    assert refused.returncode == 1 and "kunci pemulihan" in refused.stderr
    done = run("restore", "--data", str(new_data), "--from", str(backup), "--kunci-pemulihan", printed)
    assert done.returncode == 0, done.stderr
    forget_cached_keys()
    assert admin_hash(new_data / "loket.sqlite3") == "hash-asli"


def test_restore_page_on_a_new_pc_asks_for_the_recovery_key(app, db, client_for, tmp_path):
    """The admin's browser restore (issue 10's page) with a backup from the old, dead PC."""
    import io
    from app.frame import store
    old_pc = new_office(tmp_path / "pc-lama")
    from_stick = backup_database(old_pc, tmp_path / "flashdisk" / "cadangan.sqlite3").read_bytes()
    printed = KeyStore(old_pc.parent).recovery_key()
    with db.atomic():
        store.put("phone", "0334-111")
    admin = client_for("admin")

    def upload(**fields):
        data = {"confirm": "ya", "backup_file": (io.BytesIO(from_stick), "cadangan.sqlite3"), **fields}
        return admin.post("/admin/cadangan/pulihkan", content_type="multipart/form-data", data=data)

    refused = upload()
    assert refused.status_code == 422 and "kunci pemulihan" in refused.get_data(as_text=True)
    assert upload(recovery_key="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF").status_code == 422
    assert store.get("phone") == "0334-111"  # nothing changed
    assert 'name="recovery_key"' in admin.get("/admin/cadangan").get_data(as_text=True)

    assert upload(recovery_key=printed.lower()).status_code == 303
    assert connect(app.config["DATABASE_PATH"]).execute(
        "SELECT password_hash FROM user WHERE username = 'admin'").fetchone()[0] == "hash-asli"
    assert KeyStore(app.config["DATA_DIR"]).recovery_key() == printed  # the paper stays the office's key
