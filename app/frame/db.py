"""The kecamatan database: SQLite through apsw, reached by peewee.

One `database` proxy that models bind to; `open_database` points it at a file with the
pragmas the office needs (WAL so readers never wait for the writer, foreign keys, a busy
timeout so two clerks saving at once queue instead of failing).
"""
from peewee import DatabaseProxy, Model
from playhouse.apsw_ext import APSWDatabase

database = DatabaseProxy()

PRAGMAS = [
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),  # WAL + normal: durable across app crashes, fast commits
]
BUSY_TIMEOUT_SECONDS = 10


def make_database(path) -> APSWDatabase:
    # BEGIN IMMEDIATE: a write transaction takes the write lock when it starts, waiting its turn
    # (busy timeout). A deferred BEGIN that read first cannot wait when another writer got in
    # between: SQLite answers "database is locked" at once (bench/bench_day.py found it).
    return APSWDatabase(str(path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_SECONDS, lock_type="IMMEDIATE")


def open_database(path) -> APSWDatabase:
    """Bind the models to the database file at `path` and return it."""
    db = make_database(path)
    database.initialize(db)
    return db


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False
