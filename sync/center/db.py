"""The center's database: SQLite (apsw) by default, PostgreSQL when given a URL.

Its own DatabaseProxy, so the center's models never mix with the kecamatan's.
"""
from peewee import DatabaseProxy, Model
from playhouse.apsw_ext import APSWDatabase
from playhouse.db_url import connect

from app.frame.db import DURABLE_SYNCHRONOUS

center_database = DatabaseProxy()

SQLITE_PRAGMAS = [("journal_mode", "wal"), ("foreign_keys", 1), ("synchronous", DURABLE_SYNCHRONOUS)]


def is_postgres(db) -> bool:
    return type(db).__name__.lower().find("postgres") >= 0


def make_center_database(path=None, url: str | None = None):
    """A database object for the file at `path`, or for `url` (postgresql://...)."""
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            # A small pool: waitress threads reuse connections instead of reconnecting per request.
            # psycopg 3 (the `center` extra: pip install loket-kecamatan[center]).
            url = "postgresql+pool://" + url.split("://", 1)[1]
            return connect(url, max_connections=32, stale_timeout=300, prefer_psycopg3=True)
        return connect(url)
    # BEGIN IMMEDIATE: a write transaction takes the write lock at once and waits its turn (busy
    # timeout), instead of failing when a read had to be upgraded after another writer committed.
    return APSWDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=10, lock_type="IMMEDIATE")


def open_center_database(path=None, url: str | None = None):
    db = make_center_database(path, url)
    center_database.initialize(db)
    return db


class CenterModel(Model):
    class Meta:
        database = center_database
        legacy_table_names = False
