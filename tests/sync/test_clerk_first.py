"""A sync pass in the office's server gives way to a clerk's request (issue 73, finding 1): it waits at
its safe points while a request of its app is in flight, goes on when the request ends, never waits
longer than its bound, and the count of requests in flight comes back to nothing after any request."""
import sys
import threading
from datetime import datetime

import pytest
from flask import request

from app.frame.request_cycle import REQUESTS_IN_FLIGHT
from sync.client import clerk_first, engine
from tests.support.factory import sync_link_row
from tests.sync.harness import fill_kecamatan, kecamatan_app
from tests.sync.test_client import client_of

WAIT = 30  # the test's own guard against a hang, never what it asserts


class HeldRequest:
    """A real request of `app` to `path` (its whole request cycle, through the test client in a thread of its
    own) held in flight, between its view and its teardown, until release(). Make every one of a test
    before the app's first request (Flask takes no hook after it)."""

    def __init__(self, app, path="/healthz", client=None, method="get", status=200):
        self.inside, self.release_it, self.status, self.expected = threading.Event(), threading.Event(), None, status

        @app.after_request
        def hold(response):
            if request.path == path and not self.release_it.is_set():
                self.inside.set()
                self.release_it.wait(WAIT)
            return response

        def ask():
            self.status = getattr(client or app.test_client(), method)(path).status_code

        self.thread = threading.Thread(target=ask, daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.inside.wait(WAIT)
        return self

    def release(self):
        self.release_it.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive() and self.status == self.expected

    def __exit__(self, *exc):
        if not self.release_it.is_set():
            self.release()


def in_pass_thread(app, work):
    """`work()` in a thread with the app's context and no request, as the server's pass runs."""
    done = {}

    def run():
        with app.app_context():
            done["value"] = work()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_a_pass_waits_while_a_clerk_request_is_in_flight_at_most_its_bound_and_goes_on_when_it_ends(tmp_path):
    app = kecamatan_app(tmp_path / "kecamatan")
    ended = threading.Event()
    with HeldRequest(app) as held:
        # the bound: with the request still in flight the pass goes on after it (False: it waited it out)
        thread, bounded = in_pass_thread(app, lambda: clerk_first.give_way(most=0.05))
        thread.join(WAIT)
        assert not thread.is_alive() and bounded["value"] is False
        assert app.extensions[REQUESTS_IN_FLIGHT].count == 1

        # a long bound: the pass is still waiting when the request ends, and goes on then (True)
        def wait_then_note():
            went_on = clerk_first.give_way(most=WAIT * 10)
            return went_on, ended.is_set()

        thread, after = in_pass_thread(app, wait_then_note)
        thread.join(0.2)  # not an assertion on time: a pass that waits is still waiting, whatever the delay
        assert thread.is_alive()
        ended.set()
        held.release()
        thread.join(WAIT)
        assert not thread.is_alive() and after["value"] == (True, True)
    assert app.extensions[REQUESTS_IN_FLIGHT].count == 0


def test_the_count_comes_back_to_nothing_after_a_refused_or_failing_request(tmp_path):
    app = kecamatan_app(tmp_path / "kecamatan")
    client = app.test_client()
    assert client.get("/masuk?nama=a\x00b").status_code == 400  # refused before any view
    assert client.get("/tidak-ada").status_code == 404
    assert client.get("/masuk").status_code == 200
    assert app.extensions[REQUESTS_IN_FLIGHT].count == 0
    with app.app_context():  # nothing in flight: the pass does not wait, whatever the bound
        assert clerk_first.give_way(most=WAIT * 10) is True


def test_a_pass_inside_a_request_or_outside_any_app_never_waits(tmp_path):
    app = kecamatan_app(tmp_path / "kecamatan")
    with HeldRequest(app):
        with app.test_request_context("/sinkronisasi"):  # its own request is not a clerk's to wait for
            assert clerk_first.give_way(most=WAIT * 10) is True
        assert clerk_first.give_way(most=WAIT * 10) is True  # `run.py sync` without a serving app


def test_a_pass_does_not_wait_for_the_sync_pages_own_progress_poll_but_waits_for_a_clerks_post(tmp_path):
    """The sync page polls its progress every second while a pass runs: that poll is the pass's own bar, not
    a clerk's work, so the pass does not give way to it (before, a pass waited on every poll of its own
    bar). A clerk's POST beside it (here the same page's "Sinkronkan sekarang") is still waited for."""
    from tests.conftest import CsrfClient, sign_in_as
    from tests.support.factory import staff_user
    app = kecamatan_app(tmp_path / "kecamatan")
    app.test_client_class = CsrfClient
    clerk = app.test_client()
    with app.app_context(), app.extensions["database"].connection_context():
        from app.frame import store
        from app.frame.db import database
        with database.atomic():
            store.put("kecamatan_code", "35.08.07")  # the office set up, not enrolled: "mulai" answers 303
        sign_in_as(clerk, staff_user("petugas_loket", "loket1", "Siti"))
    poll = HeldRequest(app, "/sinkronisasi/progres", client=clerk)
    press = HeldRequest(app, "/sinkronisasi/mulai", client=clerk, method="post", status=303)
    with poll:
        thread, done = in_pass_thread(app, lambda: clerk_first.give_way(most=0.05))
        thread.join(WAIT)
        assert not thread.is_alive() and done["value"] is True  # nothing of a clerk's in flight: no wait
    with press:
        thread, done = in_pass_thread(app, lambda: clerk_first.give_way(most=0.05))
        thread.join(WAIT)
        assert not thread.is_alive() and done["value"] is False  # it waited the clerk's request out, to its bound
    assert app.extensions[REQUESTS_IN_FLIGHT].count == 0


@pytest.fixture
def office(tmp_path, center_app, enrolled):
    """An office with 3 complete applications, enrolled with the center in this process."""
    _, key = enrolled
    app = kecamatan_app(tmp_path / "kecamatan")
    fill_kecamatan(app, 3, photo_size=(60, 80))
    with app.app_context(), app.extensions["database"].connection_context():
        from app.frame.db import database
        with database.atomic():
            sync_link_row(key_id=key[0], secret=key[1], enrolled_at=datetime(2026, 1, 1))
    return app


def test_a_real_pass_gives_way_at_its_packets_answers_and_status_pages_and_still_ends(office, center_app, monkeypatch):
    """The pass's safe points meet the clerk's request held in flight all along: each waits its bound
    (here 50 ms) and the pass still sends, settles and pulls every item."""
    monkeypatch.setattr(clerk_first, "MOST_SECONDS", 0.05)
    met = []
    real = engine.give_way

    def noting(most=None):
        went_on = real(most)
        met.append((sys._getframe(1).f_code.co_name, went_on))
        return went_on

    monkeypatch.setattr(engine, "give_way", noting)
    db = office.extensions["database"]

    def a_pass():
        with db.connection_context():
            report = engine.sync_once(client=client_of(center_app))
            return report.sent, report.statuses, report.error

    with HeldRequest(office):
        thread, done = in_pass_thread(office, a_pass)
        thread.join(WAIT)
        assert not thread.is_alive()
    assert done["value"] == (3, 3, "")
    places = {name for name, _ in met}
    assert {"send_packet", "take_answer", "pull_statuses"} <= places, met
    assert all(went_on is False for _, went_on in met), met  # each met the request in flight and waited it out
