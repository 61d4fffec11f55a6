"""The center's database: SQLite (apsw) by default, PostgreSQL when given a URL.

Its own DatabaseProxy, so the center's models never mix with the kecamatan's. The SQLite file is
opened the offices' way (app/frame/db.py, issue 30): encrypted at rest with SQLite3 Multiple
Ciphers, its key outside it (the OS keyring or DATA/kunci/, 0600), the folder 0700 and the file
0600; a plaintext center.sqlite3 of an older version is encrypted once, on open.
"""
import os
import select
import threading
from pathlib import Path

from peewee import DatabaseProxy, Model
from playhouse.db_url import connect, parse
from playhouse.pool import PooledPostgresqlDatabase

from app.frame.config import absolute_folder
from app.frame.db import PooledAPSWDatabase, make_database
from sync.center import trail


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


class TrailGuard:
    """Every commit of the center database is checked for its trail (sync/center/trail.py, issue 70).

    The database itself says which tables a transaction changed: SQLite's preupdate hook (apsw's public
    API; it sees a DELETE without WHERE and WITHOUT ROWID tables too), PostgreSQL's own per-transaction
    row counts (XACT_CHANGES). What a rolled-back savepoint wrote is taken back out. A write
    outside a transaction runs in one of its own, so it is checked too, unless its writer declared it
    no one's act (`trail.no_ones_act`: ingest's single statement on PostgreSQL stays one round trip).
    `strict` (tests) refuses such a commit; otherwise it is logged and shown on the admin page."""

    strict = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._trail = threading.local()

    def begin(self, *args, **kwargs):
        super().begin(*args, **kwargs)
        self._trail.marks = {}
        self._trail_start()

    def commit(self):
        # peewee has popped the transaction already; a declared one is not asked (no query on the hot path)
        found = None if trail.declared() else trail.finding(self._trail_changes())
        if found and self.strict:
            raise trail.refusal(*found)  # peewee's transaction rolls back on it
        done = super().commit()
        if found:
            trail.note(*found)
        return done

    def execute_sql(self, sql, params=None):
        head = sql.lstrip()[:12].upper()
        if not self.in_transaction():
            if head.startswith(("SELECT", "PRAGMA", "VACUUM")) or trail.declared():  # VACUUM refuses a transaction
                return super().execute_sql(sql, params)
            with self.atomic():
                return super().execute_sql(sql, params)
        if not head.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")) or trail.declared():
            return super().execute_sql(sql, params)
        savepoint = sql.split()[-1].rstrip(";")  # peewee's: SAVEPOINT "s<hex>"; and the same name after
        if head.startswith("SAVEPOINT"):
            self._trail.marks[savepoint] = self._trail_mark()
        elif head.startswith("RELEASE"):
            self._trail.marks.pop(savepoint, None)
        cursor = super().execute_sql(sql, params)
        if head.startswith("ROLLBACK TO") and savepoint in self._trail.marks:  # none if made while declared
            self._trail_undo(self._trail.marks[savepoint])  # peewee releases nothing after it: the mark stays
        return cursor


class GuardedSqlite(TrailGuard, PooledAPSWDatabase):
    def _trail_start(self):
        self._trail.changed = set()
        self.connection().preupdate_hook(self._trail_changed, id="center_trail")  # the same id replaces

    def _trail_changed(self, update):
        # a pooled connection hooked by another thread may write here outside a transaction (declared)
        if not hasattr(self._trail, "changed"):
            self._trail.changed = set()
        self._trail.changed.add(update.table_name)

    def _trail_changes(self) -> set:
        return getattr(self._trail, "changed", set())

    def _trail_mark(self):
        return set(self._trail.changed)

    def _trail_undo(self, mark):
        self._trail.changed = set(mark)


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


# Rows changed in each table of the center's schema (pg_stat_xact_user_tables' counts, without the view's
# walk over every catalog table), rolled-back savepoints included; a TRUNCATE is not counted and the
# center issues none. Since PostgreSQL 15
# the counts also hold the connection's earlier transactions not yet sent to the statistics (at most a
# second's); none is sent inside a transaction, so the counts at BEGIN are this one's zero.
XACT_CHANGES = ("SELECT relname, n FROM (SELECT relname, pg_stat_get_xact_tuples_inserted(oid) "
                "+ pg_stat_get_xact_tuples_updated(oid) + pg_stat_get_xact_tuples_deleted(oid) AS n FROM pg_class "
                "WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
                "AND relkind IN ('r', 'p')) AS counts WHERE n > 0")


class GuardedPostgres(TrailGuard, PostgresPool):
    def _trail_start(self):
        # Not this transaction's. A declared one is not counted: should its commit come after the
        # declaration ended, everything counted is taken as its own (an alarm, never a miss).
        self._trail.undone = {} if trail.declared() else self._trail_counts()

    def _trail_counts(self) -> dict:
        return dict(self.cursor().execute(XACT_CHANGES).fetchall())

    def _trail_changes(self) -> set:
        undone = getattr(self._trail, "undone", {})
        return {table for table, count in self._trail_counts().items() if count > undone.get(table, 0)}

    def _trail_mark(self):
        return self._trail_counts()

    def _trail_undo(self, mark):
        for table, count in self._trail_counts().items():
            self._trail.undone[table] = self._trail.undone.get(table, 0) + count - mark.get(table, 0)


def make_center_database(path=None, url: str | None = None, strict: bool = False):
    """A database object for the file at `path`, or for `url` (postgresql://...). Its commits are
    checked for their trail (TrailGuard); `strict` (tests) refuses one without it."""
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            # psycopg 3 (the `center` extra: pip install loket-kecamatan[center]).
            db = GuardedPostgres(**parse(url), max_connections=32, stale_timeout=300, prefer_psycopg3=True)
            db.strict = strict
            return db
        return connect(url)
    # BEGIN IMMEDIATE (make_database): a write transaction takes the write lock at once and waits
    # its turn (busy timeout), instead of failing when a read had to be upgraded after another
    # writer committed. The offices' pragmas (app/frame/db.py PRAGMAS: WAL, synchronous=FULL).
    db = make_database(path, kind=GuardedSqlite)
    db.strict = strict
    return db


def open_center_database(path=None, url: str | None = None, strict: bool = False):
    db = make_center_database(path, url, strict)
    center_database.initialize(db)
    return db


class CenterModel(Model):
    class Meta:
        database = center_database
        legacy_table_names = False
