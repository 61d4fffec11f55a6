"""Center fixtures on SQLite and on PostgreSQL (LOKET_TEST_PG_URL, provided by scripts/test.sh)."""
import os

import pytest

from sync.center.app import create_center_app
from tests.support.center_postgres import fresh_center_database
from tests.support.factory import kecamatan_row

PG_URL = os.environ.get("LOKET_TEST_PG_URL")
NO_PG = "LOKET_TEST_PG_URL is not set; run `bash scripts/test.sh` for the PostgreSQL variant"


@pytest.fixture(params=["sqlite", "postgresql"])
def center_app(request, tmp_path):
    config = {"DATA_DIR": tmp_path / "center", "SECRET_KEY": "center-test", "TESTING": True,
              "CENTER_NAME": "Pusat Cetak Uji"}
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(NO_PG)
        fresh_center_database(PG_URL)
        config["DATABASE_URL"] = PG_URL
    app = create_center_app(config)
    from tests.conftest import CsrfClient
    app.test_client_class = CsrfClient
    yield app
    app.extensions["center_database"].close_all() if hasattr(app.extensions["center_database"], "close_all") else None


@pytest.fixture
def center_db(center_app):
    db = center_app.extensions["center_database"]
    with center_app.app_context(), db.connection_context():
        yield db


@pytest.fixture
def enrolled(center_db):
    """An enrolled kecamatan (35.08.07 Yosowilangun) and its key as (key_id, secret)."""
    from sync.center import keys
    kecamatan = kecamatan_row()
    code = keys.new_enrolment_code(kecamatan)
    _, key = keys.enrol("35.08.07", code, "01")
    return kecamatan, (key.key_id, key.secret)
