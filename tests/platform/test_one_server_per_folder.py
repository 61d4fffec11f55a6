"""Two `run.py serve` on one data folder (issue 80, finding 5): one died at start on
versions/sehat.json.baru, or both came up and neither made its daily backup. Now the second is refused
at start with one sentence and touches nothing; the first keeps serving and makes its backup."""
import subprocess
import sys
import textwrap

import pytest
import requests

from app.frame import serve_lock
from tests.support.ports import free_port
from tests.support.waiting import wait_until
from tests.sync.harness import ROOT, Process, kecamatan_app, wait_for


@pytest.mark.slow  # two servers started as processes
def test_a_second_server_on_the_same_folder_is_refused_and_the_first_keeps_its_backup(tmp_path):
    folder = tmp_path / "kantor"
    kecamatan_app(folder)
    first_port, second_port = free_port(), free_port()
    first = Process(["serve", "--data", str(folder), "--port", str(first_port)], tmp_path / "pertama.log").start()
    try:
        wait_for(f"http://127.0.0.1:{first_port}/masuk", timeout=120)
        wait_until(lambda: list((folder / "backups").glob("*.sqlite3")), seconds=120, what="the first's daily backup")
        before = sorted(path.name for path in folder.rglob("*"))
        second = subprocess.run([sys.executable, str(ROOT / "run.py"), "serve", "--data", str(folder), "--port",
                                 str(second_port)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert second.returncode == serve_lock.BUSY, second.stderr[-2000:]
        said = second.stderr.strip().splitlines()
        assert said == [said[-1]] and "Aplikasi sudah berjalan untuk folder data" in said[-1], second.stderr
        assert sorted(path.name for path in folder.rglob("*")) == before  # nothing made, nothing removed
        assert requests.get(f"http://127.0.0.1:{first_port}/masuk", timeout=30).status_code == 200
        assert "daily backup written" in (tmp_path / "pertama.log").read_text(errors="replace")
    finally:
        first.stop()
    # Once the first has stopped, the folder is free: the OS dropped its lock with the process.
    again = Process(["serve", "--data", str(folder), "--port", str(second_port)], tmp_path / "lagi.log").start()
    try:
        wait_for(f"http://127.0.0.1:{second_port}/masuk", timeout=120)
    finally:
        again.stop()


WINDOWS_LIKE = textwrap.dedent("""
    import fcntl, sys, types
    # msvcrt.locking as Windows has it (LK_NBLCK: OSError when another process holds the byte),
    # made of POSIX record locks, which are per process as Windows' are
    def locking(fd, mode, nbytes):
        fcntl.lockf(fd, fcntl.LOCK_UN if mode == 0 else fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes, 0)
    sys.modules["msvcrt"] = types.SimpleNamespace(LK_UNLCK=0, LK_NBLCK=2, locking=locking)
    from app.frame import serve_lock
    try:
        serve_lock.hold(sys.argv[1], windows=True)
    except serve_lock.FolderBusy as busy:
        print(busy)
        sys.exit(serve_lock.BUSY)
    print("dipegang", flush=True)
    sys.stdin.read()
""")


def test_the_windows_lock_refuses_a_second_holder_and_is_free_once_the_first_ends(tmp_path):
    command = [sys.executable, "-c", WINDOWS_LIKE, str(tmp_path)]
    first = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "dipegang"
        second = subprocess.run(command, cwd=ROOT, input="", capture_output=True, text=True, timeout=60)
        assert second.returncode == serve_lock.BUSY and "sudah berjalan" in second.stdout
    finally:
        first.stdin.close()
        first.wait(30)
    third = subprocess.run(command, cwd=ROOT, input="", capture_output=True, text=True, timeout=60)
    assert third.returncode == 0 and "dipegang" in third.stdout



# subprocess first: it reads a module named msvcrt as being on Windows
HANDOVER = "import os, subprocess, time\n" + WINDOWS_LIKE.split("from app.frame import serve_lock")[0] + textwrap.dedent("""
    from pathlib import Path
    from app.frame import serve_lock
    folder, role = sys.argv[1], sys.argv[2]
    trying = Path(folder) / "mencoba"
    if role == "lama":  # the server that applied an update (Windows): it starts the new program, then exits
        serve_lock.hold(folder, windows=True)
        subprocess.Popen([sys.executable, "-c", sys.argv[3], folder, "baru", sys.argv[3]])
        while not trying.exists():
            time.sleep(0.05)
        time.sleep(0.5)  # the new program's first try meets this process's lock
        os._exit(0)
    trying.touch()
    try:
        serve_lock.hold(folder, windows=True)
    except serve_lock.FolderBusy:
        print("ditolak", flush=True)
        sys.exit(serve_lock.BUSY)
    print("dipegang", flush=True)
    if role == "baru":  # and it holds it: another start, not its child, is refused
        other = {key: value for key, value in os.environ.items() if key != serve_lock.LOCK_ENV}
        subprocess.run([sys.executable, "-c", sys.argv[3], folder, "lain", sys.argv[3]], env=other)
""")


def test_the_program_an_update_starts_in_its_place_takes_the_lock_once_the_old_one_is_gone(tmp_path):
    """Windows: after "Pasang" the running server starts the launcher anew and exits (it cannot exec):
    the new one waits for the old one's lock instead of calling the folder taken."""
    done = subprocess.run([sys.executable, "-c", HANDOVER, str(tmp_path), "lama", HANDOVER], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["dipegang", "ditolak"], done.stdout + done.stderr


PROBE = WINDOWS_LIKE.split("from app.frame import serve_lock")[0] + textwrap.dedent("""
    from app.frame import serve_lock
    print(serve_lock.held_elsewhere(sys.argv[1], windows=True), serve_lock.holder_pid(sys.argv[1]))
""")


def test_a_second_start_sees_who_holds_the_folder_and_its_probe_takes_no_lock(tmp_path):
    """A version started by a launcher that holds no lock waits while another server holds the folder
    (issue 94): the probe reads the holder's pid past the byte Windows locks, and lets go what it took."""
    command = [sys.executable, "-c", WINDOWS_LIKE, str(tmp_path)]
    probe = [sys.executable, "-c", PROBE, str(tmp_path)]
    first = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "dipegang"
        seen = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert seen.stdout.split() == ["True", str(first.pid)], seen.stderr
    finally:
        first.stdin.close()
        first.wait(30)
    seen = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert seen.stdout.split()[0] == "False", seen.stderr
    third = subprocess.run(command, cwd=ROOT, input="", capture_output=True, text=True, timeout=60)
    assert third.returncode == 0 and "dipegang" in third.stdout  # the probe left no lock behind
