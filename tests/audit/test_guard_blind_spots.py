"""What the office's guard missed or raised wrongly (issue 82, findings 3 and 5): a write handed to a thread pool
started outside the app; a `ROLLBACK TO` written after a comment (read as a trigger's statement, its
savepoint's rows were still counted); a failed multi-row statement caught without a savepoint (its first rows
were counted though SQLite undid them); and the declaration of no one's act, which holds in its own thread
only: made shared, a clerk's write during a background job's declaration went silent."""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.frame import audit
from app.frame.store import Setting
from tests.audit.test_guard_sees_every_write import ALARM, capability
from tests.core.test_audit_attached import WITHOUT_AUDIT, WRITER


def phone():
    return Setting.get_or_none(Setting.key == "phone")


def test_a_write_handed_to_a_pool_started_outside_the_app_is_named(db, caplog):
    hand = capability('''
def hand(pool):
    return pool.submit(database.execute_sql, "INSERT INTO setting (key, value, updated_at) VALUES ('phone', '1', '2026-11-27')")
''', "hand")
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(len, "").result()  # its worker runs already, started by no capability
        with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
            hand(pool).result()
    assert f"{ALARM}: tabel setting ({WRITER}:hand)" in caplog.text and phone() is None


def test_a_savepoint_rolled_back_after_a_comment_raises_no_alarm(db, caplog):
    commented = capability('''
def commented():
    with database.atomic():
        database.execute_sql("SAVEPOINT coba")
        Setting.insert(key="phone", value='"1"', updated_at="2026-11-27").execute()
        database.execute_sql("-- the part refused\\nROLLBACK TO coba")
        database.execute_sql("/* kept open */ RELEASE coba")
''', "commented")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        commented()
    assert ALARM not in caplog.text and phone() is None


def test_a_failed_multi_row_statement_caught_without_a_savepoint_raises_no_alarm(db, caplog):
    """SQLite undoes the whole statement; its first row, seen by the preupdate hook, was counted."""
    caught = capability('''
def caught():
    with database.atomic():
        try:
            database.execute_sql("INSERT INTO setting (key, value, updated_at) VALUES ('phone', '1', '2026-11-27'), "
                                 "('fax', NULL, '2026-11-27')")
        except Exception:
            pass  # the clerk is told; nothing was written
''', "caught")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        caught()
    assert ALARM not in caplog.text and phone() is None


def test_a_failed_statement_keeps_what_a_conflict_clause_kept(db, caplog):
    """INSERT OR FAIL keeps the rows before the failing one: they count."""
    kept = capability('''
def kept():
    with database.atomic():
        try:
            database.execute_sql("INSERT OR FAIL INTO setting (key, value, updated_at) VALUES ('phone', '1', '2026-11-27'), "
                                 "('fax', NULL, '2026-11-27')")
        except Exception:
            pass
''', "kept")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        kept()
    assert f"{ALARM}: tabel setting ({WRITER}:kept)" in caplog.text


def test_a_declaration_covers_its_own_thread_only(db, caplog):
    """A background job declares its write no one's act and waits inside the declaration; meanwhile a clerk's
    write without its line, in another thread, is refused and named."""
    inside, done = threading.Event(), threading.Event()

    def job():
        with audit.without_trail("a background job's bookkeeping"):
            inside.set()
            done.wait(30)

    worker = threading.Thread(target=job)
    worker.start()
    try:
        assert inside.wait(30)
        with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
            WITHOUT_AUDIT('"0334 571234"')
    finally:
        done.set()
        worker.join(30)
    assert f"{ALARM}: tabel setting ({WRITER}:save_phone)" in caplog.text and phone() is None


def test_a_declaration_covers_the_statements_inside_it_and_the_tables_it_names(db, caplog):
    """Per statement or per table, never a whole function: a write after the declaration ended, or to a
    table it does not name, needs its line."""
    after = capability('''
def after():
    with database.atomic():
        with audit.without_trail("a key made once", "setting"):
            Setting.insert(key="fax", value='"1"', updated_at="2026-11-27").execute()
        Setting.insert(key="phone", value='"2"', updated_at="2026-11-27").execute()
''', "after")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        after()
    assert f"{ALARM}: tabel setting ({WRITER}:after)" in caplog.text
    with audit.without_trail("an example", "stored_file"):
        assert audit.untrailed({"setting", "stored_file"}) == ["setting"]
