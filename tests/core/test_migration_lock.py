"""Two starts after an upgrade: the level is read under the write lock, so each file runs once.

Two connections of their own (as two processes have): the second start begins right after the
first one read the level, before it took the write lock.
"""
import threading

import app.frame.migrations as migrations
from app.frame.db import make_database
from tests.support.waiting import wait_until

FILES = {"0001_a.sql": "CREATE TABLE applied (n INTEGER NOT NULL); INSERT INTO applied VALUES (1);",
         "0002_b.sql": "INSERT INTO applied VALUES (2);"}


def test_two_starts_apply_each_migration_once(tmp_path, monkeypatch):
    schema = tmp_path / "schema"
    schema.mkdir()
    for name, sql in FILES.items():
        (schema / name).write_text(sql)
    path = tmp_path / "office.sqlite3"
    first, second = make_database(path), make_database(path)
    read_level = migrations.database_level
    second_read_level, second_asked_for_the_lock = threading.Event(), threading.Event()
    errors, started = [], []
    begin = second.begin

    def second_begins(lock_type=None):
        second_asked_for_the_lock.set()
        return begin(lock_type)
    monkeypatch.setattr(second, "begin", second_begins)

    def second_start():
        try:
            migrations.migrate(second, schema)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def level_then_let_the_other_start(db):
        level = read_level(db)
        if db is second:
            second_read_level.set()
        elif not started:
            started.append(threading.Thread(target=second_start))
            started[0].start()
            # Unlocked, the second start reads the old level now; under the lock it waits for us.
            wait_until(lambda: second_read_level.is_set() or second_asked_for_the_lock.is_set(),
                       what="the second start to read the level or ask for the write lock")
        return level

    monkeypatch.setattr(migrations, "database_level", level_then_let_the_other_start)
    try:
        migrations.migrate(first, schema)
    except Exception as error:  # noqa: BLE001
        errors.append(error)
    started[0].join()
    assert errors == []
    rows = [r[0] for r in first.execute_sql("SELECT n FROM applied ORDER BY n")]
    assert rows == [1, 2]
    assert read_level(first) == 2
