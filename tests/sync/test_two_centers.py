"""Issue 30, stateless center processes: two `run.py center` processes on one PostgreSQL serve the
same kecamatan together. Nonces, sessions, throttles, cursors and locks live in the database, so
a kecamatan whose requests alternate between the two (a load balancer's round robin) syncs as
with one, and a request replayed to the other process is refused."""
import itertools

import pytest
import requests

from sync import protocol
from sync.client import engine
from sync.client.transport import CenterClient
from tests.sync import invariants
from tests.sync.conftest import NO_PG, PG_URL
from tests.sync.harness import CenterServer, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
from tests.support.center_postgres import fresh_center_database
from tests.sync.helpers import signed_headers


class Alternating(CenterClient):
    """A kecamatan behind a round robin: each request and each packet stream to the next center."""

    def __init__(self, urls, *args, **kwargs):
        super().__init__(urls[0], *args, **kwargs)
        self.turns, self.used = itertools.cycle(urls), []

    def _next(self):
        self.base_url = next(self.turns)
        self.used.append(self.base_url)

    def call(self, *args, **kwargs):
        self._next()
        return super().call(*args, **kwargs)

    def open_stream(self):
        self._next()
        return super().open_stream()


def test_two_center_processes_on_one_postgresql_serve_one_kecamatan_together(tmp_path):
    if not PG_URL:
        pytest.skip(NO_PG)
    fresh_center_database(PG_URL)
    center_app, code = prepare_center(tmp_path / "center", PG_URL)
    first = CenterServer(tmp_path / "center", database_url=PG_URL).start()
    second = CenterServer(tmp_path / "center", database_url=PG_URL).start()
    try:
        kec_app = kecamatan_app(tmp_path / "kecamatan")
        numbers = fill_kecamatan(kec_app, 30, photo_size=(60, 80))
        enrol_kecamatan(kec_app, first.url, code)
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            link = engine.current_link()
            client = Alternating([first.url, second.url], link.key_id, link.secret)
            sizes = invariants.small_packets()
            report = engine.sync_once(client=client, full=True, **sizes)
            assert report.error == "" and report.sent == 30, report
            key = (link.key_id, link.secret)
        # The probe and the first status page ride the packets' connection: the relay inbox (a
        # request) and the packets' connection go to one process each.
        assert {first.url, second.url} <= set(client.used)
        invariants.assert_each_at_center_once(center_app, numbers)
        invariants.center_mark_all(center_app, ["printed", "shipped"])
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            report = engine.sync_once(client=client, full=True, **sizes)  # statuses by cursor, from both
            assert report.error == "", report
        invariants.assert_each_status_back_once(kec_app, numbers)

        # A request answered by one process is refused when replayed to the other: the nonce is shared.
        path = protocol.API_PREFIX + "/probe"
        headers = signed_headers(key[0], key[1], "GET", path, b"")
        assert requests.get(first.url + path, headers=headers, timeout=10).status_code == 200
        assert requests.get(second.url + path, headers=headers, timeout=10).status_code == 401
    finally:
        first.stop()
        second.stop()
