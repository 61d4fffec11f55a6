"""Online, consistent backups through apsw's backup API, and a restore that checks the file.

With WAL, one backup step over the whole file holds a read snapshot: clerks keep saving
while it runs, and the copy is the database as of one instant.
"""
import os
from datetime import datetime
from pathlib import Path

import apsw

from app.frame import installation
from app.frame.migrations import APPLICATION_ID, KECAMATAN_SCHEMA, code_level

AUTOMATIC_PREFIX = "otomatis-"
SUFFIX = ".sqlite3"


class BackupError(Exception):
    """Indonesian message for the admin; the live database is untouched."""


def backup_database(db_path: Path, destination: Path) -> Path:
    """Copy the live database to `destination` (written to a temporary name, then renamed)."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".sebagian")
    source = apsw.Connection(str(db_path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        target = apsw.Connection(str(partial))
        try:
            with target.backup("main", source, "main") as copy:
                copy.step(-1)
            target.execute("PRAGMA journal_mode = delete")  # one self-contained file
        finally:
            target.close()
        os.replace(partial, destination)
    except (apsw.FullError, apsw.IOError, OSError) as problem:
        partial.unlink(missing_ok=True)
        raise BackupError("Cadangan gagal dibuat: ruang disk penuh atau tidak dapat ditulis "
                          f"({type(problem).__name__}). Basis data tidak berubah.") from problem
    finally:
        source.close()
    return destination


def check_backup_file(path: Path, directory: Path = KECAMATAN_SCHEMA) -> int:
    """Raise BackupError unless `path` is a sound Loket Kecamatan database; returns its level."""
    path = Path(path)
    if not path.is_file():
        raise BackupError("Berkas cadangan tidak ditemukan.")
    try:
        connection = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    except apsw.Error:
        raise BackupError("Berkas ini bukan cadangan Loket Kecamatan yang dapat dibaca.") from None
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        if application_id != APPLICATION_ID:
            raise BackupError("Berkas ini bukan cadangan Loket Kecamatan (basis data aplikasi lain).")
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError("Berkas cadangan rusak (pemeriksaan integritas gagal).")
        level = connection.execute("PRAGMA user_version").fetchone()[0]
    except apsw.Error:
        raise BackupError("Berkas ini bukan cadangan Loket Kecamatan yang dapat dibaca (rusak atau bukan SQLite).") from None
    finally:
        connection.close()
    if level > code_level(directory):
        raise BackupError(f"Cadangan ini dari versi aplikasi yang lebih baru (level {level}); perbarui aplikasi dahulu.")
    return level


def restore_database(backup_path: Path, db_path: Path, safety_dir: Path) -> Path | None:
    """Replace the live database with a checked backup; the current one is saved first.

    The one API the restore flow uses (admin page, CLI); raises BackupError with an Indonesian
    message and then the live database is unchanged. The copy is one SQLite transaction on the
    live file (apsw's backup API), so a power cut in the middle leaves the old data or the new,
    never a mix: the journal rolls an unfinished copy back at the next open.
    """
    check_backup_file(backup_path)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safety = backup_database(db_path, Path(safety_dir) / f"sebelum-pulihkan-{stamp}{SUFFIX}") if Path(db_path).exists() else None
    source = apsw.Connection(str(backup_path), flags=apsw.SQLITE_OPEN_READONLY)
    target = apsw.Connection(str(db_path))
    target.setbusytimeout(15_000)  # a clerk's save in flight finishes first
    try:
        reserved = installation.reserve_before_restore(target, db_path)
        with target.backup("main", source, "main") as copy:
            copy.step(-1)
        # A fresh numbering generation: the restored data never hands out an old number again.
        installation.advance_after_restore(target, db_path, reserved)
    except apsw.BusyError:
        raise BackupError("Basis data sedang sibuk dipakai; tunggu sebentar lalu ulangi pemulihan. "
                          "Data tidak berubah.") from None
    except (apsw.FullError, apsw.IOError) as problem:
        raise BackupError("Pemulihan gagal: ruang disk penuh atau tidak dapat ditulis "
                          f"({type(problem).__name__}). Data tidak berubah.") from problem
    finally:
        target.close()
        source.close()
    return safety


def automatic_backup_name(day) -> str:
    return f"{AUTOMATIC_PREFIX}{day.isoformat()}{SUFFIX}"


def list_backups(directory: Path) -> list[Path]:
    if not Path(directory).is_dir():
        return []
    return sorted(Path(directory).glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)


def prune_automatic_backups(directory: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` automatic backups; manual ones are the admin's to remove."""
    automatic = sorted(Path(directory).glob(f"{AUTOMATIC_PREFIX}*{SUFFIX}"), reverse=True)
    removed = automatic[keep:]
    for path in removed:
        path.unlink()
    return removed


def ensure_daily_backup(db_path: Path, directory: Path, keep: int, today) -> Path | None:
    """Make today's automatic backup if it is missing; returns the new file or None."""
    target = Path(directory) / automatic_backup_name(today)
    if target.exists():
        return None
    made = backup_database(db_path, target)
    prune_automatic_backups(directory, keep)
    return made
