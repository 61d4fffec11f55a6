"""Which version of the app this PC runs: switching to a new one, and going back when it fails.

`run.py serve` (what the start-up entry runs, app/autostart.py) of the installed program reads
DATA/versions/terpilih.json, the selection. With none it serves itself, as before any update. With
one it becomes the launcher: it runs that version's `run.py serve` (installed beside it in
DATA/versions/<version>/, app/updates/installing.py) as a child with the same options. The
selection's "state" is written durably before each step, so a power cut at any moment leaves one
of these and the launcher's next start goes on from it:

- "uji" without "backup": the admin's update page (or the night) chose the version and its server
  stopped (exit RESTART, or exec into this launcher; on Windows the launcher waits for the old
  server's pid, "server_pid", to be gone). With no server running the launcher backs up the live
  database (the switch-time backup) and writes its name into the selection. A cut: made again.
- "uji" with "backup": the trial. "attempts" is raised, then the child starts. The child
  (app/programs/office_commands.serve_here) binds its port, then walks every role's pages on a
  fresh copy of the migrated live database with its own code (app/updates/walk.py) before it
  answers any request (clerks' requests wait), keeps the result (status.json "health") and, when
  no page answered 5xx, writes "baik" itself before it serves. A child that stops before "baik"
  (WALK_FAILED, a broken start, hung past TRIAL_SECONDS) failed: "gagal". A launcher that starts
  and finds "uji" was cut off by a power cut or a restart, not by the version: it tries again, up
  to MAX_TRIAL_STARTS starts.
- "gagal": going back. The live database is restored from the switch-time backup (no request was
  accepted since it: nothing a clerk was told is saved is lost), the admin's page is told why
  (status.json "rolled_back", the version never offered again), the previous selection is written
  and the version's folder removed. A cut: done again from its start.
- "baik": the version runs; its stop ends the launcher, or RESTART starts the newly selected one.

Before any start the version's files are checked against its wheels' RECORD hashes: a version
broken on disk is never started; the launcher goes back to the previous selection and says so.

This module imports nothing heavy: the launcher stays small beside the server it watches."""
import base64
import csv
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from app.updates.state import read_selection, read_state, remember_failure, versions_dir, write_selection, write_state

log = logging.getLogger(__name__)
HEALTH_FILE = "sehat.json"
CHILD_ENV = "LOKET_LAUNCHED_VERSION"  # set in the child: it serves, it does not launch again
RESTART = 75  # a child's exit code: start again on the selected version
PORT_BUSY = 3  # `run.py serve`'s exit code when its port is taken (app/programs/office_commands.py)
WALK_FAILED = 4  # a child on trial whose walk met a page answering 5xx
TRIAL_TIMED_OUT = 124  # the launcher stopped a child on trial that gave no verdict in time
PORT_WAITS = 30
TRIAL_SECONDS = 900  # a slow PC's first start after an update: migrations and the walk
MAX_TRIAL_STARTS = 5  # starts of one trial a power cut or a restart may interrupt before it counts as failed
OLD_SERVER_SECONDS = 60


def note_serving(data_dir: Path, version: str) -> None:
    """Called by `run.py serve` once it listens and its verdict is kept: "this child came up"."""
    from app.frame.private_files import private_dir, write_private
    private_dir(versions_dir(data_dir))
    write_private(versions_dir(data_dir) / HEALTH_FILE, json.dumps({"version": version, "pid": os.getpid()}))


def launched() -> bool:
    return bool(os.environ.get(CHILD_ENV))


def on_trial(data_dir: Path) -> dict | None:
    """In a launched child: its selection while it is on trial (it walks before it serves)."""
    selection = read_selection(data_dir) if launched() else None
    if selection and selection.get("state") == "uji" and selection["version"] == os.environ[CHILD_ENV]:
        return selection
    return None


def passed_trial(data_dir: Path, selection: dict) -> None:
    """The child's verdict, written before it accepts a request: from now on it keeps what it is told."""
    write_selection(data_dir, dict(selection, state="baik"))


# --- the launcher --------------------------------------------------------------------------------

def serve(data_dir: Path, argv: list[str], serve_here) -> int:
    """`run.py serve`: the selected version as a watched child, or this program itself."""
    if launched():
        return serve_here()
    mode = _option(argv, "--mode")  # the program this launcher serves, for a selection that does not say
    port_waits = 0
    while True:
        selection = read_selection(data_dir)
        if selection is None:
            return serve_here()
        selection = dict({"mode": mode} if mode else {}, **selection)
        state = selection.get("state")
        if state == "gagal":
            take_back(data_dir, selection, selection.get("why") or "gagal berjalan")
            continue
        damaged = damaged_files(Path(selection["root"]))
        if damaged:
            if state == "uji":
                fail(data_dir, selection, f"berkasnya tidak utuh di disk, misalnya {damaged[0]}")
            else:
                broken_on_disk(data_dir, selection, damaged)
            continue
        if state == "uji":
            if not selection.get("backup"):
                switch_backup(data_dir, selection)
                continue
            attempts = int(selection.get("attempts") or 0)
            if attempts >= MAX_TRIAL_STARTS:
                fail(data_dir, selection, f"tidak sampai melayani dalam {attempts} kali mulai")
                continue
            selection = dict(selection, attempts=attempts + 1)
            write_selection(data_dir, selection)
        try:
            code = _run_child(data_dir, selection, argv)
        except KeyboardInterrupt:  # the person at the console stopped it: no verdict on the version
            return 0
        if code == RESTART:
            continue
        after = read_selection(data_dir)
        trial_open = bool(after and after["version"] == selection["version"] and after.get("state") == "uji")
        if code == PORT_BUSY and port_waits < PORT_WAITS and (trial_open or state != "uji"):
            # Windows: the version that applied the update is still letting its port go (it cannot
            # hand this process its own, as exec does on Linux). Not a failed start: wait, then again.
            port_waits += 1
            if trial_open:
                write_selection(data_dir, dict(after, attempts=max(0, int(after.get("attempts") or 1) - 1)))
            time.sleep(1)
            continue
        if trial_open:
            fail(data_dir, dict({"mode": mode} if mode else {}, **after), _why(data_dir, code))
            continue
        return code


def _option(argv: list[str], name: str) -> str | None:
    """The value after `name` in the child's arguments (cmd_serve always gives --mode)."""
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def _why(data_dir: Path, code: int) -> str:
    """The admin's words for a trial that ended without a verdict."""
    if code == WALK_FAILED:
        health = read_state(data_dir).get("health") or {}
        pages = ", ".join(health.get("failed") or [])
        return f"halaman menjawab galat setelah berganti versi: {pages}" if pages else "pemeriksaan halaman gagal"
    if code == TRIAL_TIMED_OUT:
        return f"belum siap setelah {TRIAL_SECONDS // 60} menit"
    return f"berhenti dengan kode {code} sebelum melayani"


def _run_child(data_dir: Path, selection: dict, argv: list[str]) -> int:
    """The version's `run.py serve`, until it stops. On trial: stopped when it gives no verdict in time."""
    script = Path(selection["root"]) / "run.py"
    env = dict(os.environ, **{CHILD_ENV: selection["version"]})
    env.pop("PYTHONPATH", None)  # the version's own folder comes first (the script's), then this Python's packages
    child = subprocess.Popen([sys.executable, str(script), *argv], env=env)
    deadline = time.monotonic() + TRIAL_SECONDS
    try:
        while selection.get("state") == "uji" and child.poll() is None:
            now = read_selection(data_dir)
            if not (now and now["version"] == selection["version"] and now.get("state") == "uji"):
                break  # the verdict is the child's to write: from here it serves, watched no more
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                return TRIAL_TIMED_OUT
            time.sleep(0.5)
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        child.wait()
        raise


def damaged_files(root: Path) -> list[str]:
    """The files of the version in `root` that are not as its wheels' RECORD lists them (a power cut
    before they reached the disk left them empty). A version without a RECORD is damaged too."""
    records = sorted(Path(root).glob("*.dist-info/RECORD"))
    if not records:
        return ["RECORD"]
    damaged = []
    for record in records:
        try:
            rows = list(csv.reader(record.read_text("utf-8").splitlines()))
        except (OSError, UnicodeDecodeError, csv.Error):
            rows = []
        if not rows:
            damaged.append(str(record.relative_to(root)))
        for row in rows:
            if len(row) < 2 or not row[1].startswith("sha256=") or row[0].startswith(("../", "/")):
                continue  # RECORD itself; pip --target lists the scripts outside the folder
            try:
                digest = hashlib.sha256((Path(root) / row[0]).read_bytes()).digest()
            except OSError:
                damaged.append(row[0])
                continue
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != row[1].removeprefix("sha256="):
                damaged.append(row[0])
    return damaged


def _office_config(data_dir: Path, selection: dict) -> dict:
    """The program and the database of the selection (the selection says; an older one: the mode this
    launcher serves), never what the folder looks like: a desa PC's folder with a stray loket.sqlite3
    reads as a kecamatan's."""
    from app.frame.config import load_config
    config = load_config(dict({"DATA_DIR": Path(data_dir)}, **({"MODE": selection["mode"]} if selection.get("mode") else {})))
    return dict(config, DATABASE_PATH=Path(selection.get("database") or config["DATABASE_PATH"]))


def switch_backup(data_dir: Path, selection: dict) -> None:
    """The switch-time backup, made with no server running; its name goes into the selection."""
    from app.backups.engine import BackupError, backup_database
    _wait_gone(selection.get("server_pid"))
    config = _office_config(data_dir, selection)
    target = Path(config["BACKUP_DIR"]) / f"sebelum-pembaruan-{selection['version']}-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    try:
        made = backup_database(config["DATABASE_PATH"], target)
    except (BackupError, OSError) as problem:
        # The new version never ran: nothing to restore. Not its fault either: it may be applied again.
        write_state(data_dir, rolled_back=(f"Cadangan saat berganti ke versi {selection['version']} gagal ({problem}). "
                                           "Komputer ini tetap memakai versi sebelumnya; periksa ruang disk, lalu "
                                           "pasang pembaruan lagi."), rolled_back_at=_now())
        write_selection(data_dir, selection.get("previous"))
        shutil.rmtree(selection["root"], ignore_errors=True)
        return
    write_selection(data_dir, dict(selection, backup=str(made)))


def _wait_gone(pid) -> None:
    """Windows: the server that applied the update started this launcher and is still on its way out."""
    if not isinstance(pid, int) or pid == os.getpid():
        return
    deadline = time.monotonic() + OLD_SERVER_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    if os.name == "nt":
        import ctypes
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _now() -> str:
    from app.updates.state import now_text
    return now_text()


def fail(data_dir: Path, selection: dict, why: str) -> None:
    """The trial's verdict, kept before going back (a cut during going back goes back again)."""
    write_selection(data_dir, dict(selection, state="gagal", why=why))
    take_back(data_dir, dict(selection, state="gagal"), why)


def take_back(data_dir: Path, selection: dict, why: str) -> None:
    """Back to the version before the trial, its data as it was at the switch (the switch-time backup)."""
    restored = ("data dikembalikan ke saat berganti versi; semua yang sudah tersimpan sebelumnya tetap ada "
                "(selama percobaan versi baru aplikasi tidak menerima isian)")
    if selection.get("backup"):
        problem = _restore(data_dir, selection)
        if problem:
            restored = (f"data TIDAK dipulihkan otomatis ({problem}); pulihkan cadangan {selection['backup']} dari "
                        "halaman Cadangan Data")
    else:
        restored = "data tidak berubah (versi baru belum dijalankan)"
    previous = (selection.get("previous") or {}).get("version") or selection.get("previous_version", "sebelumnya")
    message = (f"Versi {selection['version']} gagal berjalan ({why}). Komputer ini kembali sendiri ke versi "
               f"{previous}; {restored}. Versi {selection['version']} tidak ditawarkan lagi; laporkan ke admin kabupaten.")
    log.warning(message)
    remember_failure(data_dir, selection["version"], "rolled_back", message)
    write_selection(data_dir, selection.get("previous"))
    shutil.rmtree(selection["root"], ignore_errors=True)


INSTALLED_PROGRAM = Path(__file__).resolve().parents[2] / "run.py"  # this launcher's own program


def _restore(data_dir: Path, selection: dict) -> str | None:
    """`run.py restore` of the program that runs next (it knows the schema of its own backups; this
    launcher may be older), onto the selection's database. Returns the problem, or None."""
    config = _office_config(data_dir, selection)
    previous = selection.get("previous")
    program = Path(previous["root"]) / "run.py" if previous else INSTALLED_PROGRAM
    env = dict(os.environ, LOKET_MODE=config["MODE"])  # the database the backup was made of, not the folder's look
    env.pop(CHILD_ENV, None)
    env.pop("PYTHONPATH", None)
    try:
        done = subprocess.run([sys.executable, str(program), "restore", "--data", str(data_dir), "--from",
                               str(selection["backup"])], env=env, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=TRIAL_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return f"{type(problem).__name__}: {problem}"
    return None if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())[-300:]


def broken_on_disk(data_dir: Path, selection: dict, damaged: list[str]) -> None:
    """A version that ran well before, whose files are no longer whole: the previous one, with today's
    data (the release is not to blame: it is offered again and may be installed again)."""
    previous = (selection.get("previous") or {}).get("version") or selection.get("previous_version", "sebelumnya")
    message = (f"Berkas versi {selection['version']} di komputer ini tidak utuh ({len(damaged)} berkas, misalnya "
               f"{damaged[0]}). Komputer ini kembali sendiri ke versi {previous}; data tetap seperti terakhir "
               "disimpan. Pasang lagi pembaruan dari kabupaten bila ditawarkan.")
    log.warning(message)
    write_state(data_dir, rolled_back=message, rolled_back_at=_now())
    write_selection(data_dir, selection.get("previous"))
    shutil.rmtree(selection["root"], ignore_errors=True)
