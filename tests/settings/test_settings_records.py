"""Issue 31: the settings' changes go through app/settings/records.py, each write with its audit
row in one transaction: when the audit row cannot be written, nothing is saved."""
import pytest

from app.frame import store
from app.frame.audit_event import AuditEvent
from app.settings import records
from app.settings.models import StoredFile


@pytest.fixture
def failing_audit(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("disk full")
    return lambda: monkeypatch.setattr(records.audit, "record", refuse)


def test_the_session_limit_is_saved_with_its_audit_row_or_not_at_all(db, failing_audit):
    before = store.get("session_idle_minutes")
    records.set_session_timeout(before + 7)
    assert store.get("session_idle_minutes") == before + 7
    assert AuditEvent.select().where(AuditEvent.entity_id == "sesi").count() == 1
    failing_audit()
    with pytest.raises(RuntimeError):
        records.set_session_timeout(before + 9)
    assert store.get("session_idle_minutes") == before + 7


def test_the_logo_is_stored_with_its_audit_row_or_not_at_all(db, failing_audit):
    records.store_logo(b"\x89PNG first")
    failing_audit()
    with pytest.raises(RuntimeError):
        records.store_logo(b"\x89PNG second")
    assert bytes(StoredFile.get(StoredFile.key == records.LOGO_KEY).content) == b"\x89PNG first"

