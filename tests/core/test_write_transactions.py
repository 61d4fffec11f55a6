"""Two clerks saving at once queue for the write lock instead of one getting a 500.

A deferred transaction that reads before it writes cannot wait when another writer commits in
between (SQLite answers "database is locked" at once); write transactions therefore begin
IMMEDIATE (app/frame/db.py). bench/bench_day.py found 28 such 500s in a busy day before the change.
"""
import threading
import time

from app.frame import store


def test_a_read_then_write_transaction_waits_for_a_concurrent_writer(app):
    database = app.extensions["database"]
    reading = threading.Event()
    failures = []

    def first_clerk():  # reads, thinks a moment, then writes: all in one transaction
        try:
            with app.app_context(), database.connection_context():
                with database.atomic():
                    store.get("address")
                    reading.set()
                    time.sleep(0.3)  # ordering only: the other clerk's save arrives meanwhile
                    store.put("address", "Jl. Pertama")
        except Exception as problem:  # noqa: BLE001 - the test reports whatever went wrong
            failures.append(repr(problem))
            reading.set()

    def second_clerk():
        reading.wait(10)
        try:
            with app.app_context(), database.connection_context():
                with database.atomic():
                    store.put("phone", "(0334) 571234")
        except Exception as problem:  # noqa: BLE001
            failures.append(repr(problem))

    threads = [threading.Thread(target=first_clerk), threading.Thread(target=second_clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    with app.app_context(), database.connection_context():
        assert store.get("address") == "Jl. Pertama"
        assert store.get("phone") == "(0334) 571234"
