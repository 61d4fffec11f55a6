"""Fixtures for the KTP-el counter: the office identity (Yosowilangun), clients per role, a saved application."""
import pytest

from app.firstrun import seed_identity
from tests.support.factory import applicant_form, staff_user


@pytest.fixture
def office(db):
    seed_identity("35.08.07")  # Kecamatan Yosowilangun, Lumajang: desa 35.08.07.2001 Darungan, ...
    return db


@pytest.fixture
def client_as(app, office):
    """client_as(role) -> a signed-in client; creates only the accounts a test uses (hashing is slow)."""
    from tests.conftest import sign_in_as
    made = {}

    def make(role):
        if role not in made:  # no password hash: these clients never log in through the form
            made[role] = staff_user(role)
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
    response = loket.post("/pendaftaran/baru", data=applicant_form(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return Application.select().order_by(Application.id.desc()).first().id
