"""The launcher's choices (app/updates/launcher.py), without starting servers: each child's outcome is
given, so nothing here waits on a clock."""
import pytest

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


def failed_trial_on_a_desa_pc(tmp_path, recorded: bool):
    """A desa PC's folder with a stray, empty loket.sqlite3 beside desa.sqlite3 (an older
    reset-password left one; tests/desa/test_desa_mode.py): a version on trial migrated the desa's
    database (a table of its own) and did not come up. `recorded`: the selection names the database
    and the program (as installing.py writes it now); else only the launcher's --mode says."""
    from app import create_app
    from app.backups.engine import backup_database
    from app.frame.db import connect
    folder = tmp_path / "desa-pc"
    desa = create_app({"DATA_DIR": folder, "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})
    backup = backup_database(desa.config["DATABASE_PATH"], folder / "backups" / "sebelum-pembaruan-0.2.0.sqlite3")
    connection = connect(folder / "desa.sqlite3")
    connection.execute("CREATE TABLE rusak_uji (id INTEGER)")  # what the failed version's migration did
    connection.close()
    (folder / "loket.sqlite3").write_bytes(b"")
    selection = {"version": "0.2.0", "root": str(folder / "versions" / "0.2.0"), "state": "uji",
                 "backup": str(backup), "previous": None}
    if recorded:
        selection.update(database=str(folder / "desa.sqlite3"), mode="desa")
    write_selection(folder, selection)
    return folder


def desa_tables(folder) -> set:
    from app.frame.db import connect
    connection = connect(folder / "desa.sqlite3", readonly=True)
    try:
        return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()


@pytest.mark.parametrize("recorded", [True, False], ids=["selection-says", "launcher-mode-says"])
def test_a_desa_pcs_failed_version_is_taken_back_onto_the_desa_database_beside_a_stray_kecamatan_file(
        monkeypatch, tmp_path, recorded):
    from app.updates.state import read_state
    folder = failed_trial_on_a_desa_pc(tmp_path, recorded)
    monkeypatch.setattr(launcher, "_run_child", lambda data_dir, selection, argv, url: (9, False))
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    monkeypatch.delenv("LOKET_MODE", raising=False)
    argv = ["serve", "--data", str(folder), "--port", "8080", "--mode", "desa"]
    assert launcher.serve(folder, argv, "http://127.0.0.1:1", lambda: "served here") == "served here"
    assert "rusak_uji" not in desa_tables(folder)  # the desa's data as it was before the failed version
    assert "pre_registration" in desa_tables(folder)
    assert (folder / "loket.sqlite3").read_bytes() == b""  # the stray file untouched
    message = read_state(folder)["rolled_back"]
    assert "data dipulihkan dari cadangan sebelum pembaruan" in message, message
    assert read_selection(folder) is None
