"""The regency admin's two commands from the project's release wheel to a signed bundle (issue 69
finding 2: the keys never meet candidate code, and the verdict is this program's, not the candidate's).

`run.py release build WHEEL` checks, with no key folder named or reachable. The admin downloads
loket_kecamatan-<version>-py3-none-any.whl from the project's release page and runs it with the key
stick unplugged. In order, stopping at the first refusal (an Indonesian sentence, nothing written):
1. the wheel itself says the version (its METADATA, PEP 440), the notes (its app/frame/data/catatan-
   rilis.md, the section of that version) and what it needs (Requires-Dist); a key file reachable
   through the command's own paths, the laptop's drives or the user's home refuses the build, and so
   does a machine where no candidate can be sandboxed (Windows, no bubblewrap: refuse_without_sandbox);
2. the dependency wheels for every supported Python (loket_python.SUPPORTED) on Windows and Linux are
   gathered with pip: exactly the files of the wheel's own lock (the versions CI tested, each checked
   against the lock's sha256; gather), and every file's SHA-256 is kept here before any candidate code runs;
3. the app wheel and the gathered wheels alone are installed into a fresh venv of the Python running
   the command, outside any source tree; from here on every process of the candidate, pip's install
   included, runs in its sandbox (sync/release/candidate_sandbox.py, issue 79): it writes only its work folder, sees
   no home, drive, process or program of the laptop, and nothing of it outlives its step;
4. in it, in a scrubbed environment (candidate_env: its own home and temp inside the work folder, no
   LOKET_* or PYTHONPATH, no keyring), the candidate makes demo data (`run.py demo`) and restores each
   given backup; this program then starts the candidate's server on each and walks it over HTTP
   itself (sync/release/candidate_walk.py), judging every status: nothing the candidate prints decides;
5. the exact files checked, re-hashed against the SHA-256 taken in step 2, go to the checked folder
   with a manifest (pemeriksaan.json) of their hashes and the verdict, signed with this machine's
   checker key (sync/release/key_checker.py, as in-toto's link metadata).

`run.py release sign` of the checked folder runs none of this module: sync/release/key_sign_checked.py."""
import email.parser
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from loket_python import SUPPORTED
from sync.release import candidate_sandbox, dependency_lock, key_checker
from sync.release.dependency_lock import OFFICE_LOCK, LockError
from sync.release.key_signing import ReleaseError
from sync.release.release_wheel import (CHECKED_MANIFEST, CHECKED_WHEELS, PASSED, PLATFORMS, AppWheel,
                                        read_app_wheel, sha256, target_environment)

PIP_SECONDS = 900  # pip retries a lost connection 3 times, and says so: how an offline laptop is told apart
STEP_SECONDS = 900
GATHER_JOBS = 4
OFFLINE = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution", "ProxyError",
           "ConnectTimeout", "ReadTimeout", "SSLError", "Network is unreachable")
NO_DISTRIBUTION = re.compile(r"No matching distribution found for ([^\s;]+)")


def applicable(requires: list[str], environment: dict, extras: set[str] = frozenset()) -> list[Requirement]:
    """The requirements of `requires` (Requires-Dist lines) a PC of `environment` installs, for a package
    asked for with `extras`; markers are evaluated here, for that PC, never for the one running pip."""
    found = []
    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            raise ReleaseError(f"Wheel menyebut kebutuhan yang tidak terbaca: {text!r}.") from None
        marker = requirement.marker
        if marker is None or any(marker.evaluate(dict(environment, extra=extra)) for extra in {"", *extras}):
            requirement.marker = None
            found.append(requirement)
    return found


def locked_targets(app: AppWheel, targets: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """For each (Python, platform) the lines of the wheel's own lock such a PC installs (its markers
    evaluated for that PC), by name. ReleaseError before anything is downloaded when the wheel carries
    no lock, or its Requires-Dist asks for a version its lock does not hold: a lock that is not the
    one its pyproject was tested with (stale) gathers what nobody ran."""
    if not app.lock:
        raise ReleaseError(f"Wheel {app.path.name} tidak membawa daftar versi teruji ({OFFICE_LOCK}): wheel ini "
                           "tidak dibuat dari sumber proyek yang diuji. Tanyakan ke proyek; tidak ada yang "
                           "ditandatangani.")
    try:
        pins = dependency_lock.parse(app.lock)
        chosen = {target: dependency_lock.for_target(pins, target_environment(*target)) for target in targets}
    except LockError as problem:
        raise ReleaseError(f"Daftar versi di wheel {app.path.name} ({OFFICE_LOCK}) tidak dapat dipakai: {problem} "
                           "Tanyakan ke proyek; tidak ada yang ditandatangani.") from None
    stale: dict[str, list[str]] = {}
    for (python, platform), lines in chosen.items():
        environment = target_environment(python, platform)
        for problem in dependency_lock.unmet(lines, applicable(app.requires, environment), environment,
                                             lambda pin: None):
            stale.setdefault(problem, []).append(f"Python {python} di {PLATFORMS[platform]['label']}")
    if stale:
        raise ReleaseError(f"Wheel {app.path.name} tidak cocok dengan daftar versi teruji di dalamnya "
                           f"({OFFICE_LOCK}):\n" + _listed(stale, len(targets))
                           + "\nDaftar itu bukan yang diuji bersama wheel ini: rilis ini tidak dikumpulkan. Tanyakan "
                           "ke proyek; tidak ada yang ditandatangani.")
    return chosen


def _listed(problems: dict[str, list[str]], every: int) -> str:
    """One line a problem, with the targets it is found on ("semua kombinasi" when on all)."""
    return "\n".join(f"- {problem} ({'semua kombinasi' if len(where) == every else ', '.join(where)})"
                     for problem, where in problems.items())


def wheel_requires(wheel: Path) -> list[str]:
    """A wheel's own Requires-Dist (its METADATA)."""
    with zipfile.ZipFile(wheel) as opened:
        name = next(n for n in opened.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        return list(email.parser.Parser().parsestr(opened.read(name).decode("utf-8")).get_all("Requires-Dist") or [])


def _pip_download(pins: list, python: str, platform: str, folder: Path) -> tuple[list[str], str]:
    """Download exactly the files of these lock lines (no dependencies, no other version) for one target
    into `folder`, pip checking each against the lock's sha256: (the `name==version` PyPI has no wheel of
    for it, '' or pip's last lines when it failed for another reason)."""
    missing, left = [], list(pins)
    listing = folder.with_name(folder.name + ".txt")
    folder.mkdir(parents=True, exist_ok=True)
    while left:
        listing.write_text("".join(pin.line() + "\n" for pin in left), "utf-8")
        command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--progress-bar", "off",
                   "--retries", "3", "--only-binary=:all:", "--no-deps", "--require-hashes", "--python-version", python,
                   "--implementation", "cp", "--abi", "cp" + python.replace(".", ""), "-d", str(folder)]
        for tag in PLATFORMS[platform]["tags"]:
            command += ["--platform", tag]
        done = _run(command + ["-r", str(listing)], PIP_SECONDS)
        if done.returncode == 0:
            return missing, ""
        named = NO_DISTRIBUTION.search(done.stdout)
        gone = next((pin for pin in left if named and pin.name == _name_of(named.group(1))), None)
        if gone is None or any(sign in done.stdout for sign in OFFLINE):
            return missing, _tail(done.stdout)
        missing.append(f"{gone.name}=={gone.version}")
        left.remove(gone)
    return missing, ""


def _name_of(text: str) -> str:
    return canonicalize_name(re.split(r"[=<>!~;\s\[]", text, maxsplit=1)[0])


def gather(app: AppWheel, pythons: list[str], platforms: list[str], folder: Path,
           say=print) -> tuple[list[Path], dict[str, list[str]]]:
    """Exactly the files of the app wheel's own lock for each Python and platform, in `folder`, each
    file once, and which of them each target installs ({"3.11-win_amd64": [file names]}, release.json's
    `closure`). Nothing is resolved: the lock's markers choose its lines for a target, pip downloads
    those versions' wheels and checks them against the lock's sha256, and the wheels' own Requires-Dist
    must find every package in the lock. ReleaseError naming, in Indonesian, a stale lock
    (locked_targets), every requirement PyPI has no wheel of for a target, a file whose hash differs,
    a package the lock lacks, or the lost connection."""
    targets = [(python, platform) for platform in platforms for python in pythons]
    say(f"  {len(targets)} kombinasi: Python {', '.join(pythons)} di "
        + " dan ".join(PLATFORMS[p]["label"] for p in platforms))
    chosen = locked_targets(app, targets)
    staging = folder.with_name(folder.name + "-per-target")
    shutil.rmtree(staging, ignore_errors=True)  # a folder of an earlier try holds files of its own lock
    with ThreadPoolExecutor(GATHER_JOBS) as pool:
        answers = list(pool.map(lambda target: _pip_download(list(chosen[target].values()), *target,
                                                             staging / f"{target[1]}-{target[0]}"), targets))
    problems = []
    for (python, platform), (missing, failure) in zip(targets, answers):
        where = f"Python {python} di {PLATFORMS[platform]['label']}"
        if failure:
            if any(sign in failure for sign in OFFLINE):
                raise ReleaseError("Tidak tersambung ke PyPI (pypi.org) untuk mengunduh wheel pendukung: sambungkan "
                                   "laptop ini ke internet lalu ulangi perintahnya. Tidak ada yang ditandatangani.")
            if "DO NOT MATCH THE HASHES" in failure:
                problems.append(f"- {where}: berkas yang diunduh tidak sama dengan sidik sha256 di daftar versi "
                                f"teruji (berkas berubah di PyPI atau di jalan):\n{failure}")
            else:
                problems.append(f"- {where}: pip gagal: {failure}")
        problems += [f"- {where}: tidak ada wheel {requirement} di PyPI" for requirement in missing]
    if problems:
        raise ReleaseError("Wheel pendukung tidak lengkap, rilis ini tidak dapat dipasang di semua komputer:\n"
                           + "\n".join(problems) + "\nTanyakan ke proyek; tidak ada yang ditandatangani.")
    closure, lacking = {}, {}
    for python, platform in targets:
        wheels = {parse_wheel_filename(w.name)[0]: w for w in (staging / f"{platform}-{python}").glob("*.whl")}
        environment = target_environment(python, platform)
        for problem in dependency_lock.unmet(chosen[(python, platform)], applicable(app.requires, environment),
                                             environment, lambda pin, found=wheels: wheel_requires(found[pin.name])):
            lacking.setdefault(problem, []).append(f"Python {python} di {PLATFORMS[platform]['label']}")
        closure[f"{python}-{platform}"] = sorted(w.name for w in wheels.values())
    if lacking:
        raise ReleaseError(f"Daftar versi di wheel {app.path.name} tidak lengkap:\n" + _listed(lacking, len(targets))
                           + "\nTanyakan ke proyek; tidak ada yang ditandatangani.")
    folder.mkdir(parents=True, exist_ok=True)
    kept: dict[str, str] = {}
    for wheel in sorted(staging.glob("*/*.whl")):
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if wheel.name in kept:
            if kept[wheel.name] != digest:  # one file name is one file on PyPI: anything else is not signed
                raise ReleaseError(f"Dua unduhan {wheel.name} berbeda isinya: ulangi perintahnya.")
            continue
        kept[wheel.name] = digest
        shutil.copyfile(wheel, folder / wheel.name)
    shutil.rmtree(staging, ignore_errors=True)
    return sorted(folder.glob("*.whl")), closure


def this_target() -> tuple[str, str]:
    """(Python, platform) of the Python running the command, as gather names them; ReleaseError
    when the releases' checks cannot run on it."""
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    machine = sysconfig.get_platform()
    platform = {"win-amd64": "win_amd64", "linux-x86_64": "manylinux_x86_64"}.get(machine)
    if platform is None or python not in SUPPORTED:
        raise ReleaseError(f"Pemeriksaan rilis berjalan di Python {SUPPORTED[0]} sampai {SUPPORTED[-1]} pada "
                           f"Windows 64-bit atau Linux x86_64, bukan Python {python} pada {machine}: jalankan "
                           "perintah ini dengan Python Loket Kecamatan di laptop Windows atau Linux.")
    return python, platform


def install_fresh(app: AppWheel, wheelhouse: Path, work: Path) -> Path:
    """A new venv of this Python with the app wheel and the gathered wheels only; its python. pip runs
    in the sandbox and the scrubbed environment too: a wheel's .pth file runs in every later start of
    that venv."""
    venv = work / "venv"
    done = _run([sys.executable, "-m", "venv", str(venv)], STEP_SECONDS)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if done.returncode != 0 or not python.exists():
        raise ReleaseError("Lingkungan Python baru untuk pemeriksaan tidak dapat dibuat (python -m venv): "
                           f"{_tail(done.stdout)}")
    install = [str(python), "-m", "pip", "install", "--isolated", "--no-index", "--disable-pip-version-check",
               "--no-cache-dir", "--no-compile", "--find-links", str(wheelhouse), str(app.path)]
    done = _run(candidate_sandbox.command(install, work, readonly=[wheelhouse, app.path]), STEP_SECONDS, cwd=work,
                env=candidate_env(work))
    if done.returncode != 0:
        raise ReleaseError("Wheel rilis tidak dapat dipasang dari wheel yang terkumpul (pip): "
                           f"{_tail(done.stdout)}\nTidak ada yang ditandatangani.")
    return python


# The only variables of the admin's session a candidate is given: what starting a program needs on
# Windows and Linux. Anything else (a variable naming the key stick, a token) stays behind.
PASSED_VARIABLES = ("PATH", "PATHEXT", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "OS",
                    "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
CANDIDATE_HOME = "rumah"


def candidate_env(work: Path, mode: str | None = None) -> dict:
    """The environment every process of the candidate runs in: its own home, profile, app data and
    temp folders inside the work folder (Windows' and Linux's names alike), none of the office's
    settings (LOKET_*), no PYTHONPATH, and a keyring that refuses: the demo's and restored copies'
    keys go to files in their data folders, never into the admin's Credential Locker or keyring."""
    home = Path(work) / CANDIDATE_HOME
    places = {"HOME": home, "USERPROFILE": home, "APPDATA": home / "AppData" / "Roaming",
              "LOCALAPPDATA": home / "AppData" / "Local", "TMP": home / "tmp", "TEMP": home / "tmp",
              "TMPDIR": home / "tmp", "XDG_CONFIG_HOME": home / ".config", "XDG_DATA_HOME": home / ".local" / "share",
              "XDG_CACHE_HOME": home / ".cache", "XDG_RUNTIME_DIR": home / "run"}
    for place in places.values():
        _made_without_links(Path(work), place)
    env = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    env.update({name: str(place) for name, place in places.items()})
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", PYTHONIOENCODING="utf-8",
               PYTHONNOUSERSITE="1", PIP_CONFIG_FILE=os.devnull)
    if mode:
        env["LOKET_MODE"] = mode
    return env


def _made_without_links(work: Path, place: Path) -> None:
    """`place` (inside `work`) made folder by folder, none followed as a link: the candidate ran in
    `work` before, and a link it left there (rumah/.config -> the admin's home) would have this program
    make folders wherever it points (issue 88 finding 6)."""
    at = Path(work)
    at.mkdir(parents=True, exist_ok=True)  # this program's own folder
    for part in Path(place).relative_to(work).parts:
        at = at / part
        if at.is_symlink():
            raise ReleaseError(f"Rilis ini GAGAL diperiksa: program rilis membuat tautan {at} di folder kerjanya. "
                               "Rilis ini tidak ditandatangani: laporkan ke proyek.")
        at.mkdir(exist_ok=True)


def discard_work(work: Path) -> None:
    """The work folder removed whole, whatever the check's outcome: the restored copies of an office's
    data first (its register, database key and recovery key), then the rest. A folder the candidate
    made read-only (or unreadable) is made writable first; no link it left is followed (issue 88
    finding 6)."""
    work = Path(work)
    if work.is_symlink() or work.is_file():
        work.unlink()
        return
    if not work.is_dir():
        return
    for folder in [*sorted(work.glob("salinan-*")), work]:
        if folder.is_symlink() or not folder.is_dir():
            folder.unlink()
            continue
        os.chmod(folder, 0o700)
        for top, folders, _ in os.walk(folder):  # top-down: each folder opened before it is entered
            for name in folders:
                if not os.path.islink(os.path.join(top, name)):
                    os.chmod(os.path.join(top, name), 0o700)
        shutil.rmtree(folder)


def _drive_roots() -> list[str]:
    """Where a key stick shows up: every drive letter on Windows; the mount folders on Linux."""
    if os.name == "nt":
        return [f"{letter}:\\" for letter in "CDEFGHIJKLMNOPQRSTUVWXYZ" if os.path.exists(f"{letter}:\\")]
    found = ["/mnt"]
    for base in ("/media", "/run/media"):
        try:
            found += [os.path.join(base, user) for user in os.listdir(base) if os.path.isdir(os.path.join(base, user))]
        except OSError:
            pass
        found.append(base)
    return found


def keys_in_reach(paths: list[Path], home: Path | None = None, drives: list[Path] | None = None) -> list:
    """Key copies a candidate run for these paths could find (sync/release/key_search.py: by name or content,
    in the trash, in archives, through links): anywhere under the folders of the command's own paths,
    beside any folder above them (one level down), anywhere on every drive or mounted stick and in
    the user's home."""
    from sync.release.key_search import key_copies
    seen: set = set()
    folders = []
    for path in paths:
        folder = Path(path).resolve()
        folders.append(folder.parent if folder.is_file() else folder)  # a folder still to be made: the ones above it
    found = key_copies(folders, seen=seen)
    for folder in folders:
        found += key_copies(list(folder.parents), depth=1, seen=set())
    roots = [Path(root) for root in _drive_roots()] if drives is None else list(drives)
    found += key_copies([*roots, Path.home() if home is None else Path(home)], seen=seen)
    return sorted(set(found))


def refuse_keys_in_reach(paths: list[Path], home: Path | None = None, drives: list[Path] | None = None,
                         allowed: list[Path] = ()) -> None:
    """`allowed`: key files the machine holds by design (the center server's installed online key,
    when the check runs there): the sandbox hides them like every other file. This machine's own
    checker key (key_checker.py) is no release key: a file holding it and nothing else, wherever it
    lies (its settings folder, a backup of the home), is not a copy to destroy (issue 88 finding 2)."""
    allowed = {Path(path).resolve() for path in allowed}
    checker = key_checker.checker_key(create=False)
    own = {key_checker.key_id(checker.public_key())} if checker else set()
    near = [copy for copy in keys_in_reach(paths, home, drives)
            if not (copy.key_ids and set(copy.key_ids) <= own) and (copy.inside or copy.path.resolve() not in allowed)]
    if near:
        listed = [f"- {copy.said()}" for copy in near[:20]] + [f"- dan {len(near) - 20} lagi"] * (len(near) > 20)
        raise ReleaseError("Folder kunci terjangkau selama pemeriksaan, salinan kunci rilis ada di:\n" + "\n".join(listed)
                           + "\nProgram rilis yang diperiksa belum dipercaya dan tidak boleh dekat dengan kunci: cabut "
                           "flashdisk kunci, dan musnahkan salinan di laptop ini (bukan sekadar hapus: panduan admin "
                           "kabupaten, bagian Salinan kunci di laptop), lalu ulangi perintahnya. Kunci dipasang lagi hanya "
                           "untuk langkah sesudahnya, release sign. Tidak ada yang diperiksa.")


def demo_data(work: Path) -> list[tuple[str, str, list]]:
    """(what, mode, run.py's arguments): the candidate fills demo data of the kecamatan; a desa PC's
    data starts empty (the walk of check-server makes it)."""
    kecamatan = work / "demo-kecamatan"
    return [("mengisi data demo kecamatan", "kecamatan",
             ["demo", "--data", str(kecamatan), "--password", secrets.token_hex(8)])]


def walks(work: Path) -> list[tuple[str, Path, Path, str]]:
    """(what, data folder, database, mode) of each walk of the demo data."""
    kecamatan, desa = work / "demo-kecamatan", work / "demo-desa"
    return [("memeriksa program kecamatan pada data demo", kecamatan, kecamatan / "loket.sqlite3", "kecamatan"),
            ("memeriksa program desa pada data demo", desa, desa / "desa.sqlite3", "desa")]


def run_checks(python: Path, work: Path, data_copies: list[Path], recovery_keys: list[str], say=print,
               version: str | None = None) -> int:
    """Every check in the fresh venv, from the work folder; ReleaseError at the first that fails. One
    recovery key serves every copy; several are paired with the copies in order. The pages walked."""
    found = _candidate([str(python), "-c", "import run; print(run.__file__)"], work, candidate_env(work))
    script = Path(found.stdout.strip().splitlines()[-1]) if found.returncode == 0 and found.stdout.strip() else None
    if script is None or python.parent.parent not in script.parents:
        raise ReleaseError(f"Program rilis tidak ditemukan di lingkungan pemeriksaan: {_tail(found.stdout)}")
    for what, mode, argv in demo_data(work):
        say(f"  {what} ...")
        _step(python, script, work, what, argv, candidate_env(work, mode))
    pages = 0
    for what, folder, database, mode in walks(work):
        pages += _walk(python, script, work, what, folder, database, mode, say, version)
    for number, backup in enumerate(data_copies, 1):
        key = recovery_keys[min(number, len(recovery_keys)) - 1] if recovery_keys else None
        pages += _restore_and_walk(python, script, work, Path(backup).resolve(), key, work / f"salinan-{number}", say,
                                   version)
    return pages


def _restore_and_walk(python: Path, script: Path, work: Path, backup: Path, key: str | None, folder: Path,
                      say, version: str | None = None) -> int:
    """A backup restored as the kecamatan's, else as a desa PC's (whichever it is), then walked."""
    what = f"memulihkan salinan data {backup.name}"
    say(f"  {what} ...")
    argv = ["restore", "--data", str(folder), "--from", str(backup)] + (["--kunci-pemulihan", key] if key else [])
    first = None
    for mode in ("kecamatan", "desa"):
        discard_work(folder)
        done = _candidate([str(python), str(script), *argv], work, candidate_env(work, mode), readonly=[backup])
        if done.returncode == 0:
            database = folder / ("desa.sqlite3" if mode == "desa" else "loket.sqlite3")
            return _walk(python, script, work, f"memeriksa program {mode} pada salinan data {backup.name}", folder,
                         database, mode, say, version)
        first = first or done
    raise ReleaseError(f"Gagal {what}:\n{_tail(first.stdout)}\nPeriksa berkas cadangan dan kunci pemulihannya "
                       "(--kunci-pemulihan); tidak ada yang ditandatangani.")


def _walk(python: Path, script: Path, work: Path, what: str, folder: Path, database: Path, mode: str, say,
          version: str | None = None) -> int:
    """One walk of the candidate's pages on one data folder, by this program over HTTP (the candidate
    only serves: sync/release/candidate_walk.py); the pages walked, ReleaseError when a page answered 5xx, a
    role could not sign in, or the candidate never served."""
    from app.frame.programs import program_roles
    from sync.release import candidate_walk
    say(f"  {what} ...")
    walked = work / f"jalan-{secrets.token_hex(4)}"
    walked.mkdir(parents=True)
    ready = walked / candidate_walk.READY_FILE
    command = [str(python), str(script), "check-server", "--data", str(folder), "--database", str(database),
               "--mode", mode, "--ready-file", str(ready), "--lan-host", candidate_sandbox.OFFICE_ADDRESS]  # walked as a counter
    outer, sockets = candidate_sandbox.socket_folders()
    try:
        caged = candidate_sandbox.command(candidate_sandbox.relayed(command, ready, python), work, _readonly(work, [candidate_sandbox.RELAY]),
                                _hidden(work), sockets)
        verdict = candidate_walk.walk_candidate(caged, candidate_env(work, mode), walked, STEP_SECONDS,
                                                roles=program_roles(mode), version=version,
                                                through=sockets / candidate_sandbox.SOCKET_NAME)
    finally:
        shutil.rmtree(outer, ignore_errors=True)
    if verdict.interrupted:
        raise ReleaseError(f"Pemeriksaan terputus ({what}): {verdict.interrupted}.\n"
                           f"{_tail(candidate_walk.log_tail(walked), 8)}\nTidak ada yang ditandatangani: ulangi "
                           "perintahnya; bila terputus lagi, laporkan pesan ini ke proyek.")
    if not verdict.passed:
        raise ReleaseError(f"Rilis ini GAGAL diperiksa ({what}): {verdict.pages} halaman dibuka, halaman bermasalah: "
                           f"{candidate_walk.summary(verdict) or 'tidak ada halaman yang terbuka'}\n"
                           "Rilis ini tidak ditandatangani dan tidak boleh dipasang di kantor mana pun: laporkan "
                           "pesan di atas ke proyek.")
    say(f"    {verdict.pages} halaman diperiksa, semuanya menjawab")
    return verdict.pages


def _step(python: Path, script: Path, work: Path, what: str, argv: list, env: dict) -> subprocess.CompletedProcess:
    """One run.py command of the candidate; ReleaseError with its last lines when it fails."""
    done = _candidate([str(python), str(script), *argv], work, env)
    if done.returncode != 0:
        raise ReleaseError(f"Rilis ini GAGAL diperiksa ({what}):\n{_tail(done.stdout)}\n"
                           "Rilis ini tidak ditandatangani dan tidak boleh dipasang di kantor mana pun: laporkan "
                           "pesan di atas ke proyek.")
    return done


def _readonly(work: Path, more: list[Path] = ()) -> list[Path]:
    """What a candidate may read besides its work folder: its venv, and `more`."""
    return [work / "venv", *more]


def _hidden(work: Path) -> list[Path]:
    """The gathered wheels, hashed before any candidate code ran: out of its sight."""
    return [work / "wheel"]


def _candidate(argv: list, work: Path, env: dict, readonly: list[Path] = ()) -> subprocess.CompletedProcess:
    """One run of candidate code, in its sandbox (sync/release/candidate_sandbox.py), to its end: nothing of it outlives it."""
    return _run(candidate_sandbox.command(argv, work, _readonly(work, readonly), _hidden(work)), STEP_SECONDS, cwd=work, env=env)


def build(wheel: Path, checked: Path | None = None, data_copies: list[Path] = (), recovery_keys: list[str] = (),
          pythons: list[str] | None = None, platforms: list[str] | None = None, work: Path | None = None,
          say=print, home: Path | None = None, drives: list[Path] | None = None, allowed_keys: list[Path] = ()) -> Path:
    """The check (module docstring); returns the checked folder. ReleaseError, nothing written, at the
    first step that fails. `pythons`/`platforms` narrow the gather (a quick try); the Python running
    this must be among them. `home`/`drives`: where keys_in_reach looks (the laptop's by default);
    `allowed_keys`: the center server's own online key, when the check runs there."""
    started = time.monotonic()
    # Names as the admin typed them, relative to the command window's folder: the steps run elsewhere.
    wheel, data_copies = Path(wheel).resolve(), [Path(backup).resolve() for backup in data_copies]
    checked = Path(checked).resolve() if checked else None
    pythons, platforms = list(pythons or SUPPORTED), list(platforms or PLATFORMS)
    for backup in data_copies:
        if not Path(backup).is_file():
            raise ReleaseError(f"Berkas cadangan {backup} tidak ditemukan.")
    say(f"1/5 Membaca {Path(wheel).name} ...")
    app = read_app_wheel(wheel)
    say(f"  versi {app.version}")
    here = this_target()
    if here[0] not in pythons or here[1] not in platforms:
        raise ReleaseError(f"Python {here[0]} di {PLATFORMS[here[1]]['label']} yang menjalankan perintah ini harus "
                           "termasuk yang dikumpulkan (--python, --platform).")
    refuse_without_sandbox(app)
    checked = Path(checked) if checked else Path(wheel).resolve().parent / f"diperiksa-{app.version}"
    own_work = work is None
    work = Path(work or tempfile.mkdtemp(prefix="loket-rilis-"))
    refuse_keys_in_reach([Path(wheel), checked.parent, *data_copies, work], home, drives, allowed_keys)
    work.mkdir(parents=True, exist_ok=True)
    try:
        say("2/5 Mengumpulkan wheel pendukung dari PyPI ...")
        wheels, closure = gather(app, pythons, platforms, work / "wheel", say)
        files = [app.path, *wheels]
        hashes = {path.name: sha256(path) for path in files}  # before any candidate code runs
        say(f"  {len(wheels)} wheel pendukung terkumpul")
        say(f"3/5 Memasang rilis di lingkungan Python {here[0]} yang baru ...")
        python = install_fresh(app, work / "wheel", work)
        say("4/5 Memeriksa setiap halaman setiap peran ...")
        pages = run_checks(python, work, list(data_copies), list(recovery_keys), say, app.version)
        say("5/5 Menyimpan berkas yang diperiksa ...")
        closure = {target: [app.path.name, *names] for target, names in closure.items()}
        _write_checked(checked, app, files, hashes, closure, pages)
    finally:
        if own_work:
            try:
                discard_work(work)
            except OSError as problem:
                say(f"Peringatan: folder kerja {work} tidak terhapus seluruhnya ({type(problem).__name__}): hapus "
                    "sendiri, di dalamnya mungkin ada salinan data kantor.")
    size = sum(f.stat().st_size for f in (checked / CHECKED_WHEELS).iterdir())
    say(f"Rilis {app.version} lulus pemeriksaan dalam {(time.monotonic() - started) / 60:.0f} menit: {checked} "
        f"({len(files)} wheel, {size / 1e6:.0f} MB).")
    say("Catatan pemeriksaan ditandatangani dengan kunci pemeriksa komputer ini, sidik "
        f"{key_checker.fingerprint(key_checker.checker_key().public_key())}.")
    return checked


def refuse_without_sandbox(app: AppWheel) -> None:
    """No candidate code runs outside its sandbox (issue 79): where there is none (Windows, no
    bubblewrap), the check is done at the center's Linux server, with the same command."""
    reason = candidate_sandbox.unavailable()
    if reason:
        raise ReleaseError(f"Rilis {app.version} tidak dijalankan di komputer ini: {reason}. Rilis yang belum dipercaya "
                           "hanya dijalankan di dalam kotak pasir, jauh dari kunci dan dari program yang "
                           "menandatangani. Periksa rilis ini di komputer pusat (Linux): salin "
                           f"{app.path.name} ke sana, lalu di folder Loket pusat ketik\n"
                           f"  .venv/bin/python run.py release build {app.path.name}\n"
                           f"Bawa folder diperiksa-{app.version} yang dibuatnya ke laptop ini dan tanda tangani dengan "
                           f"release sign, dengan --wheel-rilis {app.path.name} yang tetap Anda simpan di laptop ini dan "
                           "--pemeriksa dengan sidik kunci pemeriksa yang ditulis di layar komputer pusat. Tidak ada yang "
                           "diperiksa.")


def _write_checked(checked: Path, app: AppWheel, files: list[Path], hashes: dict, closure: dict, pages: int) -> None:
    """The checked folder: the files, each copy's SHA-256 equal to the one taken before the candidate
    ran (a candidate that rewrote a wheel in its work folder is refused here), and the manifest, the
    walk record signed by this machine's checker key (sync/release/key_checker.py). Written beside its place
    first: a folder cut short is never taken for a checked one."""
    partial = checked.with_name(checked.name + ".sebagian")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / CHECKED_WHEELS).mkdir(parents=True)
    for path in files:
        shutil.copyfile(path, partial / CHECKED_WHEELS / path.name)
        if sha256(partial / CHECKED_WHEELS / path.name) != hashes[path.name]:
            shutil.rmtree(partial, ignore_errors=True)
            raise ReleaseError(f"Berkas {path.name} berubah selama pemeriksaan: rilis ini tidak dapat dipercaya dan "
                               "tidak ditandatangani. Laporkan ke proyek.")
    manifest = {"version": app.version, "app": app.path.name, "files": hashes, "closure": closure,
                "verdict": PASSED, "pages": pages,
                "checked_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    (partial / CHECKED_MANIFEST).write_text(json.dumps(key_checker.sign(manifest), indent=1), "utf-8")
    if checked.exists():
        shutil.rmtree(checked)
    partial.replace(checked)


def _tail(text: str, lines: int = 15) -> str:
    """The last lines of a program's output (a candidate's, pip's), shown to the admin quoted, each
    behind "| ", and stripped of control sequences (issue 88 finding 6: a fake "lulus" after a cleared
    screen must read as what the program printed, not as this program's word)."""
    from sync.release.candidate_walk import printable
    kept = printable(text).splitlines()
    return "\n".join(f"  | {line}" for line in [line for line in kept if line.strip()][-lines:])


def _run(command: list, seconds: int, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                              errors="replace", timeout=seconds, cwd=cwd, env=env)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return subprocess.CompletedProcess(command, 1, f"{type(problem).__name__}: {problem}", "")
