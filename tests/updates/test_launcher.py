"""The launcher's choices (app/updates/launcher.py), without starting servers: the verdict of its own
walk of the version on trial and each child's exit code are given (tests/updates/test_trusted_walk.py
walks real candidates), so nothing here waits on a clock. Versions are folders with a RECORD, as pip leaves them."""
import base64
import json
import hashlib
from pathlib import Path

import pytest

from app.updates import launcher
from app.updates.state import read_selection, read_state, write_selection
from sync.release.candidate_walk import Verdict


def installed_version(folder, version="0.2.0"):
    """A version's folder as pip --target leaves it: its files and the wheel's RECORD of their hashes."""
    files = {"run.py": b"print('versi')\n", "kecil/__init__.py": b"# paket\n", "kecil/halaman.py": b"PAGES = 3\n" * 50}
    rows = []
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{name},sha256={digest},{len(data)}")
    info = folder / f"loket_kecamatan-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "RECORD").write_text("\n".join(rows + [f"{info.name}/RECORD,,", "../../bin/loket,sha256=x,1"]) + "\n")
    return folder


def trial(tmp_path, version="0.2.0", backup=True, **more):
    root = installed_version(tmp_path / "versions" / version, version)
    write_selection(tmp_path, dict({"version": version, "root": str(root), "state": "uji",
                                    "backup": str(tmp_path / "cadangan.sqlite3") if backup else None,
                                    "attempts": 0, "previous": None}, **more))


PASSED = Verdict(pages=120)
FAILED = Verdict(pages=120, failed=[("/pendaftaran", 500)])
CUT = Verdict(interrupted="versi baru berhenti (kode -9) sebelum siap diperiksa")


def run_with_outcomes(monkeypatch, tmp_path, walks, codes, take_back=True):
    """launcher.serve with the verdicts of its own walks of the version on trial taken from `walks`
    (tests/updates/test_trusted_walk.py walks real candidates) and each child's exit code from `codes`;
    returns what it did: its exit, the versions started and the versions taken back."""
    started, taken_back = [], []
    walks, codes = list(walks), list(codes)

    def child(data_dir, selection, argv):
        started.append(selection["version"])
        code = codes.pop(0)
        if code != 3:  # it listened (a busy port is the one start that never does)
            launcher.note_serving(data_dir, selection["version"])
        return code

    def fake_take_back(data_dir, selection, why):
        taken_back.append((selection["version"], why))
        write_selection(data_dir, selection.get("previous"))

    monkeypatch.setattr(launcher, "_run_child", child)
    monkeypatch.setattr(launcher, "trial_walk", lambda data_dir, selection: walks.pop(0))
    if take_back:
        monkeypatch.setattr(launcher, "take_back", fake_take_back)
    monkeypatch.setattr(launcher.time, "sleep", lambda seconds: None)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    code = launcher.serve(tmp_path, ["serve"], lambda: "served here")
    return code, started, taken_back


def test_a_port_still_held_by_the_version_that_applied_the_update_is_waited_for_not_taken_back(monkeypatch, tmp_path):
    trial(tmp_path)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [PASSED], [3, 3, 0])
    assert (code, started, taken_back) == (0, ["0.2.0"] * 3, [])
    assert read_selection(tmp_path)["state"] == "baik"


def test_a_version_on_trial_whose_walk_fails_is_taken_back_and_this_program_serves(monkeypatch, tmp_path):
    trial(tmp_path)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [FAILED], [])
    assert (code, started) == ("served here", [])  # never started to serve
    assert taken_back == [("0.2.0", "halaman menjawab galat setelah berganti versi: /pendaftaran")]
    assert read_selection(tmp_path) is None


def test_a_version_that_passed_its_walk_is_not_taken_back_when_it_stops(monkeypatch, tmp_path):
    trial(tmp_path)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [PASSED], [1])
    assert (code, taken_back) == (1, [])
    assert read_selection(tmp_path)["state"] == "baik" and "first_start" not in read_selection(tmp_path)


def test_a_version_that_passed_its_walk_and_stops_before_it_listens_is_taken_back(monkeypatch, tmp_path):
    """Its walk on the copy passed; its `run.py serve` on the live data cannot start: not left as the
    version every start of this PC runs (and fails)."""
    trial(tmp_path)
    monkeypatch.setattr(launcher, "_run_child", lambda data_dir, selection, argv: 9)  # never said it listens
    monkeypatch.setattr(launcher, "trial_walk", lambda data_dir, selection: PASSED)
    taken_back = []
    monkeypatch.setattr(launcher, "take_back", lambda data_dir, selection, why: taken_back.append(why)
                        or write_selection(data_dir, None))
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(tmp_path, ["serve"], lambda: "served here") == "served here"
    assert taken_back == ["berhenti dengan kode 9 sebelum melayani"]


def test_a_trial_cut_off_by_a_restart_is_tried_again_not_blamed(monkeypatch, tmp_path):
    """Finding 6 of issue 60: a power cut right after the update's answer made the PC go back and call
    a good release failed. The launcher's own start finding a trial without a verdict walks it again."""
    trial(tmp_path, attempts=2)  # two starts already, each cut off by the power (no verdict)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [CUT, PASSED], [0])
    assert (code, started, taken_back) == (0, ["0.2.0"], [])
    assert read_selection(tmp_path)["state"] == "baik" and read_selection(tmp_path)["attempts"] == 4


def test_a_trial_that_never_reaches_a_verdict_in_its_starts_goes_back_and_stays_offered(monkeypatch, tmp_path):
    """Issue 69 finding 5: interrupted starts are not the release's fault (not remembered as refused)."""
    trial(tmp_path, attempts=launcher.MAX_TRIAL_STARTS - 2)
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [CUT, CUT], [])
    assert (code, started, taken_back) == ("served here", [], [])
    kept = read_state(tmp_path)
    assert "0.2.0" not in kept.get("failed_versions", []) and "sebelum siap diperiksa" in kept["interrupted"]
    assert f"terputus {launcher.MAX_TRIAL_STARTS} kali" in kept["interrupted"] and read_selection(tmp_path) is None


def test_the_switch_time_backup_is_made_before_the_trial_and_recorded(monkeypatch, tmp_path):
    from app import create_app
    folder = tmp_path / "kantor"
    create_app({"DATA_DIR": folder, "SECRET_KEY": "k", "TESTING": True})
    trial(folder, backup=False, database=str(folder / "loket.sqlite3"), mode="kecamatan")
    seen = []

    def walked(data_dir, selection):
        seen.append(dict(read_selection(data_dir)))
        return PASSED

    monkeypatch.setattr(launcher, "trial_walk", walked)
    monkeypatch.setattr(launcher, "_run_child", lambda data_dir, selection, argv: launcher.note_serving(data_dir, "0.2.0") or 0)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(folder, ["serve", "--mode", "kecamatan"], lambda: "served here") == 0
    backup = seen[0]["backup"]
    assert backup and Path(backup).parent == folder / "backups" and Path(backup).is_file()
    assert Path(backup).name.startswith("sebelum-pembaruan-0.2.0-")
    assert seen[0]["attempts"] == 1


def test_an_applied_update_restarts_on_the_new_selection(monkeypatch, tmp_path):
    trial(tmp_path, "0.2.0")
    write_selection(tmp_path, dict(read_selection(tmp_path), state="baik"))
    started = []

    def child(data_dir, selection, argv):
        started.append(selection["version"])
        if len(started) == 1:
            trial(tmp_path, "0.3.0")  # what the child's update page wrote before it exited
            return launcher.RESTART
        launcher.note_serving(data_dir, selection["version"])
        return 0

    monkeypatch.setattr(launcher, "_run_child", child)
    monkeypatch.setattr(launcher, "trial_walk", lambda data_dir, selection: PASSED)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(tmp_path, ["serve"], lambda: "served here") == 0
    assert started == ["0.2.0", "0.3.0"]


def test_no_selection_serves_this_program_and_a_child_never_launches_again(monkeypatch, tmp_path):
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(tmp_path, ["serve"], lambda: "served here") == "served here"
    trial(tmp_path)
    monkeypatch.setenv(launcher.CHILD_ENV, "0.2.0")
    assert launcher.serve(tmp_path, ["serve"], lambda: "served here") == "served here"


def test_a_selected_version_whose_files_came_back_empty_is_not_started_and_the_previous_one_runs(
        monkeypatch, tmp_path):
    """Finding 5: after a cut pip's files came back 0 bytes, the selection said "baik" and `run.py
    serve` exited 0 without a word at every start. Now the files are checked against the wheel's
    RECORD before any start: the version is not started, the previous one runs, the page says so."""
    older = installed_version(tmp_path / "versions" / "0.2.0", "0.2.0")
    newer = installed_version(tmp_path / "versions" / "0.3.0", "0.3.0")
    write_selection(tmp_path, {"version": "0.3.0", "root": str(newer), "state": "baik", "backup": None,
                               "previous": {"version": "0.2.0", "root": str(older), "state": "baik"}})
    for name in ("run.py", "kecil/halaman.py"):
        (newer / name).write_bytes(b"")  # what the disk kept of files pip never synced
    assert launcher.damaged_files(newer) == ["run.py", "kecil/halaman.py"]
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [], [0], take_back=False)
    assert (code, started, taken_back) == (0, ["0.2.0"], [])
    assert read_selection(tmp_path)["version"] == "0.2.0" and not newer.exists()
    message = read_state(tmp_path)["rolled_back"]
    assert "Berkas versi 0.3.0 di komputer ini tidak utuh" in message and "kembali sendiri ke versi 0.2.0" in message
    assert "0.3.0" not in read_state(tmp_path).get("failed_versions", [])  # the release is offered again


def test_a_version_without_its_record_is_damaged(tmp_path):
    root = installed_version(tmp_path / "v")
    assert launcher.damaged_files(root) == []
    next(root.glob("*.dist-info")).joinpath("RECORD").write_bytes(b"")
    assert launcher.damaged_files(root)


def failed_trial_on_a_desa_pc(tmp_path, recorded: bool):
    """A desa PC's folder with a stray, empty loket.sqlite3 beside desa.sqlite3 (an older
    reset-password left one; tests/desa/test_desa_mode.py): a version on trial migrated the desa's
    database (a table of its own) and failed its walk. `recorded`: the selection names the database
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
    selection = {"version": "0.2.0", "root": str(installed_version(folder / "versions" / "0.2.0")), "state": "uji",
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


@pytest.mark.slow  # `run.py restore` in its own process
@pytest.mark.parametrize("recorded", [True, False], ids=["selection-says", "launcher-mode-says"])
def test_a_desa_pcs_failed_version_is_taken_back_onto_the_desa_database_beside_a_stray_kecamatan_file(
        monkeypatch, tmp_path, recorded):
    folder = failed_trial_on_a_desa_pc(tmp_path, recorded)
    monkeypatch.setattr(launcher, "trial_walk", lambda data_dir, selection: FAILED)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    monkeypatch.delenv("LOKET_MODE", raising=False)
    argv = ["serve", "--data", str(folder), "--port", "8080", "--mode", "desa"]
    assert launcher.serve(folder, argv, lambda: "served here") == "served here"
    assert "rusak_uji" not in desa_tables(folder)  # the desa's data as it was at the switch
    assert "pre_registration" in desa_tables(folder)
    assert (folder / "loket.sqlite3").read_bytes() == b""  # the stray file untouched
    message = read_state(folder)["rolled_back"]
    assert "data dikembalikan ke saat berganti versi" in message, message
    assert read_selection(folder) is None
    assert "0.2.0" in read_state(folder)["failed_versions"]


def test_a_cut_while_going_back_goes_back_again_at_the_next_start(monkeypatch, tmp_path):
    trial(tmp_path)
    write_selection(tmp_path, dict(read_selection(tmp_path), state="gagal", why="halaman menjawab galat"))
    code, started, taken_back = run_with_outcomes(monkeypatch, tmp_path, [], [])
    assert (code, started, taken_back) == ("served here", [], [("0.2.0", "halaman menjawab galat")])


def test_the_switch_time_backup_waits_for_the_old_server_to_be_gone(tmp_path):
    """Windows: the server that applied the update starts a new launcher, then exits; the backup is
    made only once it is gone (a clerk's save in its last moment is in the backup)."""
    import subprocess
    import sys
    import threading
    old = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    threading.Thread(target=old.wait, daemon=True).start()  # reaped as soon as it ends (no zombie)
    assert launcher._alive(old.pid)
    gone = threading.Event()
    waiting = threading.Thread(target=lambda: (launcher._wait_gone(old.pid), gone.set()), daemon=True)
    waiting.start()
    assert not gone.wait(0.3)  # still waiting while the old server runs
    old.stdin.close()  # the old server exits
    waiting.join(timeout=30)
    assert gone.is_set() and not launcher._alive(old.pid)


def test_a_stop_and_start_after_the_version_served_never_takes_it_back(monkeypatch, tmp_path):
    """Issue 94, finding 1: the first-start mark outlived the first start (the launcher cleared it only when
    its child stopped; a PC switched off kills both), so a later start whose child did not listen, or a second
    start that found the folder busy, was read as a failed release and the switch-time backup restored over
    every save since. The mark ends when the version listens."""
    trial(tmp_path, state="baik", first_start=True)
    launcher.note_serving(tmp_path, "0.2.0")  # it listened and took saves; then the power went
    assert "first_start" not in read_selection(tmp_path)
    monkeypatch.setattr(launcher, "_run_child", lambda data_dir, selection, argv: 9)  # this start never listens
    taken_back = []
    monkeypatch.setattr(launcher, "take_back", lambda data_dir, selection, why: taken_back.append(why))
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(tmp_path, ["serve"], lambda: "served here") == 9
    assert taken_back == [] and read_selection(tmp_path)["state"] == "baik"


def first_start_of_another_server(tmp_path):
    """An older launcher's view: "baik" with the first-start mark, sehat.json deleted by that launcher."""
    trial(tmp_path, state="baik", first_start=True)
    assert not (tmp_path / "versions" / launcher.HEALTH_FILE).exists()


def test_a_second_start_during_the_first_ones_start_waits_for_it_and_puts_back_its_sign(tmp_path):
    """Started by a launcher that holds no lock (0.2.0, d36a7707), while the server holding the folder is
    still migrating: that launcher reads an exit before sehat.json as a failed release. The second waits
    until the holder listens (it clears the mark), then writes the sign naming the holder."""
    first_start_of_another_server(tmp_path)
    looks = []

    def held():
        looks.append(1)
        if len(looks) == 3:
            launcher.end_first_start(tmp_path, "0.2.0")  # the holder listens
        return True

    launcher.answer_second_start(tmp_path, "0.2.0", 4242, held, every=0)
    sign = json.loads((tmp_path / "versions" / launcher.HEALTH_FILE).read_text("utf-8"))
    assert sign == {"version": "0.2.0", "pid": 4242} and len(looks) == 3


def test_a_second_start_that_cannot_read_the_holders_pid_names_no_pid_rather_than_its_own(tmp_path):
    """The first updatable launcher trusts sehat.json's pid: the second start's own pid there would be a lie."""
    first_start_of_another_server(tmp_path)
    launcher.end_first_start(tmp_path, "0.2.0")
    launcher.answer_second_start(tmp_path, "0.2.0", None, lambda: True, every=0)
    assert json.loads((tmp_path / "versions" / launcher.HEALTH_FILE).read_text("utf-8")) == {"version": "0.2.0",
                                                                                           "pid": None}


def test_a_second_start_adds_nothing_when_the_first_stops_before_it_listens(tmp_path):
    """The holder's own launcher judges a first start that never listened; the second claims nothing."""
    first_start_of_another_server(tmp_path)
    looks = iter([True, True, False])
    launcher.answer_second_start(tmp_path, "0.2.0", 4242, lambda: next(looks), every=0)
    assert not (tmp_path / "versions" / launcher.HEALTH_FILE).exists()
    assert read_selection(tmp_path)["first_start"] is True


def test_a_second_start_of_a_version_no_longer_selected_claims_nothing(tmp_path):
    first_start_of_another_server(tmp_path)
    launcher.answer_second_start(tmp_path, "0.3.9", 4242, lambda: True, every=0)
    assert not (tmp_path / "versions" / launcher.HEALTH_FILE).exists()
