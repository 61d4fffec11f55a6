"""The office's audit guard sees every row change (issue 70, finding 2): SQLite's update hook missed a
DELETE with no WHERE (the truncate), every write to a WITHOUT ROWID table and the name of a capability
whose thread wrote; it counted the changes of a savepoint rolled back. The writers are compiled as a
capability's module would be (tests/core/test_audit_attached.py)."""
import logging
import threading

import pytest

from app.frame import audit
from app.frame.db import database
from app.frame.store import Setting
from app.settings.models import StoredFile
from tests.core.test_audit_attached import WRITER, capability_writer

ALARM = "perubahan tanpa catatan audit"


def capability(source: str, name: str):
    writer = capability_writer("import threading\n" + source, name)
    writer.__globals__.update(StoredFile=StoredFile, threading=threading)
    return writer


def put_logo():
    StoredFile.insert(key="logo", content=b"\x89PNG", mime_type="image/png", updated_at="2026-11-27").execute()


def test_emptying_a_table_without_triggers_is_refused_and_named(db, caplog):
    """`DELETE FROM stored_file` with no WHERE: SQLite's truncate skips the update hook, not the preupdate hook."""
    put_logo()
    wipe = capability('''
def wipe():
    with database.atomic():
        StoredFile.delete().execute()
''', "wipe")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        wipe()
    assert StoredFile.get_or_none(StoredFile.key == "logo") is not None  # the commit was refused
    assert f"{ALARM}: tabel stored_file ({WRITER}:wipe)" in caplog.text


def test_a_new_without_rowid_table_is_audited_until_named(db, caplog, monkeypatch):
    db.execute_sql('CREATE TABLE "catatan_baru" ("kode" TEXT NOT NULL PRIMARY KEY, "isi" TEXT NOT NULL) WITHOUT ROWID')
    note = capability('''
def note(code):
    with database.atomic():
        database.execute_sql('INSERT INTO "catatan_baru" VALUES (?, ?)', (code, "isi"))
''', "note")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        note("a")
    assert f"{ALARM}: tabel catatan_baru ({WRITER}:note)" in caplog.text
    assert db.execute_sql('SELECT count(*) FROM "catatan_baru"').fetchone()[0] == 0
    monkeypatch.setitem(audit.NOT_ACTS, "catatan_baru", "an example of no one's act")
    note("b")
    assert db.execute_sql('SELECT "kode" FROM "catatan_baru"').fetchall() == [("b",)]


def in_own_connection(write, failures: list) -> None:
    """A thread's body with nothing of a capability on its stack: only the write it was handed."""
    try:
        with database.connection_context():
            write()
    except Exception as problem:  # noqa: BLE001  the test reads it
        failures.append(problem)


def test_a_write_from_a_thread_a_capability_started_is_named_after_that_capability(db, caplog):
    hand_over = capability('''
def hand_over(body):
    query = Setting.insert(key="phone", value='"0334 571234"', updated_at="2026-11-27").on_conflict_replace()
    failures = []
    thread = threading.Thread(target=body, args=(query.execute, failures))
    thread.start()
    thread.join()
    return failures
''', "hand_over")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        failures = hand_over(in_own_connection)
    assert f"{ALARM}: tabel setting ({WRITER}:hand_over)" in caplog.text
    assert failures and Setting.get_or_none(Setting.key == "phone") is None  # refused in the thread too


def test_a_savepoint_rolled_back_raises_no_alarm_and_its_audit_row_covers_nothing(db, caplog):
    """A refused part inside a bigger write (app/desa/relay.py) leaves no change: nothing to trail.
    An audit row in a savepoint rolled back is gone too: the change kept beside it is untrailed."""
    refused_part = capability('''
class Refused(Exception):
    pass

def refused_part(raw):
    with database.atomic():
        try:
            if raw:  # the statements another library could send: any case, no quotes, TRANSACTION
                database.execute_sql('savepoint bagian')
                Setting.insert(key="phone", value='"1"', updated_at="2026-11-27").on_conflict_replace().execute()
                database.execute_sql('ROLLBACK TRANSACTION TO SAVEPOINT "BAGIAN"')
                database.execute_sql('RELEASE bagian')
            else:
                with database.atomic():
                    Setting.insert(key="phone", value='"1"', updated_at="2026-11-27").on_conflict_replace().execute()
                    raise Refused
        except Refused:
            pass

def trail_rolled_back():
    with database.atomic():
        Setting.insert(key="phone", value='"2"', updated_at="2026-11-27").on_conflict_replace().execute()
        try:
            with database.atomic():
                audit.record("ubah", "pengaturan", "phone", "Telepon kantor diubah")
                raise Refused
        except Refused:
            pass
''', "refused_part")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        refused_part(raw=False)
        refused_part(raw=True)
        assert ALARM not in caplog.text and Setting.get_or_none(Setting.key == "phone") is None
        with pytest.raises(Exception):
            refused_part.__globals__["trail_rolled_back"]()
    assert f"{ALARM}: tabel setting ({WRITER}:trail_rolled_back)" in caplog.text


def test_a_savepoint_released_keeps_its_changes_counted(db, caplog):
    nested = capability('''
def nested():
    with database.atomic():
        with database.atomic():
            Setting.insert(key="phone", value='"3"', updated_at="2026-11-27").on_conflict_replace().execute()
''', "nested")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        nested()
    assert f"{ALARM}: tabel setting ({WRITER}:nested)" in caplog.text


def test_a_temporary_tables_rows_are_no_ones_act(db, caplog):
    """Gone when the connection closes: nothing of the office's is kept in them."""
    scratch = capability('''
def scratch():
    with database.atomic():
        database.execute_sql('CREATE TEMP TABLE IF NOT EXISTS "hitungan" ("n" INTEGER)')
        database.execute_sql('INSERT INTO "hitungan" VALUES (1)')
''', "scratch")
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        scratch()
    assert ALARM not in caplog.text
