"""Issue 61, finding 2: a sync pass writing beside the office server never shows a clerk "database is locked".

Another process (as `run.py sync` is) holds the write lock the way a pass's packet transaction does;
the clerk opens an application, which writes its audit row. While the lock comes back within the
busy timeout, the request waits its turn and succeeds; held past it, the clerk gets the calm
Indonesian 503 with Retry-After, and nothing was written half.
"""
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.frame.audit_event import AuditEvent
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

# A pass's write transaction in a process of its own: an audit line written, then the lock held until
# the test says "commit" or "rollback" on stdin.
HOLDER = """
import sys
from app.frame.db import connect
connection = connect(sys.argv[1])
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO audit_event (at, username, address, action, entity, entity_id, summary) "
                   "VALUES ('2026-11-27 09:00:00', 'sistem', '', 'sinkron', 'sinkron', '', 'pass')")
print("held", flush=True)
connection.execute(sys.stdin.readline().strip().upper())
print("done", flush=True)
"""


class PassHoldingTheLock:
    """A real second process holding the office database's write lock until released."""

    def __init__(self, database_path: Path):
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, str(database_path)], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "held"

    def end(self, how: str = "commit") -> None:
        if self.process.poll() is None:
            self.process.stdin.write(how + "\n")
            self.process.stdin.flush()
            assert self.process.stdout.readline().strip() == "done"
        self.process.wait(30)


@pytest.fixture
def holder(app):
    held = []

    def hold():
        held.append(PassHoldingTheLock(app.config["DATABASE_PATH"]))
        return held[-1]
    yield hold
    for process in held:
        process.end("rollback")


def views_of(application_id: int) -> int:
    return AuditEvent.select().where((AuditEvent.action == "lihat")
                                     & (AuditEvent.entity_id == str(application_id))).count()


def test_opening_an_application_waits_for_a_pass_and_succeeds(app, loket, saved, holder, monkeypatch):
    loket.get(f"/pendaftaran/{saved}")  # the page the registration led to: its view came with the write (issue 73)
    database = app.extensions["database"]
    asked_for_the_lock = threading.Event()
    begin = database.begin

    def begin_noted(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            asked_for_the_lock.set()
        return begin(*args, **kwargs)
    monkeypatch.setattr(database, "begin", begin_noted)
    pass_ = holder()
    answer = {}
    clerk = threading.Thread(target=lambda: answer.update(response=loket.get(f"/pendaftaran/{saved}")))
    clerk.start()
    wait_until(asked_for_the_lock.is_set, 30, "the clerk's request to ask for the write lock")
    pass_.end("commit")
    clerk.join(60)
    response = answer["response"]
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Budi Santoso" in response.get_data(as_text=True)
    assert views_of(saved) == 2  # the registration's, and this opening's


@pytest.mark.parametrize("htmx", [False, True])
def test_a_lock_held_past_the_busy_timeout_answers_503_in_indonesian(app, loket, saved, holder, monkeypatch, htmx):
    loket.get(f"/pendaftaran/{saved}")  # the page the registration led to: its view came with the write (issue 73)
    database = app.extensions["database"]
    monkeypatch.setattr(database, "_timeout", 0.2)  # the busy wait, shortened: the pass holds on regardless
    database.close_idle()  # the request's connection is made with it
    holder()
    answer = {}
    headers = {"HX-Request": "true"} if htmx else {}
    clerk = threading.Thread(target=lambda: answer.update(response=loket.get(f"/pendaftaran/{saved}", headers=headers)))
    clerk.start()
    clerk.join(60)
    response = answer["response"]
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert "sedang sibuk" in page and "coba lagi" in page
    assert "database is locked" not in page and "Budi Santoso" not in page  # no page without its audit row
    assert views_of(saved) == 1  # the registration's only


def test_a_save_refused_by_a_busy_database_stores_nothing_and_goes_through_after(app, loket, saved, holder,
                                                                                 monkeypatch):
    from app.registration.models import Application
    from tests.support.factory import applicant_form
    database = app.extensions["database"]
    monkeypatch.setattr(database, "_timeout", 0.2)
    database.close_idle()
    form = applicant_form(nik="3508071205900002", full_name="Siti Aminah", sex="P", birth_date="1990-05-12")
    form["nik"] = "3508075205900002"  # a woman's NIK: day + 40
    pass_ = holder()
    answer = {}

    def save():
        answer["response"] = loket.post("/pendaftaran/baru", data=form, content_type="multipart/form-data")
    clerk = threading.Thread(target=save)
    clerk.start()
    clerk.join(60)
    assert answer["response"].status_code == 503
    assert Application.select().count() == 1  # only the one saved before
    pass_.end("commit")
    clerk = threading.Thread(target=save)  # the clerk presses the button again
    clerk.start()
    clerk.join(60)
    assert answer["response"].status_code == 302, answer["response"].get_data(as_text=True)[:1000]
    assert Application.select().where(Application.full_name == "Siti Aminah").count() == 1


def test_a_raw_connection_waits_its_turn_too(app, holder):
    """Backups, the figure cache's watcher and the key check open connections of their own
    (app.frame.db.connect): they wait for a pass's write like the pool's, not fail at once."""
    from app.frame.db import connect
    pass_ = holder()
    asking, outcome = threading.Event(), {}

    def write_beside():
        connection = connect(app.config["DATABASE_PATH"])
        try:
            asking.set()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            outcome["ok"] = True
        except Exception as problem:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = repr(problem)
        finally:
            connection.close()
    other = threading.Thread(target=write_beside)
    other.start()
    asking.wait(30)
    pass_.end("commit")
    other.join(60)
    assert outcome == {"ok": True}
