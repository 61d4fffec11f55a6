"""The center's PostgreSQL pool (sync/center/db.py PostgresPool): a connection is taken from it without a
round trip, and one the server has ended is replaced, not used (issue 45: the center's CPU a request)."""
import select
import time

import psycopg
import pytest

from sync.center import keys
from sync.client.transport import CenterClient
from tests.sync.conftest import PG_URL
from tests.sync.test_client import FlaskSession
from tests.support.factory import kecamatan_row

pytestmark = pytest.mark.parametrize("center_app", ["postgresql"], indirect=True)


def pooled_backends(db) -> list[int]:
    return [conn.info.backend_pid for _, _, conn in db._connections]


def test_a_pooled_connection_is_taken_without_asking_the_server(center_app, monkeypatch):
    db = center_app.extensions["center_database"]
    with db.connection_context():
        backend = db.connection().info.backend_pid
    asked = []
    monkeypatch.setattr(db._adapter, "is_connection_closed", lambda conn: asked.append(conn) or False)
    with db.connection_context():
        assert db.connection().info.backend_pid == backend  # the same connection, reused
    assert asked == []  # peewee's own check sends SELECT 1 for every checkout


def test_a_connection_the_server_ended_is_replaced_and_the_request_answered(center_app):
    center_db = center_app.extensions["center_database"]
    with center_app.app_context(), center_db.connection_context():
        kecamatan = kecamatan_row()
        _, key = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "01")
    key_id, secret = key.key_id, key.secret
    office = CenterClient("http://center", key_id, secret, session=FlaskSession(center_app))
    office.probe()
    ended = pooled_backends(center_db)
    assert ended
    with psycopg.connect(PG_URL, autocommit=True) as admin:  # as a restart or an administrator does
        for pid in ended:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(_readable(conn) for _, _, conn in center_db._connections):
        time.sleep(0.02)  # the server's word of the end has arrived
    assert office.probe()["kecamatan_code"] == "35.08.07"  # answered, not a 500 from a dead connection
    assert not set(pooled_backends(center_db)) & set(ended)


def _readable(conn) -> bool:
    return bool(select.select([conn.fileno()], [], [], 0)[0])
