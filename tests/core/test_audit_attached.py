"""Audit attached to the write (issue 63): a commit of the office database that changes a record of
someone's act without its audit row is refused in tests and named in the log at an office
(app/frame/audit.py, watch_commits). The writers below are compiled as a capability's module would be:
the guard names the capability's function behind the commit."""
import logging
import os
from pathlib import Path

import pytest

from app.frame import audit
from app.frame.db import database
from app.frame.store import Setting

ROOT = Path(__file__).resolve().parents[2]


WRITER = "/".join(("app", "contoh", "records.py"))  # a capability's storage module (none is named so)


def capability_writer(source: str, name: str):
    """A function whose frames read as WRITER's, as a capability's storage function."""
    scope = {"audit": audit, "database": database, "Setting": Setting}
    exec(compile(source, str(ROOT / WRITER), "exec"), scope)
    return scope[name]


WITHOUT_AUDIT = capability_writer('''
def save_phone(value):
    with database.atomic():
        Setting.insert(key="phone", value=value, updated_at="2026-11-27").on_conflict_replace().execute()
''', "save_phone")

WITH_AUDIT = capability_writer('''
def save_phone(value):
    with database.atomic():
        Setting.insert(key="phone", value=value, updated_at="2026-11-27").on_conflict_replace().execute()
        audit.record("ubah", "pengaturan", "phone", "Telepon kantor diubah")
''', "save_phone")

DECLARED = capability_writer('''
def save_phone(value):
    with audit.without_trail("an example"), database.atomic():
        Setting.insert(key="phone", value=value, updated_at="2026-11-27").on_conflict_replace().execute()
''', "save_phone")


def phone():
    return Setting.get_or_none(Setting.key == "phone")


def test_a_capabilitys_write_without_its_audit_row_is_refused_in_tests_and_named(db, caplog):
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        WITHOUT_AUDIT('"0334 571234"')
    assert phone() is None  # the commit was turned into a rollback
    assert f"perubahan tanpa catatan audit: tabel setting ({WRITER}:save_phone)" in caplog.text
    assert "571234" not in caplog.text  # tables and functions only, never a value


def test_with_its_audit_row_or_declared_the_write_commits(db, caplog):
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        WITH_AUDIT('"0334 571234"')
        assert phone().value == '"0334 571234"'
        DECLARED('"0334 999999"')
        assert phone().value == '"0334 999999"'
    assert "tanpa catatan audit" not in caplog.text


def test_at_an_office_the_write_is_kept_and_only_named(app, db, caplog, monkeypatch):
    """A clerk's save is never lost for a missing trail: outside tests the guard only writes the log line."""
    monkeypatch.setattr(audit._guarded[os.path.realpath(app.config["DATABASE_PATH"])], "strict", False)
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        WITHOUT_AUDIT('"0334 571234"')
    assert phone().value == '"0334 571234"'
    assert f"tabel setting ({WRITER}:save_phone)" in caplog.text


def test_a_table_is_audited_unless_named_as_no_ones_act():
    assert audit.untrailed({"application", "sync_outbox"}) == ["application"]
    assert audit.untrailed({"tabel_baru"}) == ["tabel_baru"]  # a new table is audited until it is named
    assert audit.untrailed({"application", "audit_event"}) == ["application"]  # a line covers its act only
    assert audit.untrailed({"application_fts_data", "complaint_search_idx", "sqlite_sequence"}) == []


def test_every_table_named_as_no_ones_act_exists():
    """A stale name would hide nothing today but a future table of that name."""
    tables = set()
    for folder in ("kecamatan", "desa"):
        for sql in (ROOT / "schema" / folder).glob("*.sql"):
            text = sql.read_text().lower()
            tables |= {name for name in audit.NOT_ACTS if f'table "{name}"' in text or f"table {name}" in text
                       or f'table if not exists "{name}"' in text or f"table if not exists {name}" in text}
    assert sorted(set(audit.NOT_ACTS) - tables) == []
