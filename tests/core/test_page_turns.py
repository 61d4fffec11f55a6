"""Pages take turns through the interpreter (app/frame/page_turns.py): one at a time, first come
first served, while exports and backups run beside them and no request waits forever."""
import threading

import pytest

from app import create_app
from app.frame.page_turns import Turns, long_running
from tests.support.waiting import wait_until


def make_app(tmp_path, **config):
    return create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "test-secret", "TESTING": True, **config})


def replace_view(app, endpoint, view):
    """Stand `view` in for a real endpoint, so the request goes through the whole real cycle."""
    app.view_functions[endpoint] = view


def in_threads(count, work):
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads


def test_pages_run_one_at_a_time(tmp_path):
    app = make_app(tmp_path, PAGE_TURNS=1, PAGE_TURN_PATIENCE=30)
    running, most, left, lock = [0], [0], [0], threading.Lock()
    started = threading.Barrier(4, timeout=10)

    def everyone_arrived():
        """Each of the four visits is inside a page, has left it, or waits in line for a turn."""
        turns = app.extensions.get("page_turns")
        with lock:
            return running[0] + left[0] + (len(turns._waiting) if turns else 0) == 4

    def page():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        wait_until(everyone_arrived, what="every visit inside, done or in line")  # a second page would be inside by now
        with lock:
            running[0] -= 1
            left[0] += 1
        return "ok"
    replace_view(app, "core.healthz", page)
    answers = []

    def visit(_):
        client = app.test_client()
        started.wait()
        answers.append(client.get("/healthz").status_code)
    for thread in in_threads(4, visit):
        thread.join(30)
    assert answers == [200] * 4
    assert most[0] == 1


def test_two_turns_let_two_pages_run_at_once(tmp_path):
    app = make_app(tmp_path, PAGE_TURNS=2, PAGE_TURN_PATIENCE=30)
    inside, go_on = threading.Semaphore(0), threading.Event()

    def page():
        inside.release()
        go_on.wait(10)
        return "ok"
    replace_view(app, "core.healthz", page)
    threads = in_threads(2, lambda _: app.test_client().get("/healthz"))
    assert inside.acquire(timeout=10) and inside.acquire(timeout=10)  # both inside at once
    go_on.set()
    for thread in threads:
        thread.join(10)


def test_turns_go_to_the_longest_waiting_first():
    turns = Turns(1)
    assert turns.take(patience=1)
    order = []

    def wait_in_line(n):
        got = turns.take(patience=30)
        order.append(n)
        if got:
            turns.give_back()
    threads = []
    for n in range(5):  # queue them up in a known order: each joins the line before the next starts
        threads.append(threading.Thread(target=wait_in_line, args=(n,)))
        threads[-1].start()
        wait_until(lambda: len(turns._waiting) == n + 1, 10, f"visit {n} in line")
    turns.give_back()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]
    assert turns._free == 1 and not turns._waiting  # every turn came back


@pytest.mark.parametrize("held_by", ["a view nobody marked", "a long-running view"])
def test_a_page_is_not_stopped_by_a_view_that_holds_on(tmp_path, held_by):
    """A long-running view (an export) takes no turn; a slow view nobody marked holds its turn, and
    the page waiting behind it goes ahead after the patience (0.2 s): it slows the others, never stops them."""
    marked = held_by == "a long-running view"
    app = make_app(tmp_path, PAGE_TURNS=1, PAGE_TURN_PATIENCE=30 if marked else 0.2)
    holding, let_go = threading.Event(), threading.Event()

    def holds_on():
        holding.set()
        let_go.wait(30)
        return "done"
    replace_view(app, "core.healthz", long_running(holds_on) if marked else holds_on)
    held = in_threads(1, lambda _: app.test_client().get("/healthz"))
    assert holding.wait(10)
    turns = app.extensions["page_turns"]
    assert turns._free == (1 if marked else 0)  # the export took no turn; the other view holds the only one
    answer = app.test_client().get("/masuk")
    assert answer.status_code == 200 and "Masuk" in answer.get_data(as_text=True)
    assert held[0].is_alive()  # the other view was still inside meanwhile
    let_go.set()
    held[0].join(10)
    assert turns._free == 1 and not turns._waiting


@pytest.mark.parametrize("failure", ["error", "refused"])
def test_the_turn_comes_back_after_an_error_or_a_refusal(tmp_path, failure):
    app = make_app(tmp_path, PAGE_TURNS=1, PAGE_TURN_PATIENCE=30, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    if failure == "error":
        def broken():
            raise RuntimeError("view failed")
        replace_view(app, "core.healthz", broken)
        assert client.get("/healthz").status_code == 500
    else:  # the CSRF check refuses the form after the turn was taken
        assert client.post("/masuk", data={"username": "x", "password": "y"}).status_code == 400
    turns = app.extensions["page_turns"]
    assert turns._free == 1 and not turns._waiting


# Views that can take seconds: each would hold every clerk's page up while it runs.
LONG_VIEWS = ["backups.create", "backups.restore", "registration.export", "recap.export", "complaints.export",
              "registration.import_applicants", "sync_page.export_batch", "sync_page.import_status", "sync_page.enrol",
              "sync_page.identity_replace", "updates.apply", "updates.from_folder",
              "desa.issue_pc_code"]  # asks the center for the desa keys' revocations first
DESA_PC_LONG_VIEWS = ["backups.create", "backups.restore", "desa.enrol_pc", "updates.apply", "updates.from_folder"]  # the desa PC's own program


def long_views(app) -> list[str]:
    return sorted(endpoint for endpoint, view in app.view_functions.items() if getattr(view, "long_running", False))


def test_exports_backups_and_calls_to_the_center_run_beside_the_turns(app, tmp_path):
    assert long_views(app) == sorted(LONG_VIEWS)
    desa_pc = create_app({"DATA_DIR": tmp_path / "desa-pc", "SECRET_KEY": "d", "TESTING": True, "MODE": "desa"})
    assert long_views(desa_pc) == sorted(DESA_PC_LONG_VIEWS)
