"""Fixtures for the Buku Pengaduan: categories come from the migration; helpers to record quickly."""
import pytest

from app.complaints import book
from app.complaints.models import ComplaintCategory


@pytest.fixture
def category(db):
    return ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")


@pytest.fixture
def record(db, users, category):
    """record(**fields) -> a complaint stored as the desk would, recorded by petugas_informasi."""
    def make(text="Antrean perekaman sangat lama", user="petugas_informasi", **fields):
        values = {"channel": "meja_informasi", "category_id": category.id, "complainant_name": "Sri Wahyuni",
                  "complainant_contact": "081234567890", "is_anonymous": False, "is_confidential": False,
                  "registration_number": "", "text": text}
        extra = {k: fields.pop(k) for k in list(fields) if k in ("received_at", "status", "tindak_lanjut",
                                                                 "answered_from_desk_info", "submission_token")}
        values.update(fields)
        complaint, _ = book.record_complaint(values, user=users[user] if user else None, **extra)
        return complaint
    return make
