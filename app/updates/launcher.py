"""Which version of the app this PC runs, and going back when a new one does not come up.

`run.py serve` (what the start-up entry runs, app/autostart.py) of the installed program reads
DATA/versions/terpilih.json. With no version selected it serves itself, as before any update.
With one, it becomes the launcher: it runs that version's `run.py serve` (installed beside it in
DATA/versions/<version>/, app/updates/installing.py) as a child with the same options, and watches:
- a version on trial that stops before it serves (or serves errors) is taken back: the database is
  restored from the backup made before the switch, the previous version is selected again and the
  admin's update page says so;
- a child that exits with RESTART (an update was applied from its page) is started again on the
  newly selected version, on trial.

This module imports nothing heavy: the launcher stays small beside the server it watches."""
import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.updates.state import read_selection, read_state, versions_dir, write_selection, write_state

log = logging.getLogger(__name__)
HEALTH_FILE = "sehat.json"
CHILD_ENV = "LOKET_LAUNCHED_VERSION"  # set in the child: it serves, it does not launch again
RESTART = 75  # a child's exit code: start again on the selected version
PORT_BUSY = 3  # `run.py serve`'s exit code when its port is taken (app/programs/office_commands.py)
PORT_WAITS = 30
HEALTHY_WITHIN_SECONDS = 300  # a slow PC's first start after an update (migrations included)


def note_serving(data_dir: Path, version: str) -> None:
    """Called by `run.py serve` once it listens: the launcher reads it as "this child came up"."""
    from app.frame.private_files import private_dir, write_private
    private_dir(versions_dir(data_dir))
    write_private(versions_dir(data_dir) / HEALTH_FILE, json.dumps({"version": version, "pid": os.getpid()}))


def launched() -> bool:
    return bool(os.environ.get(CHILD_ENV))


# --- the launcher --------------------------------------------------------------------------------

def serve(data_dir: Path, argv: list[str], url: str, serve_here) -> int:
    """`run.py serve`: the selected version as a watched child, or this program itself."""
    if launched():
        return serve_here()
    port_waits = 0
    while True:
        selection = read_selection(data_dir)
        if selection is None:
            return serve_here()
        code, came_up = _run_child(data_dir, selection, argv, url)
        if code == RESTART:
            continue
        if code == PORT_BUSY and not came_up and port_waits < PORT_WAITS:
            # Windows: the version that applied the update is still letting its port go (it cannot
            # hand this process its own, as exec does on Linux). Not a failed start: wait, then again.
            port_waits += 1
            time.sleep(1)
            continue
        if selection.get("state") == "uji" and not came_up:
            mode = _option(argv, "--mode")  # what this launcher serves, for a selection that does not say
            take_back(data_dir, dict({"mode": mode} if mode else {}, **selection),
                      f"berhenti dengan kode {code} sebelum melayani")
            continue
        return code


def _option(argv: list[str], name: str) -> str | None:
    """The value after `name` in the child's arguments (cmd_serve always gives --mode)."""
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def _run_child(data_dir: Path, selection: dict, argv: list[str], url: str) -> tuple[int, bool]:
    health = versions_dir(data_dir) / HEALTH_FILE
    health.unlink(missing_ok=True)
    script = Path(selection["root"]) / "run.py"
    env = dict(os.environ, **{CHILD_ENV: selection["version"]})
    env.pop("PYTHONPATH", None)  # the version's own folder comes first (the script's), then this Python's packages
    child = subprocess.Popen([sys.executable, str(script), *argv], env=env)
    came_up = False
    deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
    try:
        while child.poll() is None and not came_up:
            if _serving(health, child.pid) and _answers(url):
                came_up = True
                if selection.get("state") == "uji":
                    write_selection(data_dir, dict(selection, state="baik"))
                    log.info("version %s came up", selection["version"])
                break
            if time.monotonic() > deadline:
                child.kill()
                break
            time.sleep(0.5)
        return child.wait(), came_up
    except KeyboardInterrupt:
        child.terminate()
        return child.wait(), came_up


def _serving(health: Path, pid: int) -> bool:
    try:
        return json.loads(health.read_text("utf-8")).get("pid") == pid
    except (OSError, ValueError):
        return False


def _answers(url: str) -> bool:
    """The sign-in page answers without a server error (a redirect or a page)."""
    try:
        with urllib.request.urlopen(url + "/masuk", timeout=30) as answer:
            return answer.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


def take_back(data_dir: Path, selection: dict, why: str) -> None:
    """Back to the version before the trial and to its data (the backup made before the switch)."""
    import shutil
    from app.backups.engine import BackupError, restore_database
    from app.frame.config import load_config
    # The program and the database the backup was made of (the selection says; a selection from an older
    # version: the mode this launcher serves), never what the folder looks like: a desa PC's folder with
    # a stray loket.sqlite3 would read as a kecamatan's and the desa's data would stay as the failed
    # version left it.
    config = load_config(dict({"DATA_DIR": Path(data_dir)}, **({"MODE": selection["mode"]} if selection.get("mode") else {})))
    database_path = Path(selection.get("database") or config["DATABASE_PATH"])
    restored = "data dipulihkan dari cadangan sebelum pembaruan"
    try:
        restore_database(Path(selection["backup"]), database_path, config["BACKUP_DIR"], mode=config["MODE"])
    except (BackupError, KeyError, OSError) as problem:
        restored = f"data TIDAK dipulihkan otomatis ({problem}); pulihkan cadangan {selection.get('backup')} dari halaman Cadangan Data"
    write_selection(data_dir, selection.get("previous"))
    shutil.rmtree(selection["root"], ignore_errors=True)
    previous = (selection.get("previous") or {}).get("version") or selection.get("previous_version", "sebelumnya")
    message = (f"Versi {selection['version']} gagal berjalan ({why}). Komputer ini kembali sendiri ke versi "
               f"{previous}; {restored}. Laporkan ke admin kabupaten.")
    log.warning(message)
    failed = sorted(set(read_state(data_dir).get("failed_versions", [])) | {selection["version"]})
    write_state(data_dir, rolled_back=message, failed_versions=failed)
