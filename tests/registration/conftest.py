"""Fixtures for the KTP-el counter: the office identity (Yosowilangun), a valid form, a saved application."""
import io

import pytest
from PIL import Image

from app.firstrun import seed_identity


@pytest.fixture
def office(db):
    seed_identity("35.08.07")  # Kecamatan Yosowilangun, Lumajang: desa 35.08.07.2001 Darungan, ...
    return db


def valid_form(**changes) -> dict:
    """A man born 12 May 1990 whose NIK agrees with his birth date and sex."""
    form = {"nik": "3508071205900001", "kk_number": "3508070101100007", "full_name": "Budi Santoso",
            "birth_place": "Lumajang", "birth_date": "1990-05-12", "sex": "L", "address": "Dusun Krajan No. 5",
            "rt": "2", "rw": "1", "desa": "Darungan", "religion": "Islam", "marital_status": "Kawin",
            "occupation": "Petani/Pekebun", "phone": "0812-3456-7890", "reason": "rusak", "biometric_done": "1",
            "notes": "", "mismatch_reason": ""}
    form.update(changes)
    return form


def jpeg_bytes(size=(600, 800), colour=(30, 70, 190)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def client_as(app, office):
    """client_as(role) -> a signed-in client; creates only the accounts a test uses (hashing is slow)."""
    from app.auth.models import User
    from app.frame.dates import utc_now
    from tests.conftest import sign_in_as
    made = {}

    def make(role):
        if role not in made:  # no password hash: these clients never log in through the form
            made[role] = User.create(username=role.replace("_", "-"), full_name=f"Pegawai {role}", role=role,
                                     password_hash="-", must_change_password=False, is_active=True,
                                     created_at=utc_now())
        client = app.test_client()
        sign_in_as(client, made[role])
        return client
    return make


@pytest.fixture
def loket(client_as):
    return client_as("petugas_loket")


@pytest.fixture
def saved(loket):
    """Save one application through the form; returns its id."""
    from app.registration.models import Application
    response = loket.post("/pendaftaran/baru", data=valid_form(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return Application.select().order_by(Application.id.desc()).first().id
