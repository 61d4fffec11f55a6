"""Issue 31: a collective letter's changes go through app/registration/collective_records.py, each
with its audit row in one transaction: without the row, nothing of the change is kept."""
from datetime import date

import pytest

from app.frame.audit_event import AuditEvent
from app.registration import collective_records
from app.registration.models import CollectiveLetter

LETTER = {"letter_number": "421/15/2026", "sender": "SMA Negeri 1 Yosowilangun", "contact": "", "notes": "",
          "letter_date": date(2026, 3, 2), "recording_date": None}


def test_a_letter_and_its_schedule_are_kept_with_their_audit_rows_or_not_at_all(office, monkeypatch):
    letter = collective_records.create_letter(dict(LETTER), None)
    assert AuditEvent.select().where(AuditEvent.entity == "surat_kolektif").count() == 1

    def refuse(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(collective_records.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        collective_records.schedule_recording(letter, date(2026, 3, 20))
    with pytest.raises(RuntimeError):
        collective_records.create_letter(dict(LETTER, letter_number="421/16/2026"), None)
    assert CollectiveLetter.get_by_id(letter.id).recording_date is None
    assert [row.letter_number for row in CollectiveLetter.select()] == ["421/15/2026"]
