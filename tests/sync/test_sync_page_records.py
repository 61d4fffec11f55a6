"""Issue 31: the sync page's own changes (the nightly time, the USB files made and read) are written by
app/sync_page/records.py with their audit sentence; the page only reads the form and calls them."""
import io

import pytest

from app.frame import store
from app.frame.audit_event import AuditEvent
from app.sync_page import records
from tests.sync.test_sync_page import enrol_fake


def _last() -> AuditEvent:
    return AuditEvent.select().where(AuditEvent.entity == "sinkronisasi").order_by(AuditEvent.id.desc()).first()


def test_the_nightly_time_and_the_usb_files_leave_their_audit_sentences(client_for, db, app):
    from tests.sync.harness import fill_kecamatan
    admin = client_for("admin")
    assert admin.post("/sinkronisasi/jadwal", data={"nightly": "21:05"}).status_code == 303
    assert (_last().action, _last().summary) == ("ubah_jadwal", "sinkron malam pukul 21:05")
    enrol_fake(db)
    fill_kecamatan(app, 2, photo_size=(60, 80))
    assert admin.post("/sinkronisasi/ekspor").status_code == 303
    assert (_last().action, _last().summary) == ("ekspor_usb", "2 permohonan ke 1 berkas USB")
    refused = admin.post("/sinkronisasi/impor-status", data={"status_file": (io.BytesIO(b"bukan berkas"), "x.lks")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and _last().action == "ekspor_usb"  # a refused file leaves no row


def test_the_nightly_time_is_not_changed_without_its_audit_row(db, monkeypatch):
    before = store.get("sync_nightly_time")

    def refuse(*args, **kwargs):
        raise RuntimeError("disk penuh")
    monkeypatch.setattr(records.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        records.set_nightly_time(3, 15, "03:15")
    assert store.get("sync_nightly_time") == before != "03:15"
