"""What a check leaves behind (issue 69 finding 5): a power cut during the walk left a full copy of the
office's database (`pembaruan-uji.sqlite3`) in the data folder until the next attempt; now the
program's next start removes it. And a candidate whose walking program is gone (a launcher stopped,
a power cut of a test's process group: it runs in a group of its own) stops by itself. Real
processes, each about a second."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.updates import walk
from sync.release import candidate_walk
from tests.sync.harness import ROOT, Process, free_port, kecamatan_app, wait_for
from tests.sync.test_end_to_end import wait_until


def test_the_copy_a_cut_left_is_removed_at_the_programs_next_start(tmp_path):
    folder = tmp_path / "kantor"
    kecamatan_app(folder)
    (folder / walk.CHECK_COPY).write_bytes(b"SQLite format 3\0 salinan seluruh data kantor")
    (folder / (walk.CHECK_COPY + "-wal")).write_bytes(b"")
    (folder / "pembaruan" / "uji-terputus").mkdir(parents=True)
    (folder / "pembaruan" / "uji-terputus" / candidate_walk.READY_FILE).write_text("{}")
    port = free_port()
    office = Process(["serve", "--data", str(folder), "--port", str(port)], tmp_path / "kantor.log").start()
    try:
        wait_for(f"http://127.0.0.1:{port}/masuk", timeout=60)
        assert not list(folder.glob("pembaruan-uji*")) and not list((folder / "pembaruan").glob("uji-*"))
        assert (folder / "loket.sqlite3").exists()
    finally:
        office.stop()


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_candidate_whose_walking_program_is_gone_stops_by_itself(tmp_path):
    folder = tmp_path / "kantor"
    kecamatan_app(folder)
    copy = folder / walk.CHECK_COPY
    walk.copy_database(folder / "loket.sqlite3", copy)
    ready = tmp_path / candidate_walk.READY_FILE
    # The walking program: starts the candidate in its own session, as walk_candidate does, and is gone.
    starter = ("import subprocess, sys\n"
               f"child = subprocess.Popen([sys.executable, {str(ROOT / 'run.py')!r}, 'check-server', '--data', "
               f"{str(folder)!r}, '--database', {str(copy)!r}, '--mode', 'kecamatan', '--ready-file', {str(ready)!r}], "
               "start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
               "import time\n"
               f"while not __import__('os').path.exists({str(ready)!r}): time.sleep(0.1)\n"
               "print(child.pid)\n")
    done = subprocess.run([sys.executable, "-c", starter], capture_output=True, text=True, timeout=120)
    candidate = int(done.stdout.strip())
    assert json.loads(ready.read_text("utf-8"))["port"] > 0  # it served, then lost its walker
    wait_until(lambda: not alive(candidate), timeout=30, what="the orphaned candidate stopping")


def test_on_windows_the_candidate_asks_whether_its_parent_still_runs(monkeypatch):
    """Simulated: Windows keeps the dead parent's pid as the parent's (getppid never changes there)."""
    import os

    from app.programs import office_commands
    from app.updates import launcher
    asked, exits = [], []
    monkeypatch.setattr(candidate_walk, "on_windows", lambda: True)
    monkeypatch.setattr(launcher, "_alive", lambda pid: asked.append(pid) or len(asked) < 2)
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    office_commands._stop_with_parent().join(timeout=30)
    assert asked == [os.getppid(), os.getppid()] and exits == [0]


def test_the_candidate_stops_when_its_walkers_end_of_the_pipe_closes_though_the_walkers_pid_still_answers(monkeypatch):
    """Issue 94, finding 6: the candidate asked every second whether its walker's pid still ran. Simulated:
    Windows, where a dead walker's pid is soon another program's and answers "running" for good (the
    candidate served on). Now the walker's end of the candidate's stdin closing (however it ended) stops it."""
    import os

    from app.programs import office_commands
    from app.updates import launcher
    reading, writing = os.pipe()
    exits = []
    monkeypatch.setenv(candidate_walk.WALKER_PIPE_ENV, "stdin")
    monkeypatch.setattr(office_commands, "LIFELINE", reading, raising=False)
    monkeypatch.setattr(candidate_walk, "on_windows", lambda: True)
    monkeypatch.setattr(launcher, "_alive", lambda pid: True)  # the pid, given to another program
    monkeypatch.setattr(os, "_exit", exits.append)
    watching = office_commands._stop_with_parent()
    assert exits == [] and watching.is_alive()  # the walker lives: the candidate serves
    assert candidate_walk.WALKER_PIPE_ENV not in os.environ  # not passed on to anything it starts
    os.close(writing)  # the walker ends, however: the system closes its end
    watching.join(timeout=30)
    os.close(reading)
    assert exits == [0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, kills a process group")
def test_a_hard_kill_of_the_offices_process_group_takes_the_candidate_along(tmp_path):
    """Issue 94, finding 6: the office (here a program walking a candidate as the launcher does, in a process
    group of its own) is killed with its group; the candidate, in a group of its own, goes too."""
    import os
    import signal
    folder = tmp_path / "kantor"
    kecamatan_app(folder)
    copy, work = folder / walk.CHECK_COPY, tmp_path / "uji"
    walk.copy_database(folder / "loket.sqlite3", copy)
    work.mkdir()
    office = ("import os, sys, time\n"
              f"sys.path.insert(0, {str(ROOT)!r})\n"
              "from pathlib import Path\n"
              "from app.updates import walk\n"
              "from sync.release import candidate_walk\n"
              f"work = Path({str(work)!r})\n"
              f"command = walk.check_command(Path({str(ROOT / 'run.py')!r}), Path({str(folder)!r}), "
              f"Path({str(copy)!r}), 'kecamatan', work)\n"
              "candidate = candidate_walk.start(command, dict(os.environ), work)\n"
              "while not (work / candidate_walk.READY_FILE).exists(): time.sleep(0.1)\n"
              "print(candidate.pid, flush=True)\n"
              "time.sleep(3600)\n")
    walking = subprocess.Popen([sys.executable, "-c", office], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        candidate = int(walking.stdout.readline().strip())
        assert alive(candidate) and os.getpgid(candidate) != walking.pid  # a group of its own
        os.killpg(walking.pid, signal.SIGKILL)
        wait_until(lambda: not alive(candidate), timeout=60, what="the candidate ending with its office")
    finally:
        if walking.poll() is None:
            os.killpg(walking.pid, signal.SIGKILL)
        walking.wait(30)
        walking.stdout.close()
