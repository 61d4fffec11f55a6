"""Connections outlive the request (app/frame/db.py, PooledAPSWDatabase), without carrying
anything from one request to the next but a warm page cache.

A kept connection must not hand over an open transaction (and its write lock), must keep the
busy timeout that lets two saves queue, and must see a restore made through another connection.
"""
import gc
import threading

import apsw
from playhouse.apsw_ext import APSWDatabase

from app.backups.engine import backup_database, restore_database
from app.frame import store
from app.frame.db import BUSY_TIMEOUT_SECONDS, SQLITE_SOFT_HEAP_LIMIT


def in_thread(work):
    """Run `work()` in a thread of its own (as a waitress worker would) and return its result."""
    result = {}

    def run():
        try:
            result["value"] = work()
        except BaseException as problem:  # noqa: BLE001 - re-raised below, in the test's thread
            result["error"] = problem

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_requests_reuse_one_connection(app):
    first = in_thread(lambda: _connection_of_a_request(app))
    second = in_thread(lambda: _connection_of_a_request(app))
    assert first is second  # the second request got the first one's connection back
    assert not first.in_transaction


def _connection_of_a_request(app):
    """The connection a request's cycle (app/frame/request_cycle.py) opened, after the request ended."""
    database = app.extensions["database"]
    with app.test_request_context("/"):
        app.preprocess_request()  # opens the connection, loads the (absent) user
        connection = database.connection()
        app.do_teardown_request()
    assert database.is_closed()  # returned to the pool, as far as this thread is concerned
    return connection


def test_a_transaction_left_open_is_rolled_back_when_the_connection_returns(app):
    database = app.extensions["database"]

    def dies_mid_save():
        with app.app_context(), database.connection_context():
            database.execute_sql("BEGIN IMMEDIATE")
            store.put("address", "Jl. Setengah Jadi")
            # the request ends here without commit or rollback (an exception in a view)

    in_thread(dies_mid_save)

    def next_request():
        with app.app_context(), database.connection_context():
            connection = database.connection()
            open_transaction = connection.in_transaction
            with database.atomic():  # takes the write lock: it would wait, then fail, if still held
                store.put("phone", "(0334) 571234")
            return open_transaction, store.get("address"), store.get("phone")

    open_transaction, address, phone = in_thread(next_request)
    assert open_transaction is False
    assert address != "Jl. Setengah Jadi"
    assert phone == "(0334) 571234"


KEPT_READS = []  # a query kept alive past its request (the center's public packets did, issue 28)


def test_a_read_left_open_does_not_lock_the_next_request_out(app):
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        store.put("address", "Jl. Awal")
        store.put("phone", "(0334) 571234")

    def leaves_a_read_open():
        with app.app_context(), database.connection_context():
            cursor = database.execute_sql("SELECT key FROM setting")
            cursor.fetchone()  # one row read of several: the statement (and its snapshot) stays open
            KEPT_READS.append(cursor)
            assert database.connection().txn_state() and not database.connection().in_transaction
            return database.connection()

    kept = in_thread(leaves_a_read_open)

    other = APSWDatabase._connect(database)  # not the pool's: another connection (another process, a backup) commits: the kept snapshot is stale
    other.execute("UPDATE setting SET value = '\"Jl. Baru\"' WHERE key = 'address'")
    other.close()

    def next_request():
        with app.app_context(), database.connection_context():
            with database.atomic():  # BEGIN IMMEDIATE on a stale snapshot: "database is locked" at once
                store.put("email", "kecamatan@example.go.id")
            return database.connection(), store.get("email")

    connection, email = in_thread(next_request)
    assert email == "kecamatan@example.go.id"
    assert connection is not kept
    KEPT_READS.clear()


def test_kept_connections_keep_the_busy_timeout(app):
    database = app.extensions["database"]

    def busy_timeout():
        with app.app_context(), database.connection_context():
            return database.execute_sql("PRAGMA busy_timeout").fetchone()[0]

    assert in_thread(busy_timeout) == BUSY_TIMEOUT_SECONDS * 1000
    assert in_thread(busy_timeout) == BUSY_TIMEOUT_SECONDS * 1000  # the reused one too


def test_a_kept_connection_sees_a_restore(app, tmp_path):
    database = app.extensions["database"]
    path = app.config["DATABASE_PATH"]

    def put_address(text):
        with app.app_context(), database.connection_context(), database.atomic():
            store.put("address", text)

    def read_address():
        with app.app_context(), database.connection_context():
            return store.get("address")

    in_thread(lambda: put_address("Jl. Sebelum Cadangan"))
    backup = backup_database(path, tmp_path / "cadangan.sqlite3")
    in_thread(lambda: put_address("Jl. Sesudah Cadangan"))
    assert in_thread(read_address) == "Jl. Sesudah Cadangan"  # its cache now holds the later page

    restore_database(backup, path, tmp_path / "pengaman")
    assert in_thread(read_address) == "Jl. Sebelum Cadangan"


def test_kept_connections_share_a_bounded_page_cache(app):
    """Eight busy threads each keep a connection; together their caches stay near the soft limit
    instead of eight full caches (2 MB each by SQLite's default).

    SQLite's memory count is the whole process's: earlier tests' apps may still hold connections
    (CI once counted 10.8 MB with this app's share in bounds). So the test weighs what the eight
    readers add, which the limit bounds too: past it SQLite reuses cache pages instead of growing."""
    database = app.extensions["database"]
    with app.app_context(), database.connection_context(), database.atomic():
        database.execute_sql("CREATE TABLE padding (x BLOB)")
        database.execute_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                             "INSERT INTO padding SELECT randomblob(3000) FROM n")  # ~6 MB of pages
    gc.collect()  # connections of earlier tests' apps that nothing holds any more
    before = apsw.status(apsw.SQLITE_STATUS_MEMORY_USED)[0]
    start = threading.Barrier(8)

    def read_everything():
        with app.app_context(), database.connection_context():
            start.wait(30)  # all eight connections out of the pool at once
            database.execute_sql("SELECT sum(length(x)) FROM padding").fetchone()
            start.wait(30)

    threads = [threading.Thread(target=read_everything) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    added = apsw.status(apsw.SQLITE_STATUS_MEMORY_USED)[0] - before
    assert added < SQLITE_SOFT_HEAP_LIMIT, added  # eight full caches would add 16 MB


def test_a_query_read_to_the_end_leaves_no_cursor_behind(app):
    """peewee closes each cursor it reads to the end; one made by apsw's Connection.cursor() and then
    closed was never freed (apsw 3.54), some 200 bytes a query for the server's life (issue 45)."""
    import weakref

    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        cursor = database.execute_sql("SELECT 1 UNION ALL SELECT 2")
        assert [row for row in iter(cursor.fetchone, None)] == [(1,), (2,)]
        cursor.close()  # as peewee's CursorWrapper does at the end of the rows
        kept = weakref.ref(cursor)
        del cursor
        gc.collect()
        assert kept() is None
