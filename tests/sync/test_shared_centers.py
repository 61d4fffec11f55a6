"""A module's shared center process (tests/sync/harness.SharedCenters, issue 93): each test gets it with an
empty database and answers only for what the center logged during its own requests."""
import pytest
import requests

from sync.center.trail import ALARM
from tests.sync.harness import SharedCenters


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_each_test_gets_the_running_center_empty_and_its_own_part_of_the_log(tmp_path_factory, kind):
    from sync.center import keys
    from sync.center.models import CenterAudit, DeviceKey, Kecamatan, Operator
    from tests.sync.conftest import NO_PG, PG_URL
    if kind == "postgresql" and not PG_URL:
        pytest.skip(NO_PG)
    centers = SharedCenters(lambda: tmp_path_factory.mktemp("pusat"))
    try:
        first = centers.take(kind)
        with first.app.extensions["center_database"].connection_context():
            keys.enrol("35.08.07", first.enrolment_code, "01")  # an earlier test's PC, with its audit row
        with open(first.data_dir / "server.log", "a", encoding="utf-8") as log:
            log.write(f"{ALARM}: relay_item (sync.center.relay)\n")  # what the server prints of its own write
        with pytest.raises(AssertionError, match=ALARM):
            centers.give_back(first)  # the test whose requests it served fails

        second = centers.take(kind)
        assert second is first and second.running()  # the same process ...
        with second.app.extensions["center_database"].connection_context():  # ... on an empty database
            assert [k.code for k in Kecamatan.select()] == ["35.08.07"] and DeviceKey.select().count() == 0
            assert [o.username for o in Operator.select()] == ["operator"]
            assert not CenterAudit.select().where(CenterAudit.action == "daftar_perangkat").exists()
            _, key = keys.enrol("35.08.07", second.enrolment_code, "01")  # its own code works, ids from 1
            assert key.id == 1
        assert requests.get(second.url + "/cek", timeout=10).status_code == 200
        centers.give_back(second)  # the first test's alarm is not this one's

        second.kill()  # a test that stops the center ...
        centers.give_back(second)
        third = centers.take(kind)  # ... leaves the next test a new one
        assert third is not second and third.running() and third.port != second.port
        centers.give_back(third)
        if kind == "postgresql":  # a test that resets the database under it (tests/sync/conftest.center_app)
            from sync.center.app import create_center_app
            from tests.support.center_postgres import fresh_center_database
            fresh_center_database(PG_URL)
            create_center_app({"DATA_DIR": tmp_path_factory.mktemp("lain"), "DATABASE_URL": PG_URL, "TESTING": True})
            fourth = centers.take(kind)
            assert fourth is not third and fourth.running()
            centers.give_back(fourth)
    finally:
        centers.stop()
