"""A file the admin was told of is on the disk under its name (issue 42, finding 9): backups, key files
and notes are made final by one helper (app/frame/private_files.make_final: sync the file, rename,
sync the folder; on Windows a write-through rename), shown by a power cut right after the answer
(tests/support/folder_power_cut.py); what a cut leaves under a temporary name is cleared at start."""
import os

import pytest

from app import create_app
from app.backups.engine import list_backups
from app.frame import private_files
from app.frame.db import database
from app.frame.keystore import KEY_FOLDER, RECOVERY_KEY, KeyStore
from app.frame.private_files import MOVEFILE_WRITE_THROUGH, make_final, write_private
from tests.support.folder_power_cut import FolderEntriesCut


@pytest.fixture
def without_folder_sync(monkeypatch):
    """The version before: the rename left in the disk's cache."""
    monkeypatch.setattr(private_files, "sync_folder", lambda folder: None)


def _restart(app):
    """The next start on the same folder (its cleanup), then the models back on the test's app."""
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"], "SECRET_KEY": "test-secret", "TESTING": True})
    restarted.extensions["database"].close_all()
    database.initialize(app.extensions["database"])
    return restarted


def _backup_then_cut(app, client_for, monkeypatch):
    folder = app.config["BACKUP_DIR"]
    layer = FolderEntriesCut(monkeypatch, folder)
    answer = client_for("admin").post("/admin/cadangan", follow_redirects=True)
    assert answer.status_code == 200 and "dibuat." in answer.get_data(as_text=True)
    told = next(p.name for p in list_backups(folder))
    layer.cut()
    monkeypatch.undo()
    return told, [p.name for p in list_backups(_restart(app).config["BACKUP_DIR"])]


def test_a_backup_the_admin_was_told_of_survives_a_cut_right_after_the_answer(app, client_for, monkeypatch):
    told, after_restart = _backup_then_cut(app, client_for, monkeypatch)
    assert told in after_restart


def test_the_cut_does_lose_the_backup_when_the_folder_is_not_synced(app, client_for, monkeypatch,
                                                                    without_folder_sync):
    """The layer can fail: the rename kept in the cache leaves the temporary name, cleared at start."""
    told, after_restart = _backup_then_cut(app, client_for, monkeypatch)
    assert told not in after_restart
    assert not list(app.config["BACKUP_DIR"].iterdir())  # the half-named copy is gone, not piled up


@pytest.mark.parametrize("synced", [True, False])
def test_a_key_file_survives_a_cut_right_after_it_is_written(tmp_path, monkeypatch, synced):
    if not synced:
        monkeypatch.setattr(private_files, "sync_folder", lambda folder: None)
    store = KeyStore(tmp_path)
    store.put(RECOVERY_KEY, "LAMA1-LAMA2-LAMA3-LAMA4-LAMA5-LAMA6")
    layer = FolderEntriesCut(monkeypatch, tmp_path / KEY_FOLDER)
    store.put(RECOVERY_KEY, "BARU2-BARU3-BARU4-BARU5-BARU6-BARU7")  # the admin's "kunci baru", then the cut
    layer.cut()
    expected = "BARU2-BARU3-BARU4-BARU5-BARU6-BARU7" if synced else "LAMA1-LAMA2-LAMA3-LAMA4-LAMA5-LAMA6"
    assert store.get(RECOVERY_KEY) == expected


def test_the_restore_note_survives_a_cut(tmp_path, monkeypatch):
    layer = FolderEntriesCut(monkeypatch, tmp_path)
    write_private(tmp_path / "pemulihan-berjalan.json", '{"keadaan": "berjalan"}\n')
    layer.cut()
    assert (tmp_path / "pemulihan-berjalan.json").read_text() == '{"keadaan": "berjalan"}\n'
    assert layer.folder_syncs == 1


def test_leftovers_of_a_cut_are_cleared_at_start_and_real_files_kept(app):
    data, backups = app.config["DATA_DIR"], app.config["BACKUP_DIR"]
    backups.mkdir(exist_ok=True)
    leftovers = [backups / "manual-20260101-080000.sqlite3.sebagian", backups / "manual-20260101-080000.sqlite3.sebagian-journal",
                 backups / "otomatis-2026-01-02.sqlite3.sebagian-journal", data / "secret_key.baru",
                 data / KEY_FOLDER / "pemulihan.baru", data / "generasi-nomor.txt.baru"]
    (data / KEY_FOLDER).mkdir(exist_ok=True)
    for path in leftovers:
        path.write_bytes(b"setengah")
    kept = backups / "manual-20251231-080000.sqlite3"
    kept.write_bytes(b"x" * 512)
    _restart(app)
    assert [p for p in leftovers if p.exists()] == []
    assert kept.exists() and (data / "secret_key").exists()


class _WindowsOs:
    """os as a Windows PC shows it to private_files: os.name == "nt", the rest is this machine's."""
    name = "nt"

    def __init__(self, opened):
        self.opened = opened

    def open(self, path, flags, *mode):
        if os.path.isdir(path):  # Windows opens no folder: os.open answers PermissionError
            self.opened.append(path)
            raise PermissionError(13, "Access is denied", str(path))
        return os.open(path, flags, *mode)

    def __getattr__(self, name):
        return getattr(os, name)


def test_on_windows_the_rename_is_written_through_and_no_folder_is_opened(tmp_path, monkeypatch):
    opened, moves = [], []

    class Kernel32:
        def MoveFileExW(self, source, target, flags):  # noqa: N802 - the Windows function's name
            moves.append(flags)
            os.replace(source, target)
            return 1

    monkeypatch.setattr(private_files, "os", _WindowsOs(opened))
    monkeypatch.setattr(private_files.ctypes, "WinDLL", lambda name, use_last_error=False: Kernel32(), raising=False)
    (tmp_path / "kunci.baru").write_text("isi")
    make_final(tmp_path / "kunci.baru", tmp_path / "kunci")
    assert (tmp_path / "kunci").read_text() == "isi" and not (tmp_path / "kunci.baru").exists()
    assert moves and moves[0] & MOVEFILE_WRITE_THROUGH
    assert opened == []  # the folder was never opened for a sync Windows cannot do


def test_on_windows_without_kernel32_and_a_folder_that_refuses_nothing_breaks(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(private_files, "os", _WindowsOs(opened))
    monkeypatch.delattr(private_files.ctypes, "WinDLL", raising=False)
    write_private(tmp_path / "secret_key", "rahasia")
    assert (tmp_path / "secret_key").read_text() == "rahasia"


def test_a_folder_that_cannot_be_opened_for_sync_keeps_the_file(tmp_path, monkeypatch):
    """POSIX: a network share or an odd driver refusing the folder's descriptor is no error for the admin."""
    opened = []
    windows_like = _WindowsOs(opened)
    windows_like.name = "posix"
    monkeypatch.setattr(private_files, "os", windows_like)
    write_private(tmp_path / "catatan.json", "{}")
    assert (tmp_path / "catatan.json").read_text() == "{}"
    assert opened == [tmp_path]
