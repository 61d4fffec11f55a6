"""Each version runs its lock from its first start, whatever installed it (issue 94, finding 3).

An older installer (the first updatable, 6ce2a857, d36a7707) installs into DATA/versions/<v>/ the app
wheel and only the direct requirements the PC's own Python does not satisfy: the version then ran on the
PC's own werkzeug, jinja2, urllib3... of day one. Today's installer installs the release's whole closure
(installing._install, `whole_lock`). So at its first start under a launcher, before anything of the PC's
Python is imported (run.py, `_its_lock_at_first_start`), a version whose folder does not hold its lock
runs `run.py kunci-versi` (this module, on the PC's Python as before): the closure of the release
(release.json kept by the updater, checked against the signed targets) is compared with what that Python
imports; when they differ, the closure's wheels (from the update cache, each checked against the signed
targets; what an older updater did not fetch, from the center over the PC's own signed link, through
TUF) are installed by the one install mechanism (installing._install) into `versions/<v>.kunci`, which
run.py puts in the version's place before it goes on. A version that cannot have its lock says so in one
sentence and exits before it serves: its launcher goes back (no request was taken since its backup)."""
import json
import sys
from pathlib import Path

from app.updates.versions import UpdateRefused

LOCKED = ".kunci"  # versions/<v>.kunci: the version with its lock, put in versions/<v>'s place by run.py
CHECKED = "kunci-diperiksa.json"  # in the version's folder: its Python already runs its lock (no step again)
MATCHES = 10  # `run.py kunci-versi`'s exit: nothing to install (run.py writes CHECKED)
REFUSED = 3


def add_command(commands, add_data_option) -> None:
    command = commands.add_parser("kunci-versi", help="at a version's first start under a launcher: install its "
                                                      "whole lock when an older installer did not")
    add_data_option(command)
    command.set_defaults(handler=cmd_own_lock)


def cmd_own_lock(options) -> int:
    from app.frame.config import load_config
    from app.updates import launcher
    from app.updates.installing import _install
    root = Path(__file__).resolve().parents[2]
    data_dir = Path(load_config({"DATA_DIR": Path(options.data)} if options.data else {})["DATA_DIR"])
    try:
        wheels = missing_lock(data_dir)
        if wheels is None:
            return MATCHES
        print(f"Versi {root.name} memasang paket terkuncinya ({len(wheels)} paket) sebelum melayani...", file=sys.stderr,
              flush=True)
        files = lock_files(data_dir, launcher.read_selection(data_dir) or {}, wheels)
        _install(files, wheels, root.with_name(root.name + LOCKED), whole_lock=True)
    except UpdateRefused as refusal:
        print(refusal, file=sys.stderr, flush=True)
        said(data_dir, str(refusal))
        return REFUSED
    return 0


def said(data_dir: Path, sentence: str) -> None:
    """The refusal kept where the admin's Pembaruan Aplikasi page and the health report read a refused release
    (status.json "check_refused", the version among the failed ones), not only on this process's stderr: a
    launcher that walks the version first (d36a7707's, 0.3.x's, today's) starts this step inside its page
    checker, whose output only the log keeps, and reads the exit as a walk cut short ("terputus"); one that
    walks nothing reads an exit code (issue 94). Every field version's page and report read these keys; no
    launcher writes them. Not offered again until the regency's "Coba lagi"."""
    import os
    from app.updates.launcher import CHILD_ENV
    from app.updates.state import remember_failure
    from app.updates.versions import running_version
    try:  # the version as its launcher selected it (the folder's name), as the updater offers it
        remember_failure(data_dir, os.environ.get(CHILD_ENV) or running_version(), "check_refused", sentence)
    except OSError:  # a full disk: the sentence is on stderr still, and the launcher goes back all the same
        pass


def _refused(why: str) -> UpdateRefused:
    from app.updates.versions import running_version
    return UpdateRefused(f"Versi {running_version()} tidak dijalankan: paket terkuncinya belum terpasang dan {why}. "
                         "Komputer ini kembali ke versi sebelumnya; data tidak berubah. Laporkan ke admin kabupaten.")


def missing_lock(data_dir: Path) -> list[str] | None:
    """The closure's wheel targets (the app's first) when this Python does not import exactly them; None
    when it does, or when no closure is known for this version here (a release before 0.3.0; no release.json
    of this version kept by the updater, which installed the version some other way): it runs as before."""
    from app.updates import fetching
    from app.updates.versions import running_version
    try:
        release = json.loads(fetching.checked_files(data_dir, [fetching.RELEASE_TARGET])[0].read_bytes())
    except (UpdateRefused, OSError, ValueError):
        release = {}
    if not isinstance(release, dict) or release.get("version") != running_version():
        print(f"Versi {running_version()}: rilisnya tidak tersimpan di komputer ini; berjalan dengan paket Python "
              "komputer ini.", file=sys.stderr, flush=True)
        return None
    wheels = fetching.closure_wheels(release)  # UpdateRefused, naming this PC, when the closure lacks it
    if wheels is None:
        return None
    return None if _imports_exactly(wheels[1:]) else wheels


def _imports_exactly(wheels: list[str]) -> bool:
    """Does this Python import each wheel's project at the wheel's version (the first on its path)?"""
    from importlib import metadata

    from packaging.utils import canonicalize_name, parse_wheel_filename
    found: dict = {}
    for distribution in metadata.distributions():  # the first of each name on sys.path: the one import uses
        found.setdefault(canonicalize_name(distribution.metadata["Name"] or ""), (distribution.version,))
    for target in wheels:
        name, version, _, _ = parse_wheel_filename(target.rsplit("/", 1)[-1])
        if (found.get(canonicalize_name(name)) or (None,))[0] != str(version):
            return False
    return True


def lock_files(data_dir: Path, selection: dict, wheels: list[str]) -> list[Path]:
    """The closure's wheels as files checked against the signed targets the updater kept: the cached ones,
    and the others fetched first from the center over this PC's link. The kept metadata is trusted as the
    updater that installed this version trusted it (no refresh: an older updater may have kept no typed
    fingerprint); each file fetched is checked against it as that updater checked the ones it fetched."""
    from app.updates import fetching
    trusted = fetching.kept_targets(data_dir)
    missing = [target for target in wheels if not _checked(data_dir, target)]
    if missing:
        signed = [trusted.targets.get(target) for target in missing]
        if None in signed:
            raise _refused(f"{missing[signed.index(None)]} tidak disebut metadata rilis yang ditandatangani")
        try:
            updater = _kept_updater(data_dir, fetching.CenterSource(_center_client(data_dir, selection)))
            for info in signed:
                updater.download_target(info)
        except Exception as problem:  # no link, the center unreachable, a file that is not the signed one
            raise _refused(f"{len(missing)} paketnya tidak dapat diunduh dari pusat ({type(problem).__name__}: "
                           f"{str(problem)[:200]})") from None
    return fetching.checked_files(data_dir, wheels)


def _checked(data_dir: Path, target: str) -> bool:
    from app.updates import fetching
    try:
        fetching.checked_files(data_dir, [target])
    except UpdateRefused:
        return False
    return True


def _kept_updater(data_dir: Path, source):
    """ngclient on the root the updater kept, asked for target files only."""
    from tuf.ngclient import Updater, UpdaterConfig

    from app.updates import fetching
    where = fetching.paths(data_dir)
    return Updater(str(where.metadata), "loket:metadata/", str(where.cache), "loket:targets/",
                   fetching.BoundedFetcher(source, where.cache / "sebagian"), UpdaterConfig(), bootstrap=None)


def _center_client(data_dir: Path, selection: dict):
    """The PC's own signed link to the center (its newest enrolment), read from its database."""
    from app.frame.db import connect
    from app.updates import launcher
    from sync.client.transport import CenterClient
    connection = connect(launcher._office_config(data_dir, selection)["DATABASE_PATH"], readonly=True)
    try:
        rows = connection.execute('SELECT "center_url", "key_id", "secret" FROM "sync_link" '
                                  'ORDER BY "id" DESC LIMIT 1').fetchall()
    finally:
        connection.close()
    if not rows:
        raise LookupError("komputer ini belum terhubung ke pusat")
    return CenterClient(*rows[0])
