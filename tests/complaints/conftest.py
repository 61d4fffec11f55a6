"""Fixtures for the Buku Pengaduan: categories come from the migration; helpers to record quickly."""
import pytest

from app.complaints.models import ComplaintCategory
from tests.support.factory import recorded_complaint


@pytest.fixture
def category(db):
    return ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")


@pytest.fixture
def record(db, users, category):
    """record(**fields) -> a complaint stored as the desk would, recorded by petugas_informasi."""
    def make(text="Antrean perekaman sangat lama", user="petugas_informasi", **fields):
        fields.setdefault("category_id", category.id)
        return recorded_complaint(user=users[user] if user else None, text=text, **fields)
    return make
