"""The kecamatan database: SQLite through apsw, reached by peewee, encrypted at rest.

One `database` proxy that models bind to; `open_database` points it at a file with the
pragmas the office needs (WAL so readers never wait for the writer, foreign keys, a busy
timeout so two clerks saving at once queue instead of failing).

Encryption: SQLite3 Multiple Ciphers (the apsw-sqlite3mc build of apsw), ChaCha20-Poly1305
per page, keyed before anything else is read. The key comes from app.frame.keystore; a database
still in plaintext (an upgrade) is encrypted once, on open, in a way a power cut cannot break.
"""
import logging
import itertools
import os
import shutil
import threading
from pathlib import Path

import apsw
from peewee import DatabaseProxy, Model
from playhouse.apsw_ext import APSWDatabase
from playhouse.pool import PooledDatabase

from app.frame.keystore import DATABASE_KEY, KeyMissing, KeyStore, is_database_key
from app.frame.private_files import make_final, private_dir, private_file

database = DatabaseProxy()

# WAL with FULL syncs the WAL at every commit: a commit the clerk was told about survives a power
# cut. NORMAL syncs only at checkpoints, so a cut could roll back the last commits (issue 33;
# tests/core/test_power_cut.py, cost in bench/bench_power_cut.py and docs/benchmarks.md).
DURABLE_SYNCHRONOUS = "full"
PRAGMAS = [
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", DURABLE_SYNCHRONOUS),
]
BUSY_TIMEOUT_SECONDS = 10
# All connections' page caches together (SQLite's soft heap limit, process-wide): eight kept
# connections of 2 MB each grew the server by ~12 MB under eight busy clerks, on a 4 GB office PC;
# past the limit SQLite reuses cache pages instead of growing. Pages ran as fast (bench_recap).
SQLITE_SOFT_HEAP_LIMIT = 8 * 1024 * 1024

CIPHER = "chacha20"
# The database key is 256 random bits, so password stretching adds nothing but ~75 ms to every
# connection (one per request): one KDF round. Typed recovery keys keep the full KDF (backups).
LIVE_KDF_ITER = 1
SQLITE_HEADER = b"SQLite format 3\x00"
CONVERSION_SUFFIX = ".enkripsi"

_keys: dict[Path, str] = {}  # data folder -> database key, so a deleted key file cannot stop the app


def live_key_pragmas(hex_key: str) -> list[tuple[str, object]]:
    """The pragmas that must come first on every connection to the live database."""
    return [("cipher", f"'{CIPHER}'"), ("kdf_iter", LIVE_KDF_ITER), ("hexkey", f"'{hex_key}'")]


def passphrase_pragmas(passphrase: str) -> list[tuple[str, object]]:
    """Pragmas for a file keyed by a typed passphrase (backups): full KDF, salt in the file."""
    return [("cipher", f"'{CIPHER}'"), ("key", "'" + passphrase.replace("'", "''") + "'")]


def apply_pragmas(connection: apsw.Connection, pragmas) -> apsw.Connection:
    for name, value in pragmas:
        connection.execute(f"PRAGMA {name} = {value}").fetchall()
    return connection


def is_plaintext(path) -> bool:
    """True for an unencrypted SQLite file (what every install wrote before encryption)."""
    try:
        with open(path, "rb") as file:
            return file.read(16) == SQLITE_HEADER
    except FileNotFoundError:
        return False


def _way_back(path: Path, store: KeyStore) -> str:
    """The choices when the database key cannot be used (Indonesian, for the console and the log)."""
    return ("Pilihan: (1) kembalikan berkas kunci dari salinannya ke tempat semula, lalu jalankan lagi; "
            "(2) bila kunci benar-benar hilang: pindahkan folder data ini ke tempat lain (jangan dihapus), "
            "jalankan aplikasi dengan folder data kosong, lalu di layar pertama pilih \"Pulihkan dari cadangan\" "
            "dan masukkan kunci pemulihan yang tercetak bersama berkas cadangan terakhir "
            "(lihat docs/operations.md). Tidak ada yang diubah; aplikasi berhenti.")


def _missing_key_message(path: Path, store: KeyStore) -> str:
    out_of_reach = store.store_refusal(DATABASE_KEY)  # locked, or another account's: never a restore
    if out_of_reach:
        return out_of_reach
    moved_from = store.moved_from()
    if moved_from:  # keys in the OS keyring are filed under the folder's former path
        return (f"Folder data ini telah dipindahkan: dahulu di {moved_from}, sekarang di {path.parent}. "
                f"Kunci basis datanya tersimpan di {store.where()} untuk tempat lama. Pindahkan folder "
                f"kembali ke {moved_from} (tidak ada data yang hilang), lalu jalankan lagi dengan --data "
                "menunjuk ke sana. Untuk memakai tempat baru: buat cadangan di tempat lama, lalu pulihkan "
                "cadangan itu di folder data baru. Tidak ada yang diubah; aplikasi berhenti.")
    return (f"Kunci basis data tidak ditemukan ({store.where()}). Basis data {path} terenkripsi dan "
            "tidak dapat dibuka tanpa kunci itu. " + _way_back(path, store))


def _damaged_key_message(path: Path, store: KeyStore) -> str:
    return (f"Berkas kunci basis data rusak atau bukan kunci untuk {path} ({store.where()}): basis data "
            "tidak dapat dibuka dengannya. " + _way_back(path, store))


def database_key(path) -> str:
    """The key of the database at `path`, created for a new database; KeyMissing when lost or damaged."""
    path = Path(path)
    folder = path.parent.resolve()
    if folder in _keys:
        return _keys[folder]
    store = KeyStore(path.parent)
    key = store.database_key()
    if key is not None and not is_database_key(key):
        raise KeyMissing(_damaged_key_message(path, store))
    if key is None:
        if path.exists() and path.stat().st_size > 0 and not is_plaintext(path):
            raise KeyMissing(_missing_key_message(path, store))
        key = store.database_key(create=True)
    store.remember_location()
    _keys[folder] = key
    return key


def _check_key_opens(path: Path, key: str) -> None:
    """A well-formed key that is not this database's (a key file from another folder) stops here,
    with the choices, instead of a traceback from the first query."""
    if not path.exists() or path.stat().st_size == 0 or is_plaintext(path):
        return
    probe = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READWRITE)  # reads only; a WAL file may need its -shm made
    probe.setbusytimeout(BUSY_TIMEOUT_SECONDS * 1000)  # `run.py sync` starting while the server writes
    try:
        apply_pragmas(probe, live_key_pragmas(key))
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except apsw.NotADBError:
        _keys.pop(path.parent.resolve(), None)
        raise KeyMissing(_damaged_key_message(path, KeyStore(path.parent))) from None
    finally:
        probe.close()


def keep_key_stored(path) -> bool:
    """Write the key back if its file was deleted while the app ran; True when it had to."""
    path = Path(path)
    key = _keys.get(path.parent.resolve())
    store = KeyStore(path.parent)
    if key is None or store.database_key() == key:
        return False
    store.put(DATABASE_KEY, key)
    return True


def connect(path, readonly: bool = False) -> apsw.Connection:
    """A raw apsw connection to the live database at `path`, keyed (backups, checks, benchmarks)."""
    flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
    connection = apsw.Connection(str(path), flags=flags)
    connection.setbusytimeout(BUSY_TIMEOUT_SECONDS * 1000)  # waits its turn like the pool's, never fails at once
    try:
        return apply_pragmas(connection, live_key_pragmas(database_key(path)))
    except BaseException:
        connection.close()
        raise


def discard_work_files(work: Path) -> None:
    """A killed conversion's copy and its rollback journal: a stale journal left beside a fresh
    copy would be 'rolled back' into it by SQLite and corrupt it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)


def encrypt_plaintext_file(path, pragmas) -> None:
    """Encrypt the plaintext SQLite file at `path` in place, atomically.

    The work happens on a copy (`.enkripsi`), which replaces the original only once it is
    complete and on disk: killed at any moment, `path` is either the old plaintext database or
    the complete encrypted one, never a mix. The key must already be stored by the caller.
    """
    path = Path(path)
    work = path.with_name(path.name + CONVERSION_SUFFIX)
    discard_work_files(work)  # a conversion killed earlier: start again
    plain = apsw.Connection(str(path))
    try:
        # Fold the WAL into the file and leave WAL mode: the copy must be one self-contained file,
        # and no plaintext -wal may remain beside the encrypted file.
        mode = plain.execute("PRAGMA journal_mode = delete").fetchone()[0]
    finally:
        plain.close()
    if mode != "delete" or Path(f"{path}-wal").exists():
        raise RuntimeError(f"{path} is in use by another program; close it and start again")
    shutil.copyfile(path, work)
    private_file(work)
    copy = apsw.Connection(str(work))
    try:
        # cipher settings first, then re-key the plaintext copy: `key` becomes `rekey`
        rekeyed = {"hexkey": "hexrekey", "key": "rekey"}
        apply_pragmas(copy, [(rekeyed.get(name, name), value) for name, value in pragmas])
    finally:
        copy.close()
    make_final(work, path)


def require_encrypting_sqlite() -> None:
    """Plain apsw ignores the key pragmas and would write plaintext: refuse to run on it."""
    probe = apsw.Connection(":memory:")
    try:
        probe.execute("SELECT sqlite3mc_version()").fetchone()
    except apsw.SQLError:
        raise RuntimeError("apsw without SQLite3 Multiple Ciphers: install apsw-sqlite3mc "
                           "(pip uninstall apsw, then reinstall the app)") from None
    finally:
        probe.close()


def prepare_database_file(path) -> Path:
    """Before the first connection: private folder and file, a key, and no plaintext left."""
    path = Path(path)
    require_encrypting_sqlite()
    private_dir(path.parent)
    discard_work_files(Path(f"{path}{CONVERSION_SUFFIX}"))
    key = database_key(path)
    _check_key_opens(path, key)
    if not path.exists():  # private from its first byte; SQLite takes an empty file as new
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if is_plaintext(path):
        encrypt_plaintext_file(path, live_key_pragmas(key))
    for suffix in ("", "-wal", "-shm"):
        private_file(f"{path}{suffix}")
    return path


_database_serials = itertools.count(1)


class PooledAPSWDatabase(PooledDatabase, APSWDatabase):
    """APSWDatabase whose connections outlive the request (peewee's pool).

    A connection per request opened and keyed the file and parsed the schema (~1.7 ms at 1M
    applications), then decrypted every page it read into an empty cache (~1 ms more on the heavy
    pages; /healthz went from 5.5 to 3.2 ms). A kept connection starts warm. At most one per
    thread is in use; the pool hands them out, so no connection is shared at once.
    """

    def __init__(self, database, busy_timeout: float, **kwargs):
        super().__init__(database, max_connections=None, **kwargs)
        # The pool takes `timeout` as its own wait for a free connection (unbounded here), so the
        # busy timeout that lets two clerks' saves queue is set after it.
        self._timeout = busy_timeout
        self.serial = next(_database_serials)  # a restored or reopened database: stamps of its own
        self._watcher = None  # a connection that only reads data_version (write_stamp)
        self._watcher_lock = threading.Lock()

    def cursor(self, named_cursor=None):
        """A cursor made by apsw.Cursor itself. One from `Connection.cursor()` that is then closed is never
        freed (apsw 3.54: the close leaves a reference behind), and peewee closes every cursor it reads to
        the end: ~200 bytes kept for each such query, for the life of the server (issue 45, tracemalloc)."""
        if self.is_closed():
            super().cursor()  # opens the connection as peewee would (autoconnect) or refuses
        return apsw.Cursor(self.connection())

    def write_stamp(self) -> tuple | None:
        """Changes whenever what a read sees may have changed (app/frame/figure_cache.py).

        `PRAGMA data_version` changes on a connection once another connection's commit is visible
        to it; on a connection of its own that never writes, every commit is another's: the pool's,
        a restore's, another process's. One watcher, so every thread reads the same stamp. None
        inside a transaction, whose own writes may yet be rolled back: nothing read there may be kept."""
        if not self.is_closed() and self.connection().in_transaction:
            return None
        with self._watcher_lock:
            if self._watcher is None:
                self._watcher = connect(self.database, readonly=True)
            return self.serial, self._watcher.execute("PRAGMA data_version").fetchone()[0]

    def close_idle(self):
        super().close_idle()
        with self._watcher_lock:  # an open handle would keep the file busy (Windows: undeletable)
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None
                # a new watcher counts data_version from the start again: its stamps must not meet
                # the results kept under this one's (a second app in one process, then this one again)
                self.serial = next(_database_serials)

    def _is_closed(self, conn) -> bool:
        try:
            conn.in_transaction  # noqa: B018  reading it raises on a closed connection
        except apsw.ConnectionClosedError:
            return True
        return False

    def _can_reuse(self, conn) -> bool:
        # A request that died inside a transaction must not hand its open transaction (and the
        # write lock) to the next request.
        try:
            if conn.txn_state() and not conn.in_transaction:
                # A read statement still open (a query kept alive past its request) holds an old
                # snapshot: the next request's BEGIN IMMEDIATE would fail at once with "database is
                # locked" once another connection has committed. Such a connection is not lent again.
                logging.getLogger(__name__).warning("koneksi basis data dengan pembacaan yang masih terbuka ditutup")
                return False
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except apsw.Error:
            return False
        return True


def make_database(path, kind=PooledAPSWDatabase) -> APSWDatabase:
    # BEGIN IMMEDIATE: a write transaction takes the write lock when it starts, waiting its turn
    # (busy timeout). A deferred BEGIN that read first cannot wait when another writer got in
    # between: SQLite answers "database is locked" at once (bench/bench_day.py found it).
    prepare_database_file(path)
    pragmas = live_key_pragmas(database_key(path)) + PRAGMAS
    apsw.soft_heap_limit(SQLITE_SOFT_HEAP_LIMIT)
    return kind(str(path), busy_timeout=BUSY_TIMEOUT_SECONDS, pragmas=pragmas, lock_type="IMMEDIATE")  # kind: the center's guarded one


def open_database(path) -> APSWDatabase:
    """Bind the models to the database file at `path` and return it."""
    db = make_database(path)
    if isinstance(database.obj, PooledDatabase):  # another app of this process before (tests, CLI)
        database.obj.close_idle()
    database.initialize(db)
    return db


def insert_rows(model, rows: list[dict]) -> None:
    """`rows` (dicts of field names, the same names in each) into `model`'s table through one prepared
    statement: peewee's insert_many builds its SQL text value by value, most of the cost of writing a
    few hundred rows (a page of the center's statuses, issue 45)."""
    if not rows:
        return
    fields = [model._meta.fields[name] for name in rows[0]]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    model._meta.database.cursor().executemany(
        f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join("?" * len(fields))})',
        [[field.db_value(row[field.name]) for field in fields] for row in rows])


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False
