"""Numbered SQL migrations from schema/<name>/NNNN_*.sql, applied in order in one transaction.

The level is kept in PRAGMA user_version (as calibre does); a shipped file is never edited. The
application id says which schema a file follows: the kecamatan's (schema/kecamatan) or a desa PC's
(schema/desa), whose older databases, made under the kecamatan's schema, migrate_desa converts.
"""
import logging
import re
from functools import lru_cache
from pathlib import Path

from app.frame import audit

SCHEMA_ROOT = Path(__file__).resolve().parents[2] / "schema"
KECAMATAN_SCHEMA = SCHEMA_ROOT / "kecamatan"
DESA_SCHEMA = SCHEMA_ROOT / "desa"
# Marks a file as a Loket Kecamatan database ('LKEC'), so restore can refuse foreign files; a desa
# PC's own schema is 'LKED' (set by schema/desa/0001_desa.sql).
APPLICATION_ID = 0x4C4B4543
DESA_APPLICATION_ID = 0x4C4B4544
SCHEMAS = {APPLICATION_ID: KECAMATAN_SCHEMA, DESA_APPLICATION_ID: DESA_SCHEMA}
# schema/desa/0001 is the desa PC's part of the kecamatan's schema at this level: an older desa
# database is brought to it and converted to desa level 1, then migrated on (one it cannot convert,
# holding a kecamatan row, stays on the kecamatan's schema and follows it to its last level).
CONVERTED_AT_KECAMATAN_LEVEL = 27
# A kecamatan table that holds a row whatever happens (the zone its tallies count in, copied from
# the timezone setting): never a clerk's record.
ALWAYS_FILLED = {"tally_zone"}

log = logging.getLogger(__name__)


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


SCHEMA_ROWS = "the schema and the rows it starts with (seeds, converted tables)"  # no one's act: not audited


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
    with audit.without_trail(SCHEMA_ROWS), db.atomic("IMMEDIATE"):
        return _apply_pending(db, connection, files, directory)


def _apply_pending(db, connection, files, directory: Path) -> int:
    """Inside the caller's write transaction: the files above the level, read again under the lock."""
    current = database_level(db)
    check_not_too_new(current, directory)
    pending = [(n, p) for n, p in files if n > current]
    for number, path in pending:
        # apsw runs every statement of the script; an error rolls back the whole batch.
        connection.execute(path.read_text(encoding="utf-8"))
        connection.execute(f"PRAGMA user_version = {number}")
    return pending[-1][0] if pending else current


def application_id(db) -> int:
    return db.execute_sql("PRAGMA application_id").fetchone()[0]


def migrate_desa(db) -> int:
    """A desa PC's database to schema/desa. One made before the desa PC had its own tables (under the
    kecamatan's schema, its backups too) is converted first, in one transaction: brought to the
    kecamatan's CONVERTED_AT_KECAMATAN_LEVEL, the kecamatan's own tables dropped, the desa level set.
    When one of those tables holds a row someone saved, nothing is dropped: it stays on the
    kecamatan's schema (the desa PC's tables are all there) and the start says so in the log."""
    if application_id(db) == APPLICATION_ID and database_level(db) > 0:
        connection = db.connection()
        with audit.without_trail(SCHEMA_ROWS), db.atomic("IMMEDIATE"):  # two at once: the second finds it converted
            if application_id(db) == APPLICATION_ID:
                files = migration_files(KECAMATAN_SCHEMA)[:CONVERTED_AT_KECAMATAN_LEVEL]
                _apply_pending(db, connection, files, KECAMATAN_SCHEMA)
                held = kecamatan_tables_holding_rows(connection)
                if held:
                    log.warning("Basis data komputer desa ini masih memuat data kantor kecamatan (tabel %s); "
                                "tabel itu tetap disimpan dan susunan kecamatan tetap dipakai.", ", ".join(held))
                    # The desa PC's models read the tables both schemas share as they are now (a column
                    # the kecamatan's later levels add to sync_link): its schema is followed to its end.
                    return _apply_pending(db, connection, migration_files(KECAMATAN_SCHEMA), KECAMATAN_SCHEMA)
                _convert_to_desa(connection)
    return migrate(db, DESA_SCHEMA)


def kecamatan_tables_holding_rows(connection) -> list[str]:
    """The kecamatan-only tables of a database at CONVERTED_AT_KECAMATAN_LEVEL that hold more than a
    fresh one does (its seeds: complaint categories, full-text indexes' own rows)."""
    fresh = _fresh_connection(KECAMATAN_SCHEMA, CONVERTED_AT_KECAMATAN_LEVEL)
    try:
        held = []
        for name in sorted(_kecamatan_only_tables(connection) - ALWAYS_FILLED):
            if _rows(connection, name) != _rows(fresh, name):
                held.append(name)
        return held
    finally:
        fresh.close()


def _kecamatan_only_tables(connection) -> set[str]:
    desa = {name for kind, name, _, _ in schema_at_level(1, DESA_SCHEMA) if kind == "table"}
    return {name for kind, name, _, _ in schema_of(connection) if kind == "table"} - desa


def _rows(connection, table: str) -> list:
    return sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"').fetchall()))


def _convert_to_desa(connection) -> None:
    """Inside the caller's transaction, on a database at CONVERTED_AT_KECAMATAN_LEVEL whose kecamatan-only
    tables hold nothing: what schema/desa/0001 builds, every row of the desa tables kept."""
    target = _fresh_connection(DESA_SCHEMA, level=1)
    try:  # as written (a comment ends at its line's end): compared with spaces folded, run as it is
        wanted = {(kind, name): sql for kind, name, sql in target.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    finally:
        target.close()
    # The triggers and indexes first (a table's delete triggers would name tables already gone), then the tables.
    for kind, name, _, sql in sorted(schema_of(connection), key=lambda row: row[0] != "trigger"):
        if kind != "table" and _folded(wanted.get((kind, name))) != sql:
            connection.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
    for kind, name, _, sql in schema_of(connection):  # before the tables their keys name are gone
        if kind == "table" and (kind, name) in wanted and _folded(wanted[(kind, name)]) != sql:
            _rebuild(connection, name, wanted[(kind, name)])  # pre_registration: no key to the applications
    # With foreign keys on, SQLite deletes a table's rows before dropping it and looks up the tables its
    # keys name: a table goes before the tables it names.
    dropping = _kecamatan_only_tables(connection)
    while dropping:
        named = {row[2] for table in dropping for row in connection.execute(f'PRAGMA foreign_key_list("{table}")')}
        for table in sorted(dropping - named) or sorted(dropping):
            connection.execute(f'DROP TABLE IF EXISTS "{table}"')  # a full-text index takes its own tables along
            dropping.discard(table)
    present = {(kind, name) for kind, name, _, _ in schema_of(connection)}
    for (kind, name), sql in wanted.items():
        if kind != "table" and (kind, name) not in present:
            connection.execute(sql)
    connection.execute(f"PRAGMA application_id = {DESA_APPLICATION_ID}")
    connection.execute("PRAGMA user_version = 1")
    if schema_of(connection) != schema_at_level(1, DESA_SCHEMA):  # never a half-converted file
        raise RuntimeError("conversion to the desa schema did not give schema/desa at level 1")


def _rebuild(connection, name: str, sql: str) -> None:
    """A table in its new shape with every row of the old (SQLite changes no key in place), by the
    columns both shapes have (a database that followed the kecamatan's schema past the conversion's
    level has columns desa level 1 has not: sync_link's pass_requested_at, a pass owed, and packet_bytes, the
    link's last packet size, are let go)."""
    old = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
    connection.execute(sql.replace(f'CREATE TABLE "{name}"', f'CREATE TABLE "{name}_new"', 1))
    new = {row[1] for row in connection.execute(f'PRAGMA table_info("{name}_new")')}
    columns = ", ".join(f'"{column}"' for column in old if column in new)
    connection.execute(f'INSERT INTO "{name}_new" ({columns}) SELECT {columns} FROM "{name}"')
    connection.execute(f'DROP TABLE "{name}"')
    connection.execute(f'ALTER TABLE "{name}_new" RENAME TO "{name}"')


def _folded(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _fresh_connection(directory: Path, level: int | None = None):
    """An in-memory database migrated to `level` (by default the last) of `directory`."""
    import apsw

    connection = apsw.Connection(":memory:")
    for number, path in migration_files(directory):
        if level is None or number <= level:
            connection.execute(path.read_text(encoding="utf-8"))
    return connection


@lru_cache(maxsize=8)
def schema_at_level(level: int, directory: Path = KECAMATAN_SCHEMA) -> frozenset[tuple]:
    """What sqlite_master holds (type, name, table, SQL with spaces folded) in a database freshly
    migrated to `level`: the yardstick a restored backup must match exactly."""
    connection = _fresh_connection(directory, level)
    try:
        return schema_of(connection)
    finally:
        connection.close()


def schema_of(connection) -> frozenset[tuple]:
    """sqlite_master of an apsw connection as comparable rows (SQL with spaces folded)."""
    rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                              "WHERE name NOT LIKE 'sqlite_%'").fetchall()
    return frozenset((kind, name, table, _folded(sql)) for kind, name, table, sql in rows)
