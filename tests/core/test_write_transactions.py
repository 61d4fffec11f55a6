"""Two clerks saving at once queue for the write lock instead of one getting a 500.

A deferred transaction that reads before it writes cannot wait when another writer commits in
between (SQLite answers "database is locked" at once); write transactions therefore begin
IMMEDIATE (app/frame/db.py). bench/bench_day.py found 28 such 500s in a busy day before the change.
"""
import threading

from app.frame import store
from tests.support.waiting import wait_until


def test_a_read_then_write_transaction_waits_for_a_concurrent_writer(app):
    database = app.extensions["database"]
    reading, saved = threading.Event(), threading.Event()
    second_began = []  # the BEGIN statements the second clerk's connection sent to SQLite
    failures = []

    def second_save_arrived():
        """The other clerk's save is in: it has committed, or it asked for the write lock the first
        clerk holds and waits its turn (either order passes then). A deferred BEGIN takes no lock:
        its save goes through at once, so the first clerk writes only after that commit."""
        return saved.is_set() or any(begin.split()[1:2] in (["IMMEDIATE"], ["EXCLUSIVE"]) for begin in second_began)

    def first_clerk():  # reads, thinks a moment, then writes: all in one transaction
        try:
            with app.app_context(), database.connection_context():
                with database.atomic():
                    store.get("address")
                    reading.set()
                    wait_until(second_save_arrived, 30, "the other clerk's save")
                    store.put("address", "Jl. Pertama")
        except Exception as problem:  # noqa: BLE001 - the test reports whatever went wrong
            failures.append(repr(problem))
            reading.set()

    def trace(cursor, sql, bindings):
        if sql.lstrip().upper().startswith("BEGIN"):
            second_began.append(sql.strip().upper())
        return True

    def second_clerk():
        reading.wait(10)
        try:
            with app.app_context(), database.connection_context():
                connection = database.connection()
                connection.exec_trace = trace
                try:
                    with database.atomic():
                        store.put("phone", "(0334) 571234")
                finally:
                    connection.exec_trace = None  # the pool lends the connection again
                saved.set()
        except Exception as problem:  # noqa: BLE001
            failures.append(repr(problem))
            saved.set()

    threads = [threading.Thread(target=first_clerk), threading.Thread(target=second_clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with app.app_context(), database.connection_context():
        assert store.get("address") == "Jl. Pertama"
        assert store.get("phone") == "(0334) 571234"
