"""Issue 24, finding 6: "A plaintext backup bypasses the recovery key. A downloaded backup,
decrypted, with the audit trail wiped, a forged row, a planted admin password hash and a changed
NIK, was restored into another office's folder from the command line and from the admin page with
an empty recovery key; the planted password signed in."

A backup proves itself with the recovery key (authenticated encryption, every page checked) before
anything is replaced; a plaintext file is never restored once the office's database is encrypted.
"""
import io
import subprocess
import sys
from pathlib import Path

import pytest

from app.backups.engine import BackupError, backup_database, restore_database
from app.frame.db import connect
from app.frame.keystore import KeyStore
from tests.security.test_backup_keys import admin_hash, decrypted_copy, new_office, open_with_key
from tests.support.fresh_process import forget_cached_keys

ROOT = Path(__file__).resolve().parents[2]


def forge(connection) -> None:
    """The finding's edit, keeping the schema exactly as the code builds it."""
    connection.execute("DROP TRIGGER audit_event_no_delete")
    connection.execute("DELETE FROM audit_event")
    connection.execute("CREATE TRIGGER \"audit_event_no_delete\" BEFORE DELETE ON \"audit_event\"\n"
                       "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END")
    connection.execute("UPDATE user SET password_hash = 'hash-penyerang' WHERE username = 'admin'")
    connection.execute("INSERT INTO setting (key, value, updated_at) VALUES ('phone', '\"palsu\"', '2026-11-02') "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


@pytest.fixture
def forged_plaintext(tmp_path):
    """A backup of office A, decrypted with A's recovery key and edited outside the app."""
    office_a = new_office(tmp_path / "kantor-a")
    backup = backup_database(office_a, tmp_path / "unduhan" / "cadangan.sqlite3")
    plain = decrypted_copy(backup, KeyStore(office_a.parent).recovery_key(), tmp_path / "polos.sqlite3")
    connection = open_with_key(plain, "")
    forge(connection)
    connection.close()
    return plain


def test_a_forged_plaintext_backup_is_refused_in_another_office(forged_plaintext, tmp_path):
    office_b = new_office(tmp_path / "kantor-b", admin_hash="hash-b")
    for typed in (None, "", KeyStore(office_b.parent).recovery_key()):
        with pytest.raises(BackupError, match="tidak terenkripsi"):
            restore_database(forged_plaintext, office_b, office_b.parent / "backups", recovery_key=typed)
    assert admin_hash(office_b) == "hash-b"
    assert connect(office_b).execute("SELECT count(*) FROM audit_event").fetchone()[0] == 1
    assert not list((office_b.parent / "backups").glob("sebelum-pulihkan-*"))  # refused before anything


def test_a_plaintext_copy_of_this_offices_own_backup_is_refused_too(tmp_path):
    office = new_office(tmp_path / "kantor")
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")
    plain = decrypted_copy(backup, KeyStore(office.parent).recovery_key(), tmp_path / "polos.sqlite3")
    with pytest.raises(BackupError, match="tidak terenkripsi"):
        restore_database(plain, office, office.parent / "backups")


def test_a_flipped_byte_in_an_encrypted_backup_is_caught_before_anything_is_replaced(tmp_path):
    """Every page carries a tag keyed from the recovery key: a change anywhere is found by the check."""
    office = new_office(tmp_path / "kantor")
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")
    data = bytearray(backup.read_bytes())
    connect(office).execute("UPDATE user SET password_hash = 'sekarang'")
    for offset in (4096 + 700, len(data) - 300):
        changed = bytearray(data)
        changed[offset] ^= 0x01
        copy = tmp_path / f"ubah-{offset}.sqlite3"
        copy.write_bytes(bytes(changed))
        with pytest.raises(BackupError, match="rusak"):
            restore_database(copy, office, office.parent / "backups")
    assert admin_hash(office) == "sekarang"
    assert not list((office.parent / "backups").glob("sebelum-pulihkan-*"))


def test_cli_refuses_the_forged_plaintext_backup(forged_plaintext, tmp_path):
    office_b = new_office(tmp_path / "kantor-b", admin_hash="hash-b")
    done = subprocess.run([sys.executable, "run.py", "restore", "--data", str(office_b.parent),
                           "--from", str(forged_plaintext), "--kunci-pemulihan", ""],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "tidak terenkripsi" in done.stderr, done.stderr
    forget_cached_keys()
    assert admin_hash(office_b) == "hash-b"


def test_admin_page_refuses_the_forged_plaintext_backup(app, db, client_for, forged_plaintext):
    from app.frame import store
    with db.atomic():
        store.put("phone", "asli")
    response = client_for("admin").post(
        "/admin/cadangan/pulihkan", content_type="multipart/form-data",
        data={"confirm": "ya", "recovery_key": "",
              "backup_file": (io.BytesIO(forged_plaintext.read_bytes()), "cadangan.sqlite3")})
    assert response.status_code == 422 and "tidak terenkripsi" in response.get_data(as_text=True)
    assert store.get("phone") == "asli"
    assert not list(app.config["BACKUP_DIR"].glob("unggahan-*"))
