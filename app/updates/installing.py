"""Applying a fetched release: verify, install beside, walk it on a copy of the data, select it.

Clerks keep working on the running version the whole time. Each step must succeed before the
next; a refusal at any step leaves the running version, its selection and its data as they were.
The walk is this running program's own (sync/release/candidate_walk.py): a page's 5xx is remembered (never
offered again, by day or by night); a walk that could not happen is said as interrupted and tried
again. The switch itself is a new selection on trial (app/updates/launcher.py): once this server has
stopped, the launcher backs up the data, walks the new version again on a copy of the live data,
and takes it back by itself, with nothing a clerk saved lost, when it does not pass."""
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from app.updates import launcher, records, room, state, walk
from app.updates.starting import OWN_PACKAGES
from app.updates.versions import CheckInterrupted, UpdateRefused, current_version, running_version, version_key
from sync.release import candidate_walk

log = logging.getLogger(__name__)
INSTALL_SECONDS = 900
CHECK_SECONDS = 900
_applying = threading.Lock()


def apply_available(config, user=None) -> str:
    """Install the release this PC fetched and select it; returns the admin's message. Raises
    UpdateRefused (Indonesian) with nothing changed."""
    if not _applying.acquire(blocking=False):
        raise UpdateRefused("Pembaruan sedang dipasang; tunggu sampai selesai.")
    try:
        return _apply(config, user)
    finally:
        _applying.release()


def _apply(config, user) -> str:
    from app.updates.fetching import verified_files  # TUF: loaded when a release is applied
    data_dir = Path(config["DATA_DIR"])
    available = state.read_state(data_dir).get("available")  # never one that failed here
    if not available:
        raise UpdateRefused("Tidak ada pembaruan yang menunggu dipasang.")
    version = available["version"]
    if version_key(version) <= version_key(current_version(data_dir)):
        raise UpdateRefused(f"Versi {version} tidak lebih baru dari versi yang berjalan: tidak dipasang.")
    files = verified_files(data_dir, available["wheels"])  # TUF's hashes, again, just before use
    root = state.versions_dir(data_dir) / version
    _drop_unused_versions(data_dir, root)
    # The disk may have filled since the download: the install keeps its floor too (issue 94)
    no_room = room.install_refusal(data_dir, sum(path.stat().st_size for path in files), version,
                                   config.get("BACKUP_DIR"))
    if no_room:
        raise UpdateRefused(no_room)
    try:
        _install(files, available["wheels"], root, whole_lock=bool(available.get("whole_lock")))
        pages = _check(data_dir, config["DATABASE_PATH"], config["MODE"], root, version)
    except UpdateRefused:
        shutil.rmtree(root, ignore_errors=True)
        raise
    current = state.read_selection(data_dir)
    state.write_selection(data_dir, {
        "version": version, "root": str(root), "state": "uji", "backup": None, "attempts": 0,
        # the database the switch-time backup is made of, and its program: a take-back restores that one
        # (a desa PC's folder may hold a stray loket.sqlite3 that would make it read as a kecamatan's)
        "database": str(config["DATABASE_PATH"]), "mode": config["MODE"], "server_pid": os.getpid(),
        "previous": dict(current, state="baik") if current else None,
        "previous_version": running_version(),
        "offer": available})  # offered again, its button on the page, when the switch is interrupted (launcher)
    state.write_state(data_dir, available=None, installed=version, rolled_back=None, check_refused=None, interrupted=None,
                      rolled_back_version=None, check_refused_version=None,  # their versions with them (issue 94)
                      retry_offered=None, retry_offered_at=None)  # the offer taken: its line goes
    records.note_installed(version, pages, user)
    return (f"Versi {version} terpasang dan diperiksa pada salinan data ({pages} halaman tanpa galat). Aplikasi "
            "berhenti sebentar: data dicadangkan, lalu versi baru diperiksa lagi sebelum menerima isian. Bila gagal, "
            "komputer kembali sendiri ke versi ini tanpa kehilangan data yang sudah tersimpan.")


def _install(files: list[Path], targets: list[str], root: Path, whole_lock: bool = False) -> None:
    """pip installs the verified wheels, from these files only, into DATA/versions/<version>/; every
    file it wrote is checked against the wheels' RECORD and on the disk before the folder takes its name.
    `whole_lock`: the wheels are the release's whole closure for this PC; the folder then says so
    (starting.OWN_PACKAGES) and the version runs with nothing else (starting.python_command, run.py)."""
    staging = root.with_name(root.name + ".sebagian")
    wheels = staging / "wheels"
    shutil.rmtree(staging, ignore_errors=True)
    wheels.mkdir(parents=True)
    named = []
    for path, target in zip(files, targets):
        named.append(wheels / target.rsplit("/", 1)[-1])
        shutil.copyfile(path, named[-1])
    command = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-compile",
               "--disable-pip-version-check", "--find-links", str(wheels), "--target", str(staging / "app"),
               *map(str, named)]
    done = _run(command, INSTALL_SECONDS)
    if done.returncode != 0:
        log.warning("pip install failed: %s", done.stdout[-2000:])
        shutil.rmtree(staging, ignore_errors=True)
        raise UpdateRefused("Pemasangan versi baru gagal (pip). Versi yang berjalan tetap dipakai.")
    damaged = launcher.damaged_files(staging / "app")
    if damaged:
        shutil.rmtree(staging, ignore_errors=True)
        raise UpdateRefused(f"Pemasangan versi baru tidak utuh ({len(damaged)} berkas berbeda dari paketnya, misalnya "
                            f"{damaged[0]}). Versi yang berjalan tetap dipakai; coba lagi.")
    if whole_lock:
        (staging / "app" / OWN_PACKAGES).write_text(
            json.dumps({"wheels": [target.rsplit("/", 1)[-1] for target in targets]}, indent=1), "utf-8")
    sync_tree(staging / "app")
    shutil.rmtree(wheels)
    shutil.rmtree(root, ignore_errors=True)
    os.replace(staging / "app", root)
    from app.frame.private_files import sync_folder
    sync_folder(root.parent)
    shutil.rmtree(staging, ignore_errors=True)


def _drop_unused_versions(data_dir: Path, installing: Path) -> None:
    """The version folders nothing starts any more: neither the selected version nor the one it goes back
    to, nor the one being installed. A version installed with its whole lock is some 200 MB (issue 80):
    each release's folder would otherwise stay on the disk for good."""
    selection = state.read_selection(data_dir) or {}
    kept = {installing.name} | {Path(chosen["root"]).name for chosen in (selection, selection.get("previous") or {})
                                if chosen.get("root")}
    folder = state.versions_dir(data_dir)
    for version in folder.iterdir() if folder.is_dir() else ():
        if version.is_dir() and version.name not in kept:
            shutil.rmtree(version, ignore_errors=True)  # Windows: a file still open stays until the next install


def sync_tree(folder: Path) -> None:
    """Every file and folder under `folder` on the disk (pip leaves them in the cache: after a power cut
    hundreds of .py files came back empty, issue 60 finding 5)."""
    from app.frame.private_files import sync_file, sync_folder
    for where, _, names in os.walk(folder, topdown=False):
        for name in names:
            try:
                sync_file(Path(where) / name)
            except PermissionError:  # a read-only file: POSIX syncs it through a read handle
                descriptor = os.open(Path(where) / name, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
        sync_folder(where)


def _check(data_dir: Path, db_path: Path, mode: str, root: Path, version: str) -> int:
    """This running program starts the new version's `run.py check-server` on a copy of today's
    database (migrated by the new code) and walks every role's pages itself (app/updates/walk.py);
    returns the pages it opened. A page's 5xx is remembered as refused; a check that could not happen
    (the version never became ready, out of time, a full disk) is said as interrupted, the release
    still offered."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop(launcher.CHILD_ENV, None)
    verdict = walk.walk_version(root / "run.py", data_dir, Path(db_path), mode, CHECK_SECONDS, env, version=version)
    if verdict.passed:
        return verdict.pages
    if verdict.interrupted:
        message = (f"Pemeriksaan versi {version} pada salinan data terputus ({verdict.interrupted}). Versi yang "
                   f"berjalan tetap dipakai; versi {version} tetap ditawarkan: tekan tombol pasang lagi, atau biarkan "
                   "terpasang malam nanti.")
        state.write_state(data_dir, interrupted=message, interrupted_at=state.now_text(), interrupted_version=version)
        raise CheckInterrupted(message)
    message = (f"Versi {version} gagal diperiksa pada salinan data (halaman bermasalah: "
               f"{candidate_walk.summary(verdict)[:600]}). Versi yang berjalan tetap dipakai; versi ini tidak "
               "ditawarkan lagi. Laporkan ke admin kabupaten.")
    state.remember_failure(data_dir, version, "check_refused", message)
    raise UpdateRefused(message)


def _run(command: list[str], seconds: int) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop(launcher.CHILD_ENV, None)
    try:
        return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              encoding="utf-8", errors="replace", timeout=seconds, env=env)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return subprocess.CompletedProcess(command, 1, f"{type(problem).__name__}: {problem}", "")


def restart_into_selection() -> None:
    """After the answer to the admin has gone: the launcher starts the selected version. A child of
    the launcher exits with RESTART; a program serving itself becomes the launcher in its place."""
    if launcher.launched():
        os._exit(launcher.RESTART)
    if os.name == "posix":
        os.execv(sys.executable, [sys.executable, *sys.argv])  # same process: the service manager sees no stop
    subprocess.Popen([sys.executable, *sys.argv], creationflags=getattr(subprocess, "DETACHED_PROCESS", 0))
    os._exit(0)


def restart_soon(delay: float = 1.0) -> None:
    """The restart, a moment after the admin's answer has left (waitress writes it from another thread)."""
    timer = threading.Timer(delay, restart_into_selection)
    timer.daemon = True
    timer.start()


NIGHT_HOURS = range(1, 4)  # 01.00-03.59 office time: nobody at the counter


def nightly_apply(app) -> None:
    """Background job: the available release, at night, when the admin asked for it (a version that
    failed here is not available)."""
    from app.frame import store
    from app.frame.dates import to_local, utc_now
    kept = state.read_state(app.config["DATA_DIR"])
    if not (kept.get("apply_at_night") and kept.get("available")):  # never one that failed here (read_state)
        return
    if to_local(utc_now(), store.get("timezone")).hour not in NIGHT_HOURS:
        return
    try:
        log.info(apply_available(app.config))
    except CheckInterrupted:  # said on the page already; tried again the next night
        return
    except UpdateRefused as refusal:  # a page's 5xx is remembered (not tried again); an interrupted check is, next night
        state.write_state(app.config["DATA_DIR"], refused=str(refusal))
        return
    restart_into_selection()
