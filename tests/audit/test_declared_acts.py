"""Each act declares its own line where it is written (issue 91, finding 2 and the rest of finding 1):
`@act("cadangkan")` names the action(s) of the act's line, and when the act returns its own line was
written — not a callee's, and even when the act changed no row. Before, an act that changes no row (the
manual backup, a restore, a release published or released to everyone) was outside the commit guard by
construction: its line removed, every test passed; an outer act that wrote only through an inner act was
covered by the inner act's line."""
import logging
import os

import pytest

import run
from app.backups import records as backup_records
from app.frame import audit
from app.frame.audit_rule import ActWithoutLine, act
from app.frame.audit_event import AuditEvent
from app.frame.db import database
from app.frame.store import Setting
from sync.center import audit as center_audit
from sync.center import trail
from tests.audit.test_each_act_its_own_line import WithoutTheActsLine
from tests.core.test_audit_attached import ROOT, WRITER
from tests.sync.harness import prepare_center
from tests.updates.helpers import fake_wheel


def declared_acts(source: str) -> dict:
    """Functions whose frames read as a capability's storage module's, with `act` at hand."""
    scope = {"audit": audit, "database": database, "Setting": Setting, "act": act}
    exec(compile(source, str(ROOT / WRITER), "exec"), scope)
    return scope


ACTS = declared_acts('''
@act("ubah")
def save_phone(value):
    with database.atomic():
        Setting.insert(key="phone", value=value, updated_at="2026-11-28").on_conflict_replace().execute()
        audit.record("ubah", "pengaturan", "phone", "Telepon kantor diubah")

@act("ubah")
def save_phone_twice(value, own_line):
    """An outer act that writes only through the inner act (both write `ubah` lines)."""
    save_phone(value)
    if own_line:
        with database.atomic():
            audit.record("ubah", "pengaturan", "phone", "Telepon kantor diubah dua kali")

@act("kirim")
def send_nothing(own_line):
    """An act that changes no row: its line is all it leaves in the database."""
    if own_line:
        with database.atomic():
            audit.record("kirim", "pengaturan", "", "Pengaturan dikirim")

@act("kirim")
def send_refused():
    raise ValueError("ditolak")
''')


def test_an_outer_act_that_writes_only_through_an_inner_act_needs_its_own_line(db, caplog):
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(ActWithoutLine):
        ACTS["save_phone_twice"]('"0334 1"', own_line=False)
    assert f"tindakan tanpa catatan audit: (tanpa baris audit ubah) ({WRITER}:save_phone_twice)" in caplog.text
    ACTS["save_phone_twice"]('"0334 2"', own_line=True)  # its own line, after the inner act's


def test_an_act_that_changes_no_row_is_checked_when_it_returns(db):
    with pytest.raises(ActWithoutLine, match="send_nothing"):
        ACTS["send_nothing"](own_line=False)
    ACTS["send_nothing"](own_line=True)
    with pytest.raises(ValueError):  # an act that raised did nothing: no line is asked of it
        ACTS["send_refused"]()


def test_a_manual_backup_without_its_line_is_refused_and_named(db, client_for, monkeypatch):
    admin = client_for("admin")
    monkeypatch.setattr(backup_records, "audit", WithoutTheActsLine())
    with pytest.raises(ActWithoutLine, match="app/backups/records.py:make_manual_backup"):
        admin.post("/admin/cadangan")


def test_a_manual_backup_with_its_line_passes(db, client_for):
    assert client_for("admin").post("/admin/cadangan").status_code in (302, 303)
    assert AuditEvent.select().where(AuditEvent.action == "cadangkan").count() == 1


def test_at_an_office_a_backup_without_its_line_is_named_on_the_health_card(app, db, client_for, monkeypatch):
    admin = client_for("admin")
    monkeypatch.setattr(audit._guarded[os.path.realpath(app.config["DATABASE_PATH"])], "strict", False)  # as at an office
    monkeypatch.setattr(backup_records, "audit", WithoutTheActsLine())
    assert admin.post("/admin/cadangan").status_code in (302, 303)
    gaps = {gap["writer"]: gap["tables"] for gap in audit.trail_gaps(app.config["DATABASE_PATH"].parent)}
    assert gaps == {"app/backups/records.py:make_manual_backup": "(tanpa baris audit cadangkan)"}


def test_a_restore_without_its_line_is_refused_and_named(app, db, client_for, monkeypatch):
    from tests.backups.test_restore_page import set_phone
    from app.backups.engine import backup_database
    set_phone(db, "111")
    made = backup_database(app.config["DATABASE_PATH"], app.config["BACKUP_DIR"] / "manual-20260817-090000.sqlite3")
    admin = client_for("admin")
    monkeypatch.setattr(backup_records, "record_restore", lambda *args, **kwargs: None)
    with pytest.raises(ActWithoutLine, match="app/backups/records.py:restore"):
        admin.post("/admin/cadangan/pulihkan", data={"name": made.name, "confirm": "ya"})


@pytest.fixture(params=["sqlite", "postgresql"])
def bundle(request, tmp_path):
    """A release signed on the regency's key folder, and a center's data folder with its online key, its
    database SQLite or PostgreSQL (the folder records which: `run.py release publish` finds it there)."""
    from tests.sync.helpers import center_database_url
    keys, center_dir, wheels = tmp_path / "kunci", tmp_path / "pusat", tmp_path / "roda"
    prepare_center(center_dir, center_database_url(request.param))
    fake_wheel(wheels, "loket_kecamatan-9.0.0-py3-none-any.whl")
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(tmp_path / "akar")]) == 0
    assert run.main(["release", "install-online-key", "--data", str(center_dir), "--keys", str(keys)]) == 0
    made = tmp_path / "paket-9.0.0"
    assert run.main(["release", "sign", "--keys", str(keys), "--version", "9.0.0", "--notes", "Rilis.",
                     "--wheels", str(wheels), "--bundle", str(made)]) == 0
    return center_dir, made


def test_a_release_published_without_its_line_is_named_at_the_center(bundle, monkeypatch, caplog):
    """`run.py release publish` changes no row but its line: without it, the center's admin page names it."""
    center_dir, made = bundle
    monkeypatch.setattr(center_audit, "audit", lambda *args, **kwargs: None)
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        assert run.main(["release", "publish", "--data", str(center_dir), "--bundle", str(made)]) == 0
    assert [(gap["writer"], gap["tables"]) for gap in trail.untrailed_writes(center_dir)] == [
        ("sync/center/release_commands.py:publish_release", "(tanpa baris audit terbit)")]


def test_a_release_published_with_its_line_leaves_no_note(bundle):
    center_dir, made = bundle
    assert run.main(["release", "publish", "--data", str(center_dir), "--bundle", str(made)]) == 0
    assert trail.untrailed_writes(center_dir) == []
