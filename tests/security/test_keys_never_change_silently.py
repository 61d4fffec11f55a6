"""Issue 33, finding 4: "Deleting the recovery-key file silently makes a new key, unprinted, without
keeping the old; the next backup cannot be opened on a new PC with the printed paper. A corrupt key
file stops the start with a Python traceback. After the data folder is moved (with the key in the OS
keyring), the message says to restore the last backup, which loses recent work, while moving the
folder back would lose nothing."
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.backups.engine import BackupError, backup_database, open_backup
from app.frame.db import make_database
from tests.support.fresh_process import forget_cached_keys
from app.frame.keystore import KeyMissing, KeyStore
from app.frame.migrations import migrate
from tests.conftest import CsrfClient, sign_in_as
from tests.security.test_encryption_at_rest import memory_keyring

ROOT = Path(__file__).resolve().parents[2]


def start(folder: Path):
    """A start of the app on `folder`, as a new process would do it."""
    forget_cached_keys()
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "x", "TESTING": True})
    app.test_client_class = CsrfClient
    return app


def admin_client(app):
    from app.auth.accounts import create_user
    from app.auth.models import User
    from app.firstrun import seed_identity
    with app.app_context(), app.extensions["database"].connection_context():
        seed_identity("35.08.07")
        user = User.get_or_none(User.username == "admin-uji") or create_user(
            "admin-uji", "Admin", "admin", password="rahasia-kantor-1", must_change_password=False)[0]
        client = app.test_client()
        sign_in_as(client, user)
    return client


@pytest.fixture
def office(tmp_path):
    """An office that has been used: an account, a backup made with its (printed) recovery key."""
    app = start(tmp_path)
    client = admin_client(app)
    assert client.post("/admin/cadangan").status_code == 302
    printed = KeyStore(tmp_path).recovery_key()
    return tmp_path, printed


def key_file(folder: Path) -> Path:
    return folder / "kunci" / "pemulihan"


def test_a_deleted_recovery_key_is_never_replaced_at_the_next_start(office):
    folder, printed = office
    key_file(folder).unlink()
    app = start(folder)  # the next morning
    assert not key_file(folder).exists()  # no new, unprinted key made behind the admin's back
    with pytest.raises(BackupError, match="Kunci pemulihan kantor tidak ditemukan"):
        backup_database(app.config["DATABASE_PATH"], folder / "backups" / "manual-x.sqlite3")

    admin = admin_client(app)
    page = admin.get("/admin/cadangan/kunci-pemulihan").get_data(as_text=True)
    assert "Kunci pemulihan bermasalah" in page and "tidak ditemukan" in page
    assert 'name="recovery_key"' in page and "Buat kunci pemulihan baru" in page
    wrong = admin.post("/admin/cadangan/kunci-pemulihan/ketik", data={"recovery_key": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF"})
    assert wrong.status_code == 422 and "tidak membuka" in wrong.get_data(as_text=True)
    assert not key_file(folder).exists()
    typed = admin.post("/admin/cadangan/kunci-pemulihan/ketik", data={"recovery_key": printed.lower().replace("-", " ")})
    assert typed.status_code == 303
    assert KeyStore(folder).recovery_key() == printed
    made = backup_database(app.config["DATABASE_PATH"], folder / "flashdisk" / "baru.sqlite3")
    open_backup(made, recovery_key=printed)[0].close()  # the paper opens the next backup


def test_a_damaged_recovery_key_file_is_reported_and_only_the_admin_makes_a_new_one(office):
    folder, printed = office
    key_file(folder).write_bytes(b"\xff\xfe\x00\x13rusak")  # not even text
    app = start(folder)  # no traceback
    assert key_file(folder).read_bytes() == b"\xff\xfe\x00\x13rusak"
    admin = admin_client(app)
    page = admin.get("/admin/cadangan/kunci-pemulihan").get_data(as_text=True)
    assert "rusak" in page and "Kunci pemulihan bermasalah" in page
    assert admin.post("/admin/cadangan").status_code == 302  # refused with a message, nothing written
    assert [p.name for p in (folder / "backups").glob("manual-*")].__len__() == 1

    assert admin.post("/admin/cadangan/kunci-pemulihan/ganti", data={"yakin": "ya"}).status_code == 302
    new = KeyStore(folder).recovery_key()
    assert new != printed
    page = admin.get("/admin/cadangan/kunci-pemulihan").get_data(as_text=True)
    assert new in page and "Saya sudah mencetak" in page  # to be printed again


def run_app(*args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", **(env_extra or {}))
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("damage", ["sampah", "kunci-lain"])
def test_a_damaged_database_key_stops_with_the_choices_not_a_traceback(tmp_path, damage):
    start(tmp_path)
    forget_cached_keys()
    database_key = tmp_path / "kunci" / "basis-data"
    before = (tmp_path / "loket.sqlite3").read_bytes()
    database_key.write_bytes(b"\xff\xd8 bukan kunci\n" if damage == "sampah" else b"ab" * 32 + b"\n")
    result = run_app("serve", "--data", str(tmp_path), "--port", "1")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "rusak" in result.stderr and "kembalikan berkas kunci" in result.stderr
    assert "Pulihkan dari cadangan" in result.stderr and "kunci pemulihan" in result.stderr
    assert (tmp_path / "loket.sqlite3").read_bytes() == before


def test_a_moved_data_folder_is_recognised_and_moving_it_back_loses_nothing(tmp_path):
    import keyring
    previous = keyring.get_keyring()
    keyring.set_keyring(memory_keyring())
    try:
        first = tmp_path / "data-lama"
        db = make_database(first / "loket.sqlite3")
        migrate(db)
        db.close()
        moved = tmp_path / "data-baru"
        shutil.move(first, moved)
        forget_cached_keys()
        with pytest.raises(KeyMissing) as stopped:
            make_database(moved / "loket.sqlite3")
        message = str(stopped.value)
        assert "dipindahkan" in message and str(first.resolve()) in message
        assert "tidak ada data yang hilang" in message
        shutil.move(moved, first)
        forget_cached_keys()
        db = make_database(first / "loket.sqlite3")  # back in place: opens as before
        with db.connection_context():
            assert db.execute_sql("PRAGMA user_version").fetchone()[0] > 0
        db.close()
    finally:
        keyring.set_keyring(previous)
        forget_cached_keys()


class _LockedKeyring:
    """An OS key store that refuses to be read (a locked desktop keyring, a Credential Locker
    another session holds): keyring's own error, as its backends raise it."""

    def __init__(self, inner):
        self.inner, self.locked = inner, False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def get_password(self, service, username):
        from keyring.errors import KeyringLocked
        if self.locked:
            raise KeyringLocked("the collection is locked")
        return self.inner.get_password(service, username)


@pytest.fixture
def os_keyring():
    from app.frame import keystore
    yield _LockedKeyring(memory_keyring())
    keystore.unreadable.clear()
    forget_cached_keys()


def _started_by(folder, backend, monkeypatch, account):
    """A start as `account` with `backend` as the OS key store."""
    from app.frame import keystore
    monkeypatch.setattr(keystore, "current_account", lambda: account)
    monkeypatch.setattr(keystore.keyring, "get_keyring", lambda: backend)
    forget_cached_keys()
    keystore.unreadable.clear()
    return make_database(folder / "loket.sqlite3")


NO_RESTORE_ADVICE = ("Pulihkan dari cadangan", "kembalikan berkas kunci")


def test_a_locked_key_store_names_the_account_and_never_advises_a_restore(tmp_path, os_keyring, monkeypatch):
    """Issue 42, finding 9: a locked OS key store was reported as a lost key with the advice to
    restore the last backup, which loses the day."""
    db = _started_by(tmp_path, os_keyring, monkeypatch, "operator-kantor")
    migrate(db)
    db.close()
    os_keyring.locked = True
    with pytest.raises(KeyMissing) as stopped:
        _started_by(tmp_path, os_keyring, monkeypatch, "operator-kantor")
    message = str(stopped.value)
    assert "terkunci" in message and "“operator-kantor”" in message
    assert "JANGAN memulihkan cadangan" in message
    assert not any(advice in message for advice in NO_RESTORE_ADVICE)


def test_another_windows_user_is_told_whose_account_holds_the_keys(tmp_path, os_keyring, monkeypatch):
    db = _started_by(tmp_path, os_keyring, monkeypatch, "operator-kantor")
    migrate(db)
    db.close()
    empty_store_of_another_user = _LockedKeyring(memory_keyring())
    with pytest.raises(KeyMissing) as stopped:
        _started_by(tmp_path, empty_store_of_another_user, monkeypatch, "tamu")
    message = str(stopped.value)
    assert "“tamu”" in message and "masuk ke Windows dengan akun “operator-kantor”" in message
    assert not any(advice in message for advice in NO_RESTORE_ADVICE)


def test_a_locked_store_on_the_recovery_key_is_not_called_lost(tmp_path, os_keyring, monkeypatch):
    from app.backups.engine import recovery_key_problem
    _started_by(tmp_path, os_keyring, monkeypatch, "operator-kantor").close()
    KeyStore(tmp_path).recovery_key(create=True)
    os_keyring.locked = True
    from app.frame import keystore
    keystore.unreadable.clear()
    message = recovery_key_problem(tmp_path)
    assert "terkunci" in message and "“operator-kantor”" in message and "buat kunci baru" not in message
