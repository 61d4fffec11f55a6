"""Issue 31: the book's side records (kotak saran openings, categories, time targets) are written by
app/complaints/book.py with their audit row in one transaction: without the row, nothing is saved."""
from datetime import date

import pytest

from app.complaints import book
from app.complaints.models import ComplaintCategory, SuggestionBoxSession
from app.frame import store
from app.frame.audit_event import AuditEvent


def _failing_audit(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(book.audit, "record", refuse)


def test_each_side_record_is_saved_with_its_audit_row_or_not_at_all(db, users, monkeypatch):
    session = book.open_box(date(2026, 3, 2), users["petugas_informasi"].id, 3, False, "")
    assert AuditEvent.select().where(AuditEvent.entity == "kotak_saran", AuditEvent.entity_id == str(session.id)).exists()
    categories = ComplaintCategory.select().count()
    before = store.get("complaint_follow_up_days")
    _failing_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        book.open_box(date(2026, 3, 3), users["petugas_informasi"].id, 0, True, "")
    with pytest.raises(RuntimeError):
        book.save_category(None, {"name": "Parkir", "section": "Kasi Pelayanan", "is_active": True})
    with pytest.raises(RuntimeError):
        book.save_targets({"complaint_first_response_days": 2, "complaint_follow_up_days": before + 3})
    assert SuggestionBoxSession.select().count() == 1 and ComplaintCategory.select().count() == categories
    assert store.get("complaint_follow_up_days") == before
