"""The launcher's choices (app/updates/launcher.py), without starting servers: each child's outcome is
given, so nothing here waits on a clock."""
from app.updates import launcher
from app.updates.state import read_selection, write_selection


def run_with_outcomes(monkeypatch, tmp_path, outcomes):
    """launcher.serve with each child's (exit code, came up) taken from `outcomes`; returns what it
    did: the versions started and the versions taken back."""
    started, taken_back = [], []
    remaining = list(outcomes)

    def child(data_dir, selection, argv, url):
        started.append(selection["version"])
        code, came_up = remaining.pop(0)
        if came_up and selection.get("state") == "uji":
            write_selection(data_dir, dict(selection, state="baik"))
        return code, came_up

    def take_back(data_dir, selection, why):
        taken_back.append(selection["version"])
        write_selection(data_dir, selection.get("previous"))

    monkeypatch.setattr(launcher, "_run_child", child)
    monkeypatch.setattr(launcher, "take_back", take_back)
    monkeypatch.setattr(launcher.time, "sleep", lambda seconds: None)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    code = launcher.serve(tmp_path, ["serve"], "http://127.0.0.1:1", lambda: "served here")
    return code, started, taken_back


def trial(tmp_path, version="0.2.0"):
    write_selection(tmp_path, {"version": version, "root": str(tmp_path / "versions" / version), "state": "uji",
                               "backup": str(tmp_path / "cadangan.sqlite3"), "previous": None})


def test_a_port_still_held_by_the_version_that_applied_the_update_is_waited_for_not_taken_back(monkeypatch, tmp_path):
    trial(tmp_path)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [(3, False), (3, False), (0, True)])
    assert (code, started, taken_back) == (0, ["0.2.0"] * 3, [])
    assert read_selection(tmp_path)["state"] == "baik"


def test_a_version_on_trial_that_stops_before_serving_is_taken_back_and_this_program_serves(monkeypatch, tmp_path):
    trial(tmp_path)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [(9, False)])
    assert (code, started, taken_back) == ("served here", ["0.2.0"], ["0.2.0"])
    assert read_selection(tmp_path) is None


def test_a_version_that_came_up_before_is_not_taken_back_when_it_stops(monkeypatch, tmp_path):
    trial(tmp_path)
    write_selection(tmp_path, dict(read_selection(tmp_path), state="baik"))
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [(1, False)])
    assert (code, taken_back) == (1, [])


def test_an_applied_update_restarts_on_the_new_selection(monkeypatch, tmp_path):
    trial(tmp_path, "0.2.0")
    write_selection(tmp_path, dict(read_selection(tmp_path), state="baik"))

    outcomes = iter([(launcher.RESTART, True), (0, True)])

    def next_outcome():
        code, came_up = next(outcomes)
        if code == launcher.RESTART:
            trial(tmp_path, "0.3.0")  # what the child's update page wrote before it exited
        return code, came_up

    started = []

    def child(data_dir, selection, argv, url):
        started.append(selection["version"])
        return next_outcome()

    monkeypatch.setattr(launcher, "_run_child", child)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(tmp_path, ["serve"], "http://127.0.0.1:1", lambda: "served here") == 0
    assert started == ["0.2.0", "0.3.0"]


def test_no_selection_serves_this_program_and_a_child_never_launches_again(monkeypatch, tmp_path):
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(tmp_path, ["serve"], "http://127.0.0.1:1", lambda: "served here") == "served here"
    trial(tmp_path)
    monkeypatch.setenv(launcher.CHILD_ENV, "0.2.0")
    assert launcher.serve(tmp_path, ["serve"], "http://127.0.0.1:1", lambda: "served here") == "served here"
