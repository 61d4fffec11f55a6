"""The center's database: SQLite (apsw) by default, PostgreSQL when given a URL.

Its own DatabaseProxy, so the center's models never mix with the kecamatan's. The SQLite file is
opened the offices' way (app/frame/db.py, issue 30): encrypted at rest with SQLite3 Multiple
Ciphers, its key outside it (the OS keyring or DATA/kunci/, 0600), the folder 0700 and the file
0600; a plaintext center.sqlite3 of an older version is encrypted once, on open.
"""
import os
import select
from pathlib import Path

from peewee import DatabaseProxy, Model
from playhouse.db_url import connect, parse
from playhouse.pool import PooledPostgresqlDatabase

from app.frame.config import absolute_folder


center_database = DatabaseProxy()


def center_data_dir(given=None) -> Path:
    """The center's data folder: the one given, else LOKET_CENTER_DATA_DIR, else the user's."""
    return absolute_folder(given or os.environ.get("LOKET_CENTER_DATA_DIR") or Path.home() / ".local" / "share" / "loket-center")


def center_database_place(data_dir: Path) -> tuple[Path, str | None]:
    """Where a center keeps its database: the data folder's SQLite file, unless LOKET_CENTER_DATABASE_URL
    names another (PostgreSQL). The server (sync/center/app.py) and `run.py release publish` read it here."""
    return Path(data_dir) / "center.sqlite3", os.environ.get("LOKET_CENTER_DATABASE_URL")


def in_dialect(sql: str) -> str:
    """Our raw SQL uses '?' for its parameters; psycopg wants '%s'."""
    return sql.replace("?", center_database.param) if center_database.param != "?" else sql


def is_postgres(db) -> bool:
    return type(db).__name__.lower().find("postgres") >= 0


class PostgresPool(PooledPostgresqlDatabase):
    """A small pool: the server's threads reuse connections instead of reconnecting per request.

    A connection taken from the pool is checked without a round trip. peewee's check sent `SELECT 1`
    on every checkout, under the pool's lock: ~0.2 ms of CPU on each of a pass's signed requests and
    each citizen's status lookup. The server speaks on an idle connection to end it (a restart's or an
    administrator's termination notice, or the socket's end) and, rarely, to report a changed setting,
    so an idle connection with bytes to read is closed and another one taken (at worst a needless new
    connection); one left in a transaction is rolled back, as before."""

    def _is_closed(self, conn):
        if conn.closed or self._adapter.txn_status(conn) != self._adapter.txn_idle:
            return super()._is_closed(conn)
        try:
            ended = bool(select.select([conn.fileno()], [], [], 0)[0])
        except (OSError, ValueError):
            ended = True
        if ended:
            self._close_raw(conn)  # peewee drops a closed one from the pool without closing it
        return ended


def make_center_database(path=None, url: str | None = None):
    """A database object for the file at `path`, or for `url` (postgresql://...)."""
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            # psycopg 3 (the `center` extra: pip install loket-kecamatan[center]).
            return PostgresPool(**parse(url), max_connections=32, stale_timeout=300, prefer_psycopg3=True)
        return connect(url)
    # BEGIN IMMEDIATE (make_database): a write transaction takes the write lock at once and waits
    # its turn (busy timeout), instead of failing when a read had to be upgraded after another
    # writer committed. The offices' pragmas (app/frame/db.py PRAGMAS: WAL, synchronous=FULL).
    from app.frame.db import make_database
    return make_database(path)


def open_center_database(path=None, url: str | None = None):
    db = make_center_database(path, url)
    center_database.initialize(db)
    return db


class CenterModel(Model):
    class Meta:
        database = center_database
        legacy_table_names = False
