"""Fixtures for the desa: a Yosowilangun office, a desa operator bound to Darungan, a counter clerk."""
import pytest

from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401  (shared fixtures)

from tests.conftest import sign_in_as
from tests.support.factory import DARUNGAN, KRATON, desa_operator  # noqa: F401  (the desa tests' codes)


@pytest.fixture
def desa_client(app, office):
    """desa_client(username, [desa codes]) -> a client signed in as a desa operator bound to those desa."""
    def make(username="op-darungan", codes=(DARUNGAN,)):
        user = desa_operator(username, f"Operator {username}", codes)
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
