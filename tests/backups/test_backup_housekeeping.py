"""Issue 33, finding 7 (backups): "partial backup files and pre-restore copies are never cleaned up;
a restore killed after its copy leaves no audit entry (7 cases)."
"""
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.backups import engine
from app.backups.engine import backup_database, restore_database
from app.frame.audit_event import AuditEvent
from tests.security.test_backup_keys import new_office
from tests.support.fresh_process import forget_cached_keys

ROOT = Path(__file__).resolve().parents[2]


def start(folder: Path):
    forget_cached_keys()
    return create_app({"DATA_DIR": folder, "SECRET_KEY": "x", "TESTING": True})


def restore_entries(app) -> list[str]:
    with app.app_context(), app.extensions["database"].connection_context():
        return [e.summary for e in AuditEvent.select().where(AuditEvent.action == "pulihkan").order_by(AuditEvent.id)]


def test_partial_backup_files_are_removed_at_start(tmp_path):
    office = new_office(tmp_path)
    folder = tmp_path / "backups"
    good = backup_database(office, folder / "manual-20261101-080000.sqlite3")
    cut = [folder / "otomatis-2026-11-02.sqlite3.sebagian", folder / "unggahan-20261102-090000.sqlite3.sebagian"]
    for path in cut:
        path.write_bytes(b"\0" * 8192)
    start(tmp_path)
    assert not any(path.exists() for path in cut)
    assert good.exists()


def test_pre_restore_copies_keep_the_backups_retention(tmp_path, monkeypatch):
    office = new_office(tmp_path)
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")
    folder = tmp_path / "backups"
    for minute in range(4):
        monkeypatch.setattr(engine, "datetime", _clock(minute))
        restore_database(backup, office, folder, keep=2)
    kept = sorted(p.name for p in folder.glob("sebelum-pulihkan-*"))
    assert kept == ["sebelum-pulihkan-20261102-080200.sqlite3", "sebelum-pulihkan-20261102-080300.sqlite3"]


def _clock(minute):
    from datetime import datetime

    class Fixed(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 2, 8, minute, 0)
    return Fixed


def test_a_restore_stopped_after_its_copy_is_recorded_at_the_next_start(tmp_path):
    office = new_office(tmp_path)
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")
    restore_database(backup, office, tmp_path / "backups")  # the page was killed before its audit entry
    entries = restore_entries(start(tmp_path))
    assert len(entries) == 1 and "Data dipulihkan dari cadangan.sqlite3" in entries[0]
    assert "sebelum-pulihkan-" in entries[0]
    assert restore_entries(start(tmp_path)) == entries  # recorded once


def test_a_restore_cut_during_its_copy_is_recorded_as_cut_short(tmp_path, monkeypatch):
    office = new_office(tmp_path)
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")

    def power_cut(*args, **kwargs):
        raise SystemExit("listrik padam")
    monkeypatch.setattr(engine, "replace_live_database", power_cut)
    with pytest.raises(SystemExit):
        restore_database(backup, office, tmp_path / "backups")
    monkeypatch.undo()
    entries = restore_entries(start(tmp_path))
    assert len(entries) == 1 and "terhenti sebelum selesai" in entries[0]


def test_the_command_line_restore_is_recorded_once(tmp_path):
    office = new_office(tmp_path)
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")
    done = subprocess.run([sys.executable, "run.py", "restore", "--data", str(tmp_path), "--from", str(backup)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    entries = restore_entries(start(tmp_path))
    assert len(entries) == 1 and "Data dipulihkan dari cadangan.sqlite3" in entries[0]
