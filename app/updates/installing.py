"""Applying a fetched release: verify, back up, install beside, check on a copy, switch.

Each step must succeed before the next; a refusal at any step leaves the running version, its
selection and its data as they were (the backup made on the way stays in the backup list).
The switch itself is a new selection (app/updates/launcher.py) on trial: the launcher takes it
back by itself when the new version does not come up."""
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from app.updates import launcher, records, state
from app.updates.versions import UpdateRefused, current_version, running_version, version_key

log = logging.getLogger(__name__)
CHECK_COPY = "pembaruan-uji.sqlite3"  # beside the live database: the same database key opens it
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
    from app.backups.engine import BackupError, backup_database
    from app.updates.fetching import verified_files  # TUF: loaded when a release is applied
    data_dir = Path(config["DATA_DIR"])
    available = state.read_state(data_dir).get("available")
    if not available:
        raise UpdateRefused("Tidak ada pembaruan yang menunggu dipasang.")
    version = available["version"]
    if version_key(version) <= version_key(current_version(data_dir)):
        raise UpdateRefused(f"Versi {version} tidak lebih baru dari versi yang berjalan: tidak dipasang.")
    files = verified_files(data_dir, available["wheels"])  # TUF's hashes, again, just before use
    root = state.versions_dir(data_dir) / version
    try:
        backup = backup_database(config["DATABASE_PATH"], Path(config["BACKUP_DIR"]) /
                                 f"sebelum-pembaruan-{version}-{_stamp()}.sqlite3")
    except BackupError as problem:
        raise UpdateRefused(f"Cadangan sebelum pembaruan gagal: {problem} Pembaruan tidak dipasang.") from None
    try:
        _install(files, available["wheels"], root)
        _check(data_dir, config["DATABASE_PATH"], config["MODE"], root, version)
    except UpdateRefused:
        shutil.rmtree(root, ignore_errors=True)
        raise
    current = state.read_selection(data_dir)
    state.write_selection(data_dir, {
        "version": version, "root": str(root), "state": "uji", "backup": str(backup),
        # the database the backup was made of, and its program: a take-back restores that one (a desa
        # PC's folder may hold a stray loket.sqlite3 that would make it read as a kecamatan's)
        "database": str(config["DATABASE_PATH"]), "mode": config["MODE"],
        "previous": dict(current, state="baik") if current else None,
        "previous_version": running_version()})
    state.write_state(data_dir, available=None, rolled_back=None, installed=version)
    records.note_installed(version, backup.name, user)
    return (f"Versi {version} terpasang dan diperiksa pada salinan data; cadangan {backup.name} dibuat. "
            "Aplikasi dimulai ulang pada versi baru; bila tidak berjalan, komputer kembali sendiri ke versi ini.")


def _stamp() -> str:
    from datetime import datetime
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _install(files: list[Path], targets: list[str], root: Path) -> None:
    """pip installs the verified wheels, from these files only, into DATA/versions/<version>/."""
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
    shutil.rmtree(wheels)
    shutil.rmtree(root, ignore_errors=True)
    os.replace(staging / "app", root)
    shutil.rmtree(staging, ignore_errors=True)


def _check(data_dir: Path, db_path: Path, mode: str, root: Path, version: str) -> None:
    """The new version opens a copy of today's database, migrates it and serves its sign-in page."""
    from app.frame.db import connect
    copy = Path(db_path).with_name(CHECK_COPY)
    copy.unlink(missing_ok=True)
    source, target = connect(db_path, readonly=True), connect(copy)
    try:
        with target.backup("main", source, "main") as step:
            step.step(-1)
    finally:
        target.close()
        source.close()
    try:
        done = _run([sys.executable, str(root / "run.py"), "update-check", "--data", str(data_dir),
                     "--database", str(copy), "--mode", mode], CHECK_SECONDS)
    finally:
        for leftover in copy.parent.glob(CHECK_COPY + "*"):
            leftover.unlink(missing_ok=True)
    if done.returncode != 0 or f"versi {version} siap" not in done.stdout:
        log.warning("update check of %s failed: %s", version, done.stdout[-2000:])
        raise UpdateRefused(f"Versi {version} gagal diperiksa pada salinan data (basis data atau halaman tidak "
                            "terbuka). Versi yang berjalan tetap dipakai; laporkan ke admin kabupaten.")


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
    """Background job: the available release, at night, when the admin asked for it and this version
    did not fail here before."""
    from app.frame import store
    from app.frame.dates import to_local, utc_now
    kept = state.read_state(app.config["DATA_DIR"])
    available = kept.get("available")
    if not (kept.get("apply_at_night") and available) or available["version"] in kept.get("failed_versions", []):
        return
    if to_local(utc_now(), store.get("timezone")).hour not in NIGHT_HOURS:
        return
    try:
        log.info(apply_available(app.config))
    except UpdateRefused as refusal:
        state.write_state(app.config["DATA_DIR"], refused=str(refusal))
        return
    restart_into_selection()
