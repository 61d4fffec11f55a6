"""The center's database: SQLite (apsw) by default, PostgreSQL when given a URL.

Its own DatabaseProxy, so the center's models never mix with the kecamatan's. The SQLite file is
opened the offices' way (app/frame/db.py, issue 30): encrypted at rest with SQLite3 Multiple
Ciphers, its key outside it (the OS keyring or DATA/kunci/, 0600), the folder 0700 and the file
0600; a plaintext center.sqlite3 of an older version is encrypted once, on open.
"""
import json
import os
import re
import select
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from peewee import DatabaseProxy, Model, OperationalError
from playhouse.db_url import connect, parse
from playhouse.pool import PooledPostgresqlDatabase

from app.frame.audit_rule import Watcher, name_threads_after_their_starter, note_database
from app.frame.config import SettingInvalid, absolute_folder
from app.frame.db import PooledAPSWDatabase, make_database
from app.frame.private_files import write_private
from sync.center import trail


center_database = DatabaseProxy()


def center_data_dir(given=None) -> Path:
    """The center's data folder: the one given, else LOKET_CENTER_DATA_DIR, else the user's."""
    return absolute_folder(given or os.environ.get("LOKET_CENTER_DATA_DIR") or Path.home() / ".local" / "share" / "loket-center")


# In the data folder of a center started with a URL: which database it uses, without its password (issue 88).
DATABASE_RECORD = "basis-data-pusat.json"
SQLITE_FILE = "center.sqlite3"
_SECRET_PARAMETERS = ("password", "sslpassword")  # libpq reads these from a URL's query too


class CenterDatabaseUnknown(SettingInvalid):
    """The center's own database cannot be told or reached: one Indonesian sentence naming what to add
    (run.py prints it, nothing is changed)."""


def center_database_place(data_dir: Path, given: str | None = None, starting: bool = False) -> tuple[Path, str | None]:
    """Where the center of `data_dir` keeps its database: the URL given (`--database-url`, else
    LOKET_CENTER_DATABASE_URL), else the one the folder records (a center started on it with a URL wrote it,
    record_center_database), else the folder's SQLite file. Only a center's first start (`starting`: the server,
    sync/center/app.py) makes a new SQLite file, and only a start takes another database than the recorded one;
    a command (`run.py release publish`) refuses both, so it never works on a new empty database beside the
    center's."""
    data_dir = Path(data_dir)
    sqlite = data_dir / SQLITE_FILE
    url = given or os.environ.get("LOKET_CENTER_DATABASE_URL") or None
    recorded = None if url and starting else recorded_database(data_dir)  # a start with a URL writes it anew
    if url and recorded and not starting and _database_of(url) != _database_of(recorded):
        raise CenterDatabaseUnknown(
            f"Alamat basis data yang diberikan ({without_password(url)}, dari --database-url atau "
            f"LOKET_CENTER_DATABASE_URL) bukan basis data pusat folder data {data_dir} ({recorded}): ketik alamat "
            "basis data pusat itu, atau folder data pusat yang memakai alamat tadi; tidak ada yang diubah.")
    if url or recorded:
        return sqlite, url or recorded
    # A center's first start makes its SQLite file. A folder a center ran on before (its server key is there,
    # written at each start) without one ran on PostgreSQL before it was recorded, or lost its file: a new
    # empty database would hide that. (A server key kept in LOKET_CENTER_SECRETS_KEY leaves no such trace.)
    from sync.center.sealed import KEY_FILE
    if not sqlite.exists() and (not starting or (data_dir / KEY_FILE).exists()):
        raise CenterDatabaseUnknown(
            f"Folder data {data_dir} tidak mencatat basis data pusat (tidak ada basis-data-pusat.json atau "
            "center.sqlite3): periksa --data, atau tambahkan alamat basis data pusat, misalnya --database-url "
            '"postgresql://loket@localhost/loket_center" (pusat yang dijalankan dengan alamat itu mencatatnya di '
            "folder ini); tidak ada yang diubah.")
    return sqlite, None


def without_password(url: str) -> str:
    """The URL with its password (and any secret of its query) left out: what may be kept at rest or shown."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in query if name.lower() not in _SECRET_PARAMETERS]
    query = urlencode(kept) if kept != query else parts.query
    # spelled out: urlunsplit drops the empty host of postgresql:///db (the local socket)
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def _database_of(url: str) -> tuple:
    """Which database a URL names (the account may differ): its server, port and name."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    return scheme, (parts.hostname or "").lower(), parts.port or 5432, parts.path.strip("/")


def recorded_database(data_dir: Path) -> str | None:
    """The URL (without its password) of the database the center of `data_dir` was last started on."""
    path = Path(data_dir) / DATABASE_RECORD
    try:
        url = json.loads(path.read_text("utf-8"))["url"]
        if isinstance(url, str) and url:
            return url
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        pass
    raise CenterDatabaseUnknown(f"Catatan basis data pusat {path} rusak: jalankan pusat sekali dengan alamat basis "
                                "datanya (run.py center --database-url …) agar catatan itu ditulis ulang; tidak ada "
                                "yang diubah.")


def record_center_database(data_dir: Path, url: str) -> None:
    """Kept in the data folder once the center reached the database at `url`: its address, never its password
    (libpq finds that where the server finds it: ~/.pgpass, PGPASSWORD; else the command asks for the URL)."""
    path = Path(data_dir) / DATABASE_RECORD
    record = {"url": without_password(url)}
    try:
        if json.loads(path.read_text("utf-8")) == record:
            return
    except (OSError, ValueError):
        pass
    write_private(path, json.dumps(record, indent=1) + "\n")


def reachable(db, url: str | None):
    """`db` (the center's database at `url`), connected once: one that cannot be reached (stopped, a password
    it does not know, a database that is gone) is one sentence naming what to add, not a traceback."""
    if not url:
        return db
    try:
        with db.connection_context():
            pass
    except OperationalError as problem:
        reason = " ".join(str(problem).split("\n", 1)[0].split())[:200]
        shown = without_password(url)
        user, _, host = urlsplit(shown).netloc.rpartition("@")
        example = shown.replace(f"://{urlsplit(shown).netloc}", f"://{user or 'loket'}:<kata sandi>@{host}", 1)
        raise CenterDatabaseUnknown(
            f"Basis data pusat {shown} tidak dapat dibuka ({reason}): pastikan PostgreSQL berjalan, "
            f"lalu tambahkan alamat lengkap yang dipakai pusat, dengan kata sandinya bila ada, misalnya --database-url "
            f'"{example}"; tidak ada yang diubah.') from None
    return db


def in_dialect(sql: str) -> str:
    """Our raw SQL uses '?' for its parameters; psycopg wants '%s'."""
    return sql.replace("?", center_database.param) if center_database.param != "?" else sql


def is_postgres(db) -> bool:
    return type(db).__name__.lower().find("postgres") >= 0


# The tables a statement writes, as peewee and our raw SQL spell them (a CTE's too); TRUNCATE's lists.
_TARGET = re.compile(r'\b(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from'
                     r'|truncate(?:\s+table)?(?:\s+only)?)\s+("[^"]+"|\w+)((?:\s*,\s*(?:"[^"]+"|\w+))*)', re.IGNORECASE)
_READS = ("SELECT", "PRAGMA", "VACUUM", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ", "SHOW", "EXPLAIN")


def _targets(sql: str) -> list[str]:
    """The tables a write statement names ([] when its text names none: a read, a script of ours)."""
    names = []
    for found in _TARGET.finditer(sql):
        names += [name.strip().strip('"') for name in (found.group(1) + found.group(2)).split(",")]
    return [name for name in names if name.lower() != "set"]  # ON CONFLICT ... DO UPDATE SET


class TrailGuard:
    """Every commit of the center database is checked for its trail (sync/center/trail.py, issues 70, 82).

    The database itself says which tables a transaction changed: SQLite's preupdate hook (apsw's public
    API; it sees a DELETE without WHERE and WITHOUT ROWID tables too), PostgreSQL's own per-transaction
    row counts (XACT_CHANGES) and the text of a TRUNCATE (which they do not count). Each write statement
    is kept with the functions behind it, each line with those behind it: a table is covered by a line of
    the act that wrote it. What a rolled-back savepoint wrote is taken back out. A write outside a
    transaction runs in one of its own, so it is checked too, unless its writer declared its table no
    one's act (`trail.no_ones_act(why, table)`: ingest's single statement on PostgreSQL stays one round
    trip, and a transaction whose every write is declared reads no counts). Its watcher (`_watched`), strict
    in tests, refuses such a commit; otherwise it is logged and kept for the admin page beside the
    database (`gaps_dir`)."""

    gaps_dir = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._trail = threading.local()

    def begin(self, *args, **kwargs):
        super().begin(*args, **kwargs)
        self._trail.marks, self._trail.declared, self._trail.truncated = {}, set(), set()
        trail.begun()
        self._trail_start()

    def commit(self):
        # peewee has popped the transaction already
        changed = self._trail_changes() | getattr(self._trail, "truncated", set())
        found = trail.finding(changed, getattr(self._trail, "declared", set()))
        if found and self.watcher.strict:
            raise trail.refusal(found)  # peewee's transaction rolls back on it
        done = super().commit()
        if found:
            trail.note(found, self.gaps_dir)
        return done

    def rollback(self):
        trail.begun()
        return super().rollback()

    def execute_sql(self, sql, params=None):
        note_database(self.watcher)  # the running declared act answers to this database (audit_rule.Watcher)
        head = sql.lstrip()[:12].upper()
        if head.startswith(_READS):
            return self._trail_savepoint(head, sql, params) if self.in_transaction() else super().execute_sql(sql, params)
        targets = _targets(sql)
        if head.startswith("WITH") and not targets:  # a read's common table expressions
            return super().execute_sql(sql, params)
        # declared no one's act, or a table of no one's act (a signed request's nonce): one round trip, nothing counted
        exempt = bool(targets) and all(trail.declared(table) or not trail.RULE.audited(table) for table in targets) \
            or trail.declared()
        if not self.in_transaction():
            if exempt:
                return super().execute_sql(sql, params)
            with self.atomic():
                return self.execute_sql(sql, params)
        if exempt:
            self._trail.declared.update(targets)
            return super().execute_sql(sql, params)
        self._trail_counting()
        for target in targets or [None]:
            trail.wrote(target)
        if head.startswith("TRUNCATE"):
            self._trail.truncated.update(targets)  # PostgreSQL's counts leave it out
        return super().execute_sql(sql, params)

    def _trail_savepoint(self, head, sql, params):
        if not head.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            return super().execute_sql(sql, params)
        savepoint = sql.split()[-1].rstrip(";")  # peewee's: SAVEPOINT "s<hex>"; and the same name after
        if head.startswith("SAVEPOINT"):
            self._trail.marks[savepoint] = (self._trail_mark(), trail.mark())
        elif head.startswith("RELEASE"):
            self._trail.marks.pop(savepoint, None)
        cursor = super().execute_sql(sql, params)
        if head.startswith("ROLLBACK TO") and savepoint in self._trail.marks:
            mark, kept = self._trail.marks[savepoint]
            self._trail_undo(mark)  # peewee releases nothing after it: the mark stays
            trail.undo(kept)
        return cursor

    def _trail_counting(self):
        """Before a transaction's first write that is not declared (PostgreSQL: its counts start there)."""


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
        self._trail.undone = None  # counted from the first write not declared: a declared transaction reads none

    def _trail_counting(self):
        if self._trail.undone is None:  # not this transaction's (earlier ones' not yet sent), nor declared ones'
            self._trail.undone = self._trail_counts()

    def _trail_counts(self) -> dict:
        return dict(self.cursor().execute(XACT_CHANGES).fetchall())

    def _trail_changes(self) -> set:
        undone = getattr(self._trail, "undone", None)
        if undone is None:
            return set()
        return {table for table, count in self._trail_counts().items() if count > undone.get(table, 0)}

    def _trail_mark(self):
        return None if self._trail.undone is None else self._trail_counts()

    def _trail_undo(self, mark):
        if self._trail.undone is None:
            return
        mark = dict(self._trail.undone) if mark is None else mark  # made before counting began: all of it
        for table, count in self._trail_counts().items():
            self._trail.undone[table] = self._trail.undone.get(table, 0) + count - mark.get(table, 0)


def make_center_database(path=None, url: str | None = None, strict: bool = False):
    """A database object for the file at `path`, or for `url` (postgresql://...). Its commits are
    checked for their trail (TrailGuard); `strict` (tests) refuses one without it."""
    name_threads_after_their_starter()  # a thread's write is named after the function that started it
    gaps_dir = Path(path).parent if path else None
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            # psycopg 3 (the `center` extra: pip install loket-kecamatan[center]).
            db = GuardedPostgres(**parse(url), max_connections=32, stale_timeout=300, prefer_psycopg3=True)
            return _watched(db, strict, gaps_dir)
        return connect(url)
    # BEGIN IMMEDIATE (make_database): a write transaction takes the write lock at once and waits
    # its turn (busy timeout), instead of failing when a read had to be upgraded after another
    # writer committed. The offices' pragmas (app/frame/db.py PRAGMAS: WAL, synchronous=FULL).
    return _watched(make_database(path, kind=GuardedSqlite), strict, gaps_dir)


def _watched(db, strict: bool, gaps_dir):
    db.gaps_dir = gaps_dir
    # a commit without its line, or a declared act that returned without it (audit_rule.act): refused in
    # tests, else on the admin page
    db.watcher = Watcher(strict, lambda writer, what: gaps_dir and trail.note_gap(gaps_dir, [what], writer))
    return db


def open_center_database(path=None, url: str | None = None, strict: bool = False):
    db = make_center_database(path, url, strict)
    center_database.initialize(db)
    return db


class CenterModel(Model):
    class Meta:
        database = center_database
        legacy_table_names = False
