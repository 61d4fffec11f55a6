"""A write kept at an office without its audit row shows on the admin's health card (issue 70, finding 4):
the log line nobody at a kecamatan reads stays, and the admin's home page names the table, the function
and when, never a value, until the admin says it was looked at or a month has passed."""
import logging
import os
from datetime import datetime, timedelta

import pytest

from app.frame import audit
from app.frame.audit_event import AuditEvent
from app.frame.store import Setting
from app.settings.models import StoredFile
from tests.audit.test_guard_sees_every_write import capability
from tests.core.test_audit_attached import WRITER

CARD = "Perubahan tanpa catatan audit"

WIPE = capability('''
def wipe():
    with database.atomic():
        StoredFile.delete().execute()
''', "wipe")

SAVE_PHONE = capability('''
def save_phone(value):
    with database.atomic():
        Setting.insert(key="phone", value=value, updated_at="2026-11-27").on_conflict_replace().execute()
''', "save_phone")


@pytest.fixture
def office(app, db, monkeypatch):
    """The guard as at an office: the write is kept and only named."""
    monkeypatch.setattr(audit._guarded[os.path.realpath(app.config["DATABASE_PATH"])], "strict", False)
    return app.config["DATABASE_PATH"].parent


def home(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_the_admin_sees_the_untrailed_write_with_its_table_and_function_until_it_is_marked_seen(
        office, client_for, caplog):
    StoredFile.insert(key="logo", content=b"\x89PNG rahasia", mime_type="image/png", updated_at="2026-11-27").execute()
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        WIPE()
        SAVE_PHONE('"0334 571234"')
        SAVE_PHONE('"0334 571235"')
    assert StoredFile.select().count() == 0  # kept at an office, and still named in the log
    assert f"tabel stored_file ({WRITER}:wipe)" in caplog.text

    admin, camat, loket = client_for("admin"), client_for("camat"), client_for("petugas_loket")
    page = home(admin)
    assert CARD in page and "3 kali" in page
    assert f"tabel stored_file oleh {WRITER}:wipe (pada " in page
    assert f"tabel setting oleh {WRITER}:save_phone (2 kali, terakhir " in page
    assert "571234" not in page and "571235" not in page and "rahasia" not in page  # never a value
    assert "tidak tercatat di jejak audit" in home(camat) and CARD not in home(loket)

    listing = admin.get("/admin/cadangan/tanpa-catatan-audit").get_data(as_text=True)
    assert f"{WRITER}:wipe" in listing and "Tandai sudah diperiksa" in listing and "571234" not in listing
    seen_until = audit.trail_gaps(office)[0]["last"]
    later = (datetime.fromisoformat(seen_until) + timedelta(seconds=1)).isoformat()
    answer = admin.post("/admin/cadangan/tanpa-catatan-audit", data={"sampai": later})
    assert answer.status_code == 303
    assert CARD not in home(admin) and audit.trail_gaps(office) == []
    assert AuditEvent.select().where(AuditEvent.entity == "catatan_audit", AuditEvent.action == "konfirmasi").count() == 1


def test_a_gap_noted_after_the_page_was_read_stays_on_the_card(office, client_for):
    SAVE_PHONE('"1"')
    shown = audit.trail_gaps(office)[0]["last"]
    earlier = (datetime.fromisoformat(shown) - timedelta(seconds=1)).isoformat()
    client_for("admin").post("/admin/cadangan/tanpa-catatan-audit", data={"sampai": earlier})
    assert CARD in home(client_for("admin"))


@pytest.mark.parametrize("form", [{}, {"sampai": "kemarin"}])
def test_an_empty_or_edited_form_is_refused_with_the_summary_and_marks_nothing(office, client_for, form):
    SAVE_PHONE('"1"')
    answer = client_for("admin").post("/admin/cadangan/tanpa-catatan-audit", data=form)
    assert answer.status_code == 422 and "data-error-summary" in answer.get_data(as_text=True)
    assert len(audit.trail_gaps(office)) == 1


def test_the_card_keeps_the_last_few_pairs_and_a_month(office):
    for number in range(audit.GAPS_KEPT + 2):
        writer = capability(f'''
def writer_{number}():
    with database.atomic():
        Setting.insert(key="phone", value="1", updated_at="2026-11-27").on_conflict_replace().execute()
''', f"writer_{number}")
        writer()
    gaps = audit.trail_gaps(office)
    assert len(gaps) == audit.GAPS_KEPT and {gap["writer"] for gap in gaps} == {
        f"{WRITER}:writer_{number}" for number in range(2, audit.GAPS_KEPT + 2)}
    month_later = datetime.fromisoformat(gaps[0]["last"]) + audit.GAP_SHOWN_FOR + timedelta(seconds=1)
    assert audit.trail_gaps(office, now=month_later) == []


@pytest.mark.parametrize("damaged", ["{bukan json", '[{"tables": "setting", "writer": "x", "count": "2", '
                                                     '"first": "2026-11-27", "last": 5}]'])
def test_a_damaged_note_shows_no_card_and_the_next_gap_starts_it_again(office, client_for, damaged):
    (office / audit.GAPS_FILE).write_text(damaged, encoding="utf-8")
    assert CARD not in home(client_for("admin"))
    SAVE_PHONE('"1"')
    assert [gap["writer"] for gap in audit.trail_gaps(office)] == [f"{WRITER}:save_phone"]


def test_in_tests_the_refused_write_is_not_noted(app, db):
    """A refused commit left nothing behind: no card for it."""
    with pytest.raises(Exception):
        SAVE_PHONE('"1"')
    assert audit.trail_gaps(app.config["DATABASE_PATH"].parent) == []


def test_a_note_that_cannot_be_rewritten_keeps_the_card_and_leaves_no_audit_row(office, client_for, monkeypatch):
    """A full disk: the admin is told in a sentence, not a server error, and nothing claims a look."""
    SAVE_PHONE('"1"')
    shown = audit.trail_gaps(office)[0]["last"]

    def disk_full(path, text):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(audit, "write_private", disk_full)
    answer = client_for("admin").post("/admin/cadangan/tanpa-catatan-audit", data={"sampai": shown})
    assert answer.status_code == 503 and "Kosongkan ruang disk" in answer.get_data(as_text=True)
    assert len(audit.trail_gaps(office)) == 1
    assert AuditEvent.select().where(AuditEvent.entity == "catatan_audit").count() == 0


def test_a_full_disk_refusing_the_note_never_costs_the_clerks_write(office, caplog, monkeypatch):
    def disk_full(path, text):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(audit, "write_private", disk_full)
    with caplog.at_level(logging.WARNING, logger="app.frame.audit"):
        SAVE_PHONE('"0334 571234"')
    assert Setting.get(Setting.key == "phone").value == '"0334 571234"'
    assert f"tabel setting ({WRITER}:save_phone)" in caplog.text and "tidak dapat disimpan" in caplog.text
