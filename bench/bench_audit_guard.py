"""Benchmark: what the office's audit guard (app/frame/audit.py, watch_commits) costs each statement,
each row written and the admin's home page, in one process, with and without it in turn.

    python bench/bench_audit_guard.py [--batches 30] [--size 3000] [--pages 20]

The guard hears every statement's end (SQLite's profile trace: a failed one, SAVEPOINT, RELEASE and
ROLLBACK TO) and every row changed (the preupdate hook), whose stack it walks for an audited table. Printed, the fastest of `--batches` batches, so that a
busy machine's pauses do not count, with and without the guard, taken in turn:
- a read by key, a row inserted declared no one's act, and a row inserted by an act (a capability's
  function, with its line; all rows of a batch in one transaction), on two encrypted databases made
  alike, microseconds each;
- the admin's home page over Flask's test client (a read of a few dozen statements), ms: batches of
  `--pages` requests on the same office, its connections reopened with or without the guard.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.firstrun import seed_identity  # noqa: E402
from app.frame import audit  # noqa: E402
from app.frame.db import connect  # noqa: E402
from app.frame.signin import SESSION_TOKEN, start_session  # noqa: E402
from tests.support.factory import staff_user  # noqa: E402


def timed(work, count: int) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) / count


def statements(folder: Path, guarded: bool, size: int):
    """A read and an insert batch on a database of its own, watched or not."""
    path = folder / ("dijaga.db" if guarded else "polos.db")
    if guarded:
        audit.watch_commits(path, strict=False)
    connection = connect(path)
    connection.execute('CREATE TABLE "bangku" ("x" INTEGER)')
    connection.execute('INSERT INTO "bangku" VALUES (1)')
    connection.execute('CREATE TABLE "audit_event" ("id" INTEGER PRIMARY KEY, "at", "user_id", "username", "address", '
                       '"action", "entity", "entity_id", "summary", "before", "after")')

    def reads():
        for _ in range(size):
            connection.execute('SELECT "x" FROM "bangku" WHERE rowid = 1').fetchall()

    def writes():
        with audit.without_trail("a benchmark's rows"), connection:
            for number in range(size):
                connection.execute('INSERT INTO "bangku" VALUES (?)', (number,))
    # An act's rows and its line, written as a capability's function (issue 82: the guard walks the stack
    # of each row of an audited table to name the act that wrote it).
    scope = {"connection": connection}
    exec(compile('''
def act_writes(size):
    with connection:
        for number in range(size):
            connection.execute('INSERT INTO "bangku" VALUES (?)', (number,))
        connection.execute("INSERT INTO audit_event (at, username, action) VALUES ('2026-11-28', 'bangku', 'tambah')")
''', str(ROOT / "app" / "contoh" / "records.py"), "exec"), scope)
    return reads, writes, lambda: scope["act_writes"](size)


def office(folder: Path):
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench", "TESTING": True})
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        seed_identity("35.08.07")
        token = start_session(staff_user("admin", password="rahasia-kantor-1"))
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_TOKEN] = token
    return app, database, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--pages", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        app, database, client = office(scratch / "kantor")
        key = audit._file_key(app.config["DATABASE_PATH"])
        runs = {guarded: statements(scratch, guarded, options.size) for guarded in (False, True)}
        best = {(guarded, what): float("inf") for guarded in (False, True) for what in ("read", "row", "act", "page")}
        for _ in range(options.batches):
            for guarded in (False, True):
                reads, writes, act_writes = runs[guarded]
                best[guarded, "read"] = min(best[guarded, "read"], timed(reads, options.size) * 1e6)
                best[guarded, "row"] = min(best[guarded, "row"], timed(writes, options.size) * 1e6)
                best[guarded, "act"] = min(best[guarded, "act"], timed(act_writes, options.size) * 1e6)
                database.close_all()  # the next connections are opened watched, or not
                if guarded:
                    audit.watch_commits(app.config["DATABASE_PATH"], strict=False)
                else:
                    audit._guarded.pop(key, None)
                client.get("/")  # opens the connection: not counted

                def pages():
                    for _ in range(options.pages):
                        assert client.get("/").status_code == 200
                best[guarded, "page"] = min(best[guarded, "page"], timed(pages, options.pages) * 1000)
        database.close_all()
        for guarded in (False, True):
            print(f"{'with' if guarded else 'without':7} the guard: read {best[guarded, 'read']:5.2f} us, "
                  f"row declared {best[guarded, 'row']:5.2f} us, row of an act {best[guarded, 'act']:5.2f} us, "
                  f"home page {best[guarded, 'page']:5.2f} ms")


if __name__ == "__main__":
    main()
