""""Sinkronkan sekarang" pressed while a pass runs (the scheduler's, or `run.py sync` in its own process):
one more pass runs right after it, so what the center did meanwhile (printed, shipped) reaches the
counter at once, not at the next scheduled pass hours later. Several presses still mean one more pass."""
import threading
from datetime import timedelta

import pytest

from app.auth.accounts import create_user
from app.frame.dates import utc_now
from app.frame.db import database
from app.registration.status import ApplicationStatus as S
from sync.center import records
from sync.center.db import center_database
from sync.center.models import ReceivedApplication
from sync.client import engine
from sync.client.scheduler import scheduled_sync
from sync.client.models import SyncLink, SyncLog
from sync.client.transport import CenterClient
from tests.conftest import CsrfClient, sign_in_as
from tests.support.waiting import wait_until
from tests.sync.test_client import FlaskSession, kecamatan, run, statuses  # noqa: F401  (kecamatan: a fixture)

PRESSED = "Sinkronisasi sedang berjalan; satu sinkronisasi lagi dijalankan sesudahnya."


class HeldPasses:
    """Holds the first pass just after it pulled the statuses, until `release()`; counts the passes."""

    def __init__(self, monkeypatch, center_app):
        self.pulled, self.go, self.passes = threading.Event(), threading.Event(), 0
        pull = engine.pull_statuses

        def held_pull(*args, **kwargs):
            pull(*args, **kwargs)
            self.passes += 1
            if self.passes == 1:
                self.pulled.set()
                assert self.go.wait(60), "the test never let the first pass end"

        monkeypatch.setattr(engine, "pull_statuses", held_pull)
        monkeypatch.setattr(engine, "client_for", lambda current, **options: CenterClient(
            current.center_url, current.key_id, current.secret, session=FlaskSession(center_app), **options))

    def release(self):
        self.go.set()


@pytest.fixture
def held(monkeypatch, center_app):
    holding = HeldPasses(monkeypatch, center_app)
    yield holding
    holding.release()
    wait_until(lambda: not engine.PROGRESS.running, what="the passes' end")


def in_thread(kec_app, job):
    """`job` in its own thread with the app's database open, as the server's scheduler runs it."""
    thread = threading.Thread(target=lambda: run(kec_app, job), daemon=True)
    thread.start()
    return thread


def center_prints_everything():
    with center_database.atomic():
        for application in ReceivedApplication.select():
            assert records.move(application, "printed")


def clerk_of(kec_app):
    kec_app.test_client_class = CsrfClient
    clerk = kec_app.test_client()

    def sign_in():
        with database.atomic():
            user, _ = create_user("loket", "Petugas Loket", "petugas_loket", password="loket-rahasia-1",
                                  must_change_password=False)
        sign_in_as(clerk, user)
    run(kec_app, sign_in)
    return clerk


def settled(kec_app):
    """No pass runs and none is owed."""
    return not engine.PROGRESS.running and not run(kec_app, engine.pass_owed)


def test_a_press_during_the_schedulers_pass_brings_what_the_center_did_meanwhile(kecamatan, center_app, center_db,
                                                                                held):
    clerk = clerk_of(kecamatan)
    scheduler = in_thread(kecamatan, lambda: scheduled_sync(kecamatan))
    assert held.pulled.wait(30), "the scheduler's pass did not pull"
    assert set(run(kecamatan, statuses).values()) == {S.RECEIVED_BY_CENTER.value}
    center_prints_everything()  # after that pass pulled: it cannot bring these
    bar = engine.PROGRESS.started_at, engine.PROGRESS.percent()

    pressed = clerk.post("/sinkronisasi/mulai", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert PRESSED in pressed and "Sedang sinkron" in pressed
    again = clerk.post("/sinkronisasi/mulai")  # pressed again, without htmx: still one more pass
    assert again.status_code == 303
    assert PRESSED in clerk.get("/sinkronisasi").get_data(as_text=True)

    held.release()
    scheduler.join(30)
    wait_until(lambda: settled(kecamatan), what="the pass after the running one")
    assert held.passes == 2  # the running pass, then one more for both presses
    assert set(run(kecamatan, statuses).values()) == {S.PRINTED.value}
    page = clerk.get("/sinkronisasi/progres", headers={"HX-Request": "true"}).get_data(as_text=True)
    # Issue 83, finding 6: the box tells the passes the bar showed (it said "terkirim 0" after the first pass had
    # sent the three), and the bar went on from where it stood (it dropped 99 -> 0 -> 99 once)
    assert "Sinkronisasi terakhir: terkirim 3, sudah ada 0, konflik 0, ditolak 0, gagal 0, status 6" in page
    assert PRESSED not in page
    assert engine.PROGRESS.started_at == bar[0] and engine.PROGRESS.shown[1] >= bar[1] > 0


def test_a_press_when_no_pass_runs_starts_one_and_owes_nothing(kecamatan, center_app, center_db, monkeypatch):
    monkeypatch.setattr(engine, "client_for", lambda current, **options: CenterClient(
        current.center_url, current.key_id, current.secret, session=FlaskSession(center_app), **options))
    clerk = clerk_of(kecamatan)
    clerk.post("/sinkronisasi/mulai")
    assert "Sinkronisasi dimulai." in clerk.get("/sinkronisasi").get_data(as_text=True)
    wait_until(lambda: settled(kecamatan), what="the pass's end")
    assert set(run(kecamatan, statuses).values()) == {S.RECEIVED_BY_CENTER.value}
    assert run(kecamatan, lambda: SyncLog.select().where(SyncLog.kind == "kirim").count()) == 1


def test_a_pass_owed_by_another_process_runs_when_this_pass_ends(kecamatan, center_app, center_db, held):
    """The press was heard by the server while `run.py sync` (the Task Scheduler's) ran here: the pass
    owed is kept in the database, and the pass that ends next runs it, whichever process that is."""
    passing = in_thread(kecamatan, lambda: engine.sync_once())  # the other process's pass, here a thread
    assert held.pulled.wait(30)
    center_prints_everything()

    def owed_by_the_server():  # what the server's press wrote: a row, not this process's memory
        with database.atomic():
            SyncLink.update(pass_requested_at=utc_now()).execute()
    run(kecamatan, owed_by_the_server)
    held.release()
    passing.join(30)
    assert held.passes == 2 and set(run(kecamatan, statuses).values()) == {S.PRINTED.value}
    assert settled(kecamatan)


def test_the_schedulers_next_tick_runs_a_pass_owed_that_no_pass_answered(kecamatan, center_app, center_db,
                                                                          monkeypatch):
    """The server stopped before its running pass ended (or the pass failed): the press is not lost,
    though the center was probed a minute ago and the next probe is minutes away."""
    monkeypatch.setattr(engine, "client_for", lambda current, **options: CenterClient(
        current.center_url, current.key_id, current.secret, session=FlaskSession(center_app), **options))
    run(kecamatan, lambda: engine.sync_once())
    center_prints_everything()

    def owed_after_a_recent_probe():
        with database.atomic():
            SyncLink.update(pass_requested_at=utc_now(), last_probe_at=utc_now() - timedelta(minutes=1),
                            last_probe_ok=1).execute()
    run(kecamatan, owed_after_a_recent_probe)
    run(kecamatan, lambda: scheduled_sync(kecamatan))
    assert set(run(kecamatan, statuses).values()) == {S.PRINTED.value}
    assert settled(kecamatan)
    run(kecamatan, lambda: scheduled_sync(kecamatan))  # nothing owed now: no pass before the next probe
    assert run(kecamatan, lambda: SyncLog.select().where(SyncLog.kind == "kirim").count()) == 2


def test_a_pass_owed_on_a_pc_that_may_not_send_is_answered_by_its_refusal(kecamatan, center_app, center_db):
    """Another PC took over this one's device code: no pass goes out, and the press owed is not left
    to hold the scheduler on it every minute (it probes as before, and learns when that changes)."""
    from app.frame import installation

    def replaced_and_owed():
        with database.atomic():
            installation.retire(database)
            SyncLink.update(pass_requested_at=utc_now()).execute()
    run(kecamatan, replaced_and_owed)
    report = run(kecamatan, lambda: engine.sync_once(full=True))
    assert "tidak memberi nomor" in report.error and not run(kecamatan, engine.pass_owed)
