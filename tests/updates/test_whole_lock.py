"""Each version runs exactly its lock (issue 80, finding 3): release.json's closure, written by the
release build and signed, was never read; an update installed the app wheel and only the direct
requirements the PC's own Python did not satisfy, so 26 of the lock's 51 projects stayed at what the PC
had on day one. Now a PC fetches every wheel of the closure for its Python and platform, each named by
the signed targets before any is fetched, installs them all in the version's own folder, and the
version imports nothing of the PC's own Python but the standard library.

The fetch tests publish small made-up wheels at a real center; the soak installs this tree's wheel
with its real closure (gathered as `release build` gathers it) and runs it beside a Python whose own
werkzeug, jinja2 and urllib3 are older than the lock's."""
import hashlib
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from app.updates import fetching
from loket_python import closure_key
from sync.release import key_signing
from tests.support.built_once import built_once
from tests.support.built_once import gathered as gathered_once
from tests.updates.helpers import Regency, fake_wheel, resigned

THIS_PC = closure_key()
OTHER_PC = "3.11-win_amd64" if THIS_PC != "3.11-win_amd64" else "3.11-manylinux_x86_64"
APP = "loket_kecamatan-9.0.0-py3-none-any.whl"
INSTALLED_TUF = f"tuf-{metadata.version('tuf')}-py3-none-any.whl"  # what this PC's own Python has


@pytest.fixture
def regency(tmp_path, shared_regency):
    """The file's regency (conftest.py shared_regency), reset, with this test's own office."""
    return Regency(tmp_path, shared=shared_regency)


def closure_bundle(regency, version: str, carried: list[str], closure: dict, size: int = 20_000) -> Path:
    """A bundle carrying `carried` (made-up wheels), its release.json's closure `closure`
    ({pc: [file names]}), signed with the regency's key folder as the release build signs it."""
    folder = regency.tmp / f"wheels-{version}"
    for name in carried:
        fake_wheel(folder, name, size)
    bundle = key_signing.sign_release(regency.keys, version, "Rilis uji.", sorted(folder.glob("*.whl")),
                                   regency.tmp / f"paket-{version}", requires=["fakedep>=1.0"], closure=closure)
    return bundle


def published(regency, bundle: Path) -> None:
    from sync.center.release_commands import online_key_of
    key_signing.publish(bundle, regency.repository(), online_key_of(regency.center_dir))


def asking(monkeypatch) -> list[str]:
    """The names this PC asks the center for, in order."""
    asked = []
    real_read = fetching.CenterSource.read
    monkeypatch.setattr(fetching.CenterSource, "read", lambda source, name, start, size: asked.append(name)
                        or real_read(source, name, start, size))
    return asked


@pytest.mark.parametrize("machine, key", [("win-amd64", "win_amd64"), ("linux-x86_64", "manylinux_x86_64"),
                                          ("win32", None), ("win-arm64", None), ("macosx-14.0-arm64", None)])
def test_a_pc_finds_itself_in_the_closure_by_the_name_the_release_build_gave_it(monkeypatch, machine, key):
    import sysconfig
    import loket_python
    from sync.release import release_wheel
    assert set(loket_python.CLOSURE_PLATFORMS.values()) == set(release_wheel.PLATFORMS)  # every platform gathered
    monkeypatch.setattr(sysconfig, "get_platform", lambda: machine)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert loket_python.closure_key() == (f"{python}-{key}" if key else None)


def test_a_release_with_a_closure_is_fetched_whole_even_what_this_pcs_python_has(regency):
    """Before, the PC fetched the app wheel and the requirements its own Python did not satisfy: the
    tuf it has already, and a dependency of a dependency (fakedep_inner), never came."""
    whole = [APP, "fakedep-1.0-py3-none-any.whl", "fakedep_inner-2.0-py3-none-any.whl", INSTALLED_TUF]
    windows = "fakedep_win-1.0-cp311-cp311-win_amd64.whl"
    published(regency, closure_bundle(regency, "9.0.0", [*whole, windows],
                                      {THIS_PC: whole, OTHER_PC: [APP, windows]}))
    regency.sync()
    state = regency.state()
    assert state["refused"] is None, state
    available = state["available"]
    assert available["whole_lock"] is True
    assert available["wheels"][0] == "wheels/" + APP
    assert sorted(available["wheels"]) == sorted("wheels/" + name for name in whole)
    assert fetching.verified_files(regency.office_dir, available["wheels"])  # each checked against the signed targets


def test_a_release_whose_closure_lacks_this_pc_or_a_wheel_is_refused_before_any_wheel_is_fetched(regency, monkeypatch):
    asked = asking(monkeypatch)
    published(regency, closure_bundle(regency, "9.0.0", [APP], {OTHER_PC: [APP]}))
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Rilis 9.0.0 tidak berisi paket untuk komputer ini (")
    assert "Tidak ada yang diunduh" in state["refused"] and not state.get("available")
    # The closure names a wheel the release does not carry (lost from the bundle): nothing is fetched either.
    published(regency, closure_bundle(regency, "9.0.1", ["loket_kecamatan-9.0.1-py3-none-any.whl"],
                                      {THIS_PC: ["loket_kecamatan-9.0.1-py3-none-any.whl", "werkzeug-3.1.9-py3-none-any.whl"]}))
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Rilis 9.0.1 tidak berisi paket untuk komputer ini (")
    assert "werkzeug-3.1.9-py3-none-any.whl" in state["refused"] and not state.get("available")
    # A wheel for another system in this PC's entry (a build's mistake): pip would refuse it after the backup.
    unfit = "fakedep-1.0-cp311-cp311-" + ("manylinux_2_17_x86_64" if sys.platform.startswith("win") else "win_amd64") + ".whl"
    published(regency, closure_bundle(regency, "9.0.3", ["loket_kecamatan-9.0.3-py3-none-any.whl", unfit],
                                      {THIS_PC: ["loket_kecamatan-9.0.3-py3-none-any.whl", unfit]}))
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Rilis 9.0.3 tidak berisi paket untuk komputer ini (") and unfit in state["refused"]
    # Listed in release.json but not in the signed targets (a release.json signed again by hand): refused too.
    bundle = closure_bundle(regency, "9.0.4", ["loket_kecamatan-9.0.4-py3-none-any.whl"],
                            {THIS_PC: ["loket_kecamatan-9.0.4-py3-none-any.whl"]})
    release = (bundle / "targets" / key_signing.RELEASE_TARGET).read_text()
    import json
    changed = json.loads(release)
    changed["wheels"].append("wheels/idna-3.20-py3-none-any.whl")
    changed["closure"][THIS_PC].append("wheels/idna-3.20-py3-none-any.whl")
    published(regency, resigned(bundle, regency.keys, wheels=changed["wheels"], closure=changed["closure"]))
    regency.sync()
    state = regency.state()
    assert state["refused"] == ("Berkas wheels/idna-3.20-py3-none-any.whl tidak disebut metadata rilis yang "
                                "ditandatangani: ditolak.")
    assert not [name for name in asked if name.startswith("targets/wheels/")]  # not one wheel was asked for
    assert not list((regency.office_dir / "pembaruan" / "cache").glob("wheels*"))


def test_a_closure_wheel_tampered_at_the_source_is_refused_and_nothing_is_offered(regency):
    whole = [APP, "werkzeug-3.1.9-py3-none-any.whl"]
    published(regency, closure_bundle(regency, "9.0.0", whole, {THIS_PC: whole}))
    stored = next((regency.repository() / "targets" / "wheels").glob("*werkzeug-3.1.9-py3-none-any.whl"))
    damaged = bytearray(stored.read_bytes())
    damaged[1000] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Berkas pembaruan tidak cocok dengan yang ditandatangani kabupaten")
    assert not state.get("available")
    assert not list((regency.office_dir / "pembaruan" / "cache").glob("*werkzeug*"))
    assert not (regency.office_dir / "versions").exists()


class BreakingSource:
    """A link that breaks once, after `chunks` answers of wheels."""

    def __init__(self, inner, chunks: int):
        self.inner, self.chunks, self.bytes = inner, chunks, 0

    def read(self, name, start, size):
        from sync.client.link_down import LinkDown
        if name.startswith("targets/wheels/"):
            if self.chunks == 0:
                raise LinkDown("sambungan putus")
            self.chunks -= 1
            chunk = self.inner.read(name, start, size)
            self.bytes += len(chunk)
            return chunk
        return self.inner.read(name, start, size)


def test_the_closures_extra_wheels_resume_after_a_cut_and_never_come_twice(regency, monkeypatch):
    monkeypatch.setattr(fetching, "UPDATE_CHUNK_BYTES", 64 * 1024)
    whole = [APP, "fakedep-1.0-py3-none-any.whl", INSTALLED_TUF]
    published(regency, closure_bundle(regency, "9.0.0", whole, {THIS_PC: whole}, size=200_000))
    folder = fetching.FolderSource(regency.repository())
    first = BreakingSource(folder, chunks=6)  # the app wheel (4 chunks), then half of the next one
    with pytest.raises(fetching.Postponed):
        fetching.check_source(regency.office_dir, first)
    second = BreakingSource(folder, chunks=100)
    assert fetching.check_source(regency.office_dir, second)["available"]["version"] == "9.0.0"
    assert first.bytes + second.bytes == 3 * 200_000  # every byte of the three crossed the link once
    again = BreakingSource(folder, chunks=0)
    assert fetching.check_source(regency.office_dir, again)["available"]["whole_lock"] is True  # all cached


# --- the soak: this tree's wheel with its real closure, beside an older Python -------------------

OLDER = {"werkzeug": "3.0.6", "jinja2": "3.1.4", "urllib3": "2.2.3"}  # a PC's Python from before the lock's


def listed(done: subprocess.CompletedProcess) -> dict[str, tuple[str, str]]:
    """`run.py paket`'s lines: {name: (version, folder)}."""
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    found = {}
    for line in done.stdout.splitlines():
        pin, folder = line.split(" ", 1)
        name, version = pin.split("==", 1)
        found[name] = (version, folder)
    return found


def older_python(work: Path) -> Path:
    """A venv whose own werkzeug, jinja2 and urllib3 are older than the lock's (from PyPI), and pip:
    the office PC's Python as it was installed on day one."""
    return venv_with_older(work / "python kantor")  # a space, as C:\\Program Files


def venv_with_older(venv: Path) -> Path:
    """A venv with pip and OLDER (from PyPI), made once per run and copied to `venv` (a venv's python finds
    its packages by its own folder: a copy works where it lies); its python."""
    def made(work: Path) -> Path:
        subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True, capture_output=True)
        done = subprocess.run([str(work / "venv" / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q",
                               *(f"{name}=={version}" for name, version in OLDER.items())], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return work / "venv"
    key = hashlib.sha256(f"venv:{sys.executable}:{sys.version}:{sorted(OLDER.items())}".encode()).hexdigest()[:32]
    copy = built_once(key, venv.parent / f"{venv.name}.salinan", made)
    copy.rename(venv)
    copy.parent.rmdir()
    python = venv / "bin" / "python"
    assert subprocess.run([str(python), "-c", "import sys; assert sys.prefix == sys.argv[1], sys.prefix", str(venv)],
                          capture_output=True).returncode == 0  # the copy is a venv of its own folder
    return python


def real_release(tmp_path: Path, version: str):
    """This tree's wheel as `version` with its real closure (gathered as `release build` gathers it),
    published at a running regency whose office has synced it (its cache holds the whole closure).
    Returns (regency, the app wheel, this PC's pins); the caller stops the regency."""
    from sync.release import candidate_build, dependency_lock, release_wheel
    from tests.sync.harness import fill_kecamatan
    from tests.updates.test_install import build_wheel
    app_wheel = next(build_wheel(version, tmp_path).glob("*.whl"))
    with zipfile.ZipFile(app_wheel) as opened:
        lock = opened.read(dependency_lock.OFFICE_LOCK).decode()
    app = release_wheel.AppWheel(app_wheel, version, "Rilis uji.", candidate_build.wheel_requires(app_wheel), lock)
    python, platform = THIS_PC.split("-", 1)
    gathered, closure = gathered_once(app, python, platform, tmp_path / "pypi")
    pins = {pin.name: str(pin.version) for pin in dependency_lock.for_target(
        dependency_lock.parse(lock), release_wheel.target_environment(python, platform)).values()}
    assert all(pins[name] != old for name, old in OLDER.items())
    regency = Regency(tmp_path)
    try:
        bundle = key_signing.sign_release(regency.keys, version, "Rilis uji.", [app_wheel, *gathered], tmp_path / "paket",
                                       requires=app.requires, closure={THIS_PC: [app_wheel.name, *closure[THIS_PC]]})
        published(regency, bundle)
        fill_kecamatan(regency.office, 2)  # an office with its identity and work: the walk opens every page
        regency.sync()
        available = regency.state()["available"]
        assert available and available["whole_lock"] and len(available["wheels"]) == len(pins) + 1, regency.state()
    except BaseException:
        regency.stop()
        raise
    return regency, app_wheel, pins


@pytest.mark.soak
def test_an_office_whose_python_has_older_werkzeug_jinja2_and_urllib3_runs_the_locks_after_an_update(tmp_path):
    from app.updates import installing, launcher, starting
    version = "9.1.0"
    regency, _, pins = real_release(tmp_path, version)
    try:
        with regency.office.app_context(), regency.office.extensions["database"].connection_context():
            said = installing.apply_available(regency.office.config)  # pip, RECORD, and the walk on a copy
        assert f"Versi {version} terpasang dan diperiksa pada salinan data" in said, said
    finally:
        regency.stop()
    root = regency.office_dir / "versions" / version
    assert (root / starting.OWN_PACKAGES).is_file() and not launcher.damaged_files(root)

    older = older_python(tmp_path)
    own = subprocess.run([str(older), "-c", "import pip, importlib.metadata as m; print(m.version('werkzeug'))"],
                         capture_output=True, text=True)
    assert own.stdout.strip() == OLDER["werkzeug"], own.stderr  # what that Python itself imports
    command = starting.python_command(root)  # as today's launcher starts it, with the PC's own Python
    assert command[1:3] == ["-I", "-S"]
    ways = {"today's launcher": [str(older), *command[1:]],
            "an older launcher": [str(older), str(root / "run.py")],  # 0.2.0's `python run.py`, its packages on the path
            # a Python whose .pth files import modules and add finders (an editable install, coverage, setuptools)
            "an older launcher in this venv": [sys.executable, str(root / "run.py")]}
    for way, started in ways.items():
        found = listed(subprocess.run([*started, "paket", "--data", str(tmp_path / "paket")], capture_output=True,
                                      text=True, encoding="utf-8", errors="replace", timeout=300))
        assert {name: found[name][0] for name in OLDER} == {name: pins[name] for name in OLDER}, way
        assert {name: version for name, (version, _) in found.items()} == dict(pins, **{"loket-kecamatan": version}), way
        assert {folder for _, folder in found.values()} == {str(root)}, way  # nothing of the PC's own Python
        assert "pip" not in found, way


def base_python_with_older(work: Path) -> Path:
    """An office PC's Python on which an older version ran: every package the app needs (this venv's, by
    a .pth line: its own .pth files do not run) but werkzeug, jinja2 and urllib3 older than the lock's,
    and pip, as the older installer used it."""
    import sysconfig
    python = venv_with_older(work / "python kantor lama")
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    Path(own, "paket-kantor.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # after its own: older first
    return python


@pytest.mark.soak
def test_a_version_an_older_installer_put_in_place_installs_its_lock_at_its_first_start(tmp_path):
    """Issue 94, finding 3: an older installer (the first updatable, 6ce2a857, d36a7707) installs the app
    wheel and only what the PC's Python lacks, and its updater fetched no more: the version ran on the
    PC's werkzeug, jinja2 and urllib3 of day one. Now its first start under a launcher installs its whole
    lock (the wheels the older updater did not fetch, from the center over the PC's link) before anything
    serves; with no way to the center it says so and stops before it serves, its folder as it was."""
    from app.updates import launcher, own_lock, starting
    version = "9.1.1"
    regency, app_wheel, pins = real_release(tmp_path, version)
    try:
        office = regency.office_dir
        cache = office / "pembaruan" / "cache"
        for cached in cache.glob("wheels%2F*"):  # the older updater fetched the app wheel (and what the base lacked)
            if not cached.name.endswith(app_wheel.name):
                cached.unlink()
        older = base_python_with_older(tmp_path)
        root = office / "versions" / version
        installed = subprocess.run([str(older), "-m", "pip", "install", "--no-index", "--no-deps", "--no-compile", "-q",
                                    "--target", str(root), str(app_wheel)], capture_output=True, text=True)
        assert installed.returncode == 0, installed.stderr[-2000:]  # the older installer's install
        env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
        env[launcher.CHILD_ENV] = version  # started by its launcher, as every launcher in the field starts it

        def first_start(**more):
            return subprocess.run([str(older), str(root / "run.py"), "paket", "--data", str(tmp_path / "paket")],
                                  capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=900,
                                  env=dict(env, **more))

        cut = first_start(http_proxy="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
        assert cut.returncode == own_lock.REFUSED, cut.stdout[-2000:] + cut.stderr[-3000:]
        assert f"Versi {version} tidak dijalankan: paket terkuncinya belum terpasang" in cut.stderr, cut.stderr[-3000:]
        assert not (root / starting.OWN_PACKAGES).exists() and not root.with_name(version + own_lock.LOCKED).exists()

        found = listed(first_start())
    finally:
        regency.stop()
    assert {name: found[name][0] for name in OLDER} == {name: pins[name] for name in OLDER}
    assert {name: version for name, (version, _) in found.items()} == dict(pins, **{"loket-kecamatan": version})
    assert {folder for _, folder in found.values()} == {str(root)}  # nothing of the PC's own Python
    assert (root / starting.OWN_PACKAGES).is_file() and not launcher.damaged_files(root)
    assert sorted(path.name for path in root.parent.iterdir()) == [version]  # no .kunci, .lama, .sebagian left


def test_a_first_start_takes_the_closure_an_older_updater_did_not_fetch_from_the_center(regency, monkeypatch):
    """Issue 94, finding 3, the fetch of `run.py kunci-versi` (app/updates/own_lock.py): the closure of the
    running version, compared with what this Python imports; the wheels an older updater did not fetch come
    from the center over the PC's link, each checked against the kept signed targets (no typed fingerprint
    asked: an older updater kept none); a release.json of another version says nothing (runs as before)."""
    from app.updates import own_lock, trust, versions
    whole = [APP, "fakedep-1.0-py3-none-any.whl", INSTALLED_TUF]
    published(regency, closure_bundle(regency, "9.0.0", whole, {THIS_PC: whole}))
    regency.sync()
    assert regency.state()["available"]["whole_lock"]
    cache = regency.office_dir / "pembaruan" / "cache"
    for name in whole[1:]:  # the older updater fetched the app wheel alone
        (cache / ("wheels%2F" + name)).unlink()
    monkeypatch.setattr(versions, "running_version", lambda: "9.0.0")  # the version that starts
    monkeypatch.setattr(trust, "confirmed", lambda data_dir: False)  # that updater kept no typed fingerprint
    wanted = own_lock.missing_lock(regency.office_dir)
    assert wanted == ["wheels/" + name for name in whole]  # fakedep is not what this Python imports
    with regency.office.app_context():
        files = own_lock.lock_files(regency.office_dir, {}, wanted)
    assert [path.name for path in files] == ["wheels%2F" + name for name in whole]
    assert files[1].read_bytes() == (regency.tmp / "wheels-9.0.0" / whole[1]).read_bytes()
    monkeypatch.setattr(versions, "running_version", lambda: "8.9.0")
    assert own_lock.missing_lock(regency.office_dir) is None


def test_run_py_names_the_lock_steps_files_and_exit_as_own_lock_does():
    """run.py's first-start step reads no module of the app before it runs (it cannot import own_lock)."""
    from app.updates import launcher, older_launchers, own_lock, starting, state
    text = (Path(__file__).resolve().parents[2] / "run.py").read_text("utf-8")
    for name in (own_lock.CHECKED, own_lock.LOCKED, starting.OWN_PACKAGES, launcher.CHILD_ENV, "kunci-versi",
                 older_launchers.BACKUP_MARK, state.SELECTION_FILE):
        assert f'"{name}"' in text, name
    assert f"done.returncode == {own_lock.MATCHES}:" in text


def test_a_later_release_fetches_only_the_wheels_that_changed_and_older_ones_leave_the_cache(regency, monkeypatch):
    """A closure is some 60 MB: the wheels a newer release names again are not fetched again, and the
    cache keeps only the releases on offer (the one before it too, an apply may be reading it)."""
    first = [APP, "fakedep-1.0-py3-none-any.whl", "shared-1.0-py3-none-any.whl"]
    published(regency, closure_bundle(regency, "9.0.0", first, {THIS_PC: first}))
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.0"
    asked = asking(monkeypatch)
    for version in ("9.0.1", "9.0.2"):
        whole = [f"loket_kecamatan-{version}-py3-none-any.whl", f"fakedep-{version}-py3-none-any.whl",
                 "shared-1.0-py3-none-any.whl"]
        folder = regency.tmp / f"wheels-{version}"
        folder.mkdir()
        (folder / whole[-1]).write_bytes((regency.tmp / "wheels-9.0.0" / whole[-1]).read_bytes())  # the same file
        published(regency, closure_bundle(regency, version, whole[:2], {THIS_PC: whole}))
        regency.sync()
        assert regency.state()["available"]["version"] == version
    fetched = {name.rsplit("/", 1)[-1].split(".", 1)[1] for name in asked if name.startswith("targets/wheels/")}
    assert fetched == {"loket_kecamatan-9.0.1-py3-none-any.whl", "fakedep-9.0.1-py3-none-any.whl",  # not shared-1.0
                       "loket_kecamatan-9.0.2-py3-none-any.whl", "fakedep-9.0.2-py3-none-any.whl"}
    cached = sorted(path.name for path in (regency.office_dir / "pembaruan" / "cache").glob("wheels*"))
    assert cached == sorted("wheels%2F" + name for name in [
        "loket_kecamatan-9.0.1-py3-none-any.whl", "fakedep-9.0.1-py3-none-any.whl",
        "loket_kecamatan-9.0.2-py3-none-any.whl", "fakedep-9.0.2-py3-none-any.whl", "shared-1.0-py3-none-any.whl"])


def test_an_install_removes_the_version_folders_nothing_starts_any_more(regency):
    from app.updates import installing, state
    versions = regency.office_dir / "versions"
    for name in ("7.9.0", "8.0.0", "8.0.1", "8.0.2.sebagian"):
        (versions / name).mkdir(parents=True)
    state.write_selection(regency.office_dir, {
        "version": "8.0.1", "root": str(versions / "8.0.1"), "state": "baik",
        "previous": {"version": "8.0.0", "root": str(versions / "8.0.0"), "state": "baik"}})
    published(regency, closure_bundle(regency, "9.0.0", [APP], {THIS_PC: [APP]}))
    regency.sync()
    assert regency.state()["available"]["whole_lock"]
    with regency.office.app_context(), regency.office.extensions["database"].connection_context():
        with pytest.raises(fetching.UpdateRefused, match="Pemasangan versi baru gagal"):  # a made-up wheel
            installing.apply_available(regency.office.config)
    assert sorted(path.name for path in versions.iterdir() if path.is_dir()) == ["8.0.0", "8.0.1"]
