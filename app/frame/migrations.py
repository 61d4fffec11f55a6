"""Numbered SQL migrations from schema/<name>/NNNN_*.sql, applied in order in one transaction.

The level is kept in PRAGMA user_version (as calibre does); a shipped file is never edited.
"""
import re
from functools import lru_cache
from pathlib import Path

SCHEMA_ROOT = Path(__file__).resolve().parents[2] / "schema"
KECAMATAN_SCHEMA = SCHEMA_ROOT / "kecamatan"
# Marks a file as a Loket Kecamatan database ('LKEC'), so restore can refuse foreign files.
APPLICATION_ID = 0x4C4B4543


class DatabaseTooNew(Exception):
    """The database was written by a newer version of the app."""


def migration_files(directory: Path = KECAMATAN_SCHEMA) -> list[tuple[int, Path]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = re.match(r"(\d{4})_", path.name)
        if match:
            found.append((int(match.group(1)), path))
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {directory} are not numbered 0001.. without gaps: {numbers}")
    return found


def code_level(directory: Path = KECAMATAN_SCHEMA) -> int:
    return len(migration_files(directory))


def database_level(db) -> int:
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def check_not_too_new(level: int, directory: Path = KECAMATAN_SCHEMA) -> None:
    known = code_level(directory)
    if level > known:
        raise DatabaseTooNew(
            f"Basis data ini dibuat oleh versi aplikasi yang lebih baru (level {level}, "
            f"aplikasi ini level {known}). Perbarui aplikasi; data tidak diubah.")


def migrate(db, directory: Path = KECAMATAN_SCHEMA) -> int:
    """Apply pending migrations; all or nothing. Returns the new level."""
    files = migration_files(directory)
    current = database_level(db)
    check_not_too_new(current, directory)
    if current == len(files):
        return current  # the usual start: nothing to do, no write lock taken
    connection = db.connection()
    # The level is read again under the write lock (BEGIN IMMEDIATE): two processes starting
    # after an upgrade queue here, and the second finds the files applied by the first.
    with db.atomic("IMMEDIATE"):
        current = database_level(db)
        check_not_too_new(current, directory)
        pending = [(n, p) for n, p in files if n > current]
        for number, path in pending:
            # apsw runs every statement of the script; an error rolls back the whole batch.
            connection.execute(path.read_text(encoding="utf-8"))
            connection.execute(f"PRAGMA user_version = {number}")
    return pending[-1][0] if pending else current


@lru_cache(maxsize=8)
def schema_at_level(level: int, directory: Path = KECAMATAN_SCHEMA) -> frozenset[tuple]:
    """What sqlite_master holds (type, name, table, SQL with spaces folded) in a database freshly
    migrated to `level`: the yardstick a restored backup must match exactly."""
    import apsw

    connection = apsw.Connection(":memory:")
    try:
        for number, path in migration_files(directory):
            if number <= level:
                connection.execute(path.read_text(encoding="utf-8"))
        return schema_of(connection)
    finally:
        connection.close()


def schema_of(connection) -> frozenset[tuple]:
    """sqlite_master of an apsw connection as comparable rows (SQL with spaces folded)."""
    rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                              "WHERE name NOT LIKE 'sqlite_%'").fetchall()
    return frozenset((kind, name, table, " ".join((sql or "").split())) for kind, name, table, sql in rows)
