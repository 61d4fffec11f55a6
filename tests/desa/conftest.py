"""Fixtures for the desa: a Yosowilangun office, a desa operator bound to Darungan, a counter clerk."""
import pytest

from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401  (shared fixtures)

from app.auth.models import User
from app.frame.dates import utc_now
from app.desa.models import UserDesa
from tests.conftest import sign_in_as

DARUNGAN = "35.08.07.2001"
KRATON = "35.08.07.2002"


@pytest.fixture
def desa_client(app, office):
    """desa_client(username, [desa codes]) -> a client signed in as a desa operator bound to those desa."""
    def make(username="op-darungan", codes=(DARUNGAN,)):
        user = User.get_or_none(User.username == username) or User.create(
            username=username, full_name=f"Operator {username}", role="operator_desa", password_hash="-",
            must_change_password=False, is_active=True, created_at=utc_now())
        for code in codes:
            UserDesa.insert(user=user, desa_code=code).on_conflict_ignore().execute()
        client = app.test_client()
        sign_in_as(client, user)
        return client
    return make


@pytest.fixture
def darungan(desa_client):
    return desa_client()


def pre_register(client, form, files=None):
    data = dict(form)
    if files:
        data.update(files)
    return client.post("/desa/pra-pendaftaran/baru", data=data, content_type="multipart/form-data")
