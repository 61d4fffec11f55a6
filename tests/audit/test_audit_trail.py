"""The audit trail is append-only and visible to admin and camat with filters."""
import pytest
from peewee import DatabaseError, IntegrityError, OperationalError

from app import audit
from app.frame.audit_event import AuditEvent


def test_audit_rows_cannot_be_updated_or_deleted(db, users):
    event = audit.record("uji", "contoh", 1, "isi", user=users["admin"])
    with pytest.raises((IntegrityError, OperationalError, DatabaseError)):
        AuditEvent.update(summary="diubah").where(AuditEvent.id == event.id).execute()
    with pytest.raises((IntegrityError, OperationalError, DatabaseError)):
        AuditEvent.delete().where(AuditEvent.id == event.id).execute()
    assert AuditEvent.get_by_id(event.id).summary == "isi"


def test_trail_filters_by_user_and_entity(client_for, users):
    audit.record("ubah", "pengaturan", "kantor", "Pengaturan A", user=users["admin"])
    audit.record("buat", "pengguna", 5, "Akun B", user=users["camat"])
    page = client_for("camat").get("/audit?pengguna=camat").get_data(as_text=True)
    assert "Akun B" in page and "Pengaturan A" not in page
    page = client_for("admin").get("/audit?entitas=pengaturan").get_data(as_text=True)
    assert "Pengaturan A" in page and "Akun B" not in page


def test_htmx_filter_returns_only_the_rows_fragment(client_for, users):
    audit.record("ubah", "pengaturan", "kantor", "Pengaturan A", user=users["admin"])
    response = client_for("admin").get("/audit", headers={"HX-Request": "true", "HX-Target": "audit-rows"})
    text = response.get_data(as_text=True)
    assert "Pengaturan A" in text and "<html" not in text


def test_no_route_edits_or_deletes_the_trail(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
