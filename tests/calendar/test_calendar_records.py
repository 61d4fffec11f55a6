"""Issue 31: the calendar's changes go through app/calendar/records.py, days, generation and audit
row in one transaction: without the audit row, the SKB's days are not entered."""
from datetime import date

import pytest

from app.calendar import records
from app.frame.office_calendar import OfficeDay
from app.frame import store
from app.frame.audit_event import AuditEvent


def test_a_decree_is_entered_with_its_audit_row_or_not_at_all(db, monkeypatch):
    decreed = store.get("calendar_decreed_years")
    records.add_day(date(2027, 8, 16), {"day": "2027-08-16", "kind": "tutup", "name": "Kerja bakti"}, "admin")
    assert AuditEvent.select().where(AuditEvent.entity == "hari_libur").count() == 1

    def refuse(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(records.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        records.enter_decree(2028, [(date(2028, 2, 25), "Cuti bersama Imlek")], "admin")
    with pytest.raises(RuntimeError):
        records.remove_day(OfficeDay.get(OfficeDay.day == date(2027, 8, 16)))
    assert [d.day for d in OfficeDay.select()] == [date(2027, 8, 16)]
    assert store.get("calendar_decreed_years") == decreed
