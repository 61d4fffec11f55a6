"""The center's migrations: schema/center/NNNN_*.sql on SQLite or PostgreSQL.

One SQL text per step, with {ID} {DATETIME} {BLOB} {BOOL} filled in per dialect ({PG} starts a
statement for PostgreSQL only: on SQLite it renders as a comment); applied in
one transaction; the level kept in a `schema_migration` table on both dialects (PostgreSQL
has no PRAGMA user_version). File discovery is shared with the kecamatan runner.
"""
from app.frame.migrations import SCHEMA_ROOT, migration_files
from sync.center.db import is_postgres
from sync.center.trail import no_ones_act

CENTER_SCHEMA = SCHEMA_ROOT / "center"

DIALECTS = {
    "sqlite": {"ID": "INTEGER NOT NULL PRIMARY KEY", "DATETIME": "DATETIME", "BLOB": "BLOB", "BOOL": "INTEGER",
               "PG": "--"},
    "postgresql": {"ID": "SERIAL NOT NULL PRIMARY KEY", "DATETIME": "TIMESTAMP", "BLOB": "BYTEA", "BOOL": "BOOLEAN",
                   "PG": ""},
}
LEVEL_TABLE = "schema_migration"
MIGRATION_LOCK_KEY = 0x4C4B4543  # "LKEC", any constant shared by every center process


class CenterDatabaseTooNew(Exception):
    """The center database was written by a newer version of the app."""


def dialect_of(db) -> str:
    return "postgresql" if is_postgres(db) else "sqlite"


def render(sql: str, dialect: str) -> str:
    for name, value in DIALECTS[dialect].items():
        sql = sql.replace("{" + name + "}", value)
    return sql


def _statements(sql: str) -> list[str]:
    # Our schema files hold no semicolons inside literals, so splitting is safe and lets
    # psycopg and apsw run the same list.
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def center_level(db) -> int:
    tables = db.get_tables()
    if LEVEL_TABLE not in tables:
        return 0
    row = db.execute_sql(f'SELECT MAX("level") FROM "{LEVEL_TABLE}"').fetchone()
    return row[0] or 0


def migrate_center(db, directory=CENTER_SCHEMA) -> int:
    """Apply pending center migrations, all or nothing; returns the new level."""
    files = migration_files(directory)
    dialect = dialect_of(db)
    # no_ones_act: a step that moves rows (0003) is the schema's, not a person's (sync/center/trail.py)
    with no_ones_act("a schema step"), db.atomic():  # SQLite: BEGIN IMMEDIATE takes the write lock
        if dialect == "postgresql":
            # Two center processes starting after an upgrade: the second waits here, then reads
            # the level the first one wrote (held until this transaction ends).
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)" % MIGRATION_LOCK_KEY)
        db.execute_sql(f'CREATE TABLE IF NOT EXISTS "{LEVEL_TABLE}" ("level" INTEGER NOT NULL PRIMARY KEY, '
                       f'"applied_at" {DIALECTS[dialect]["DATETIME"]} NOT NULL)')
        current = center_level(db)
        if current > len(files):
            raise CenterDatabaseTooNew(
                f"Basis data pusat dibuat oleh versi yang lebih baru (level {current}, aplikasi {len(files)}).")
        for number, path in files:
            if number <= current:
                continue
            for statement in _statements(render(path.read_text(encoding="utf-8"), dialect)):
                db.execute_sql(statement)
            db.execute_sql(f'INSERT INTO "{LEVEL_TABLE}" ("level", "applied_at") VALUES ({number}, CURRENT_TIMESTAMP)')
    return len(files)
