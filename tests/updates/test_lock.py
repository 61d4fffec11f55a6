"""Issue 69 finding 3, "tested is not shipped": only the direct dependencies were pinned and `release build`
resolved the rest to the day's newest, so what the offices installed need not be what CI ran. Now one
lock (scripts/lock.sh, uv) holds every package with the sha256 of its files: CI installs
requirements-dev.lock, an office and `release build` the office's lock, whose versions are the dev
lock's. Here, from the files alone (no network): pyproject's pins are the locks' versions, every line
carries its hashes, and for every supported Python and system the markers choose one version of each
package and those are every package the install asks for, to the end."""
import hashlib
import importlib.metadata
import os
import re
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from loket_python import CENTER_SUPPORTED, SUPPORTED
from sync.release import candidate_build, dependency_lock, release_wheel
from sync.release.dependency_lock import LockError
from sync.release.candidate_build import applicable
from sync.release.release_wheel import PLATFORMS, target_environment
from sync.release.key_signing import ReleaseError
from tests.sync.harness import ROOT
from tests.updates.test_release_build import THIS_PYTHON, locked, made_wheel
from tests.updates.test_wheel_contents import build_release_wheel

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OFFICE = (PROJECT["dependencies"], SUPPORTED, tuple(PLATFORMS))
# CI's install: the office's packages, the tests' and the center's, on the Linux of scripts/test.sh
DEV = (PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
       + PROJECT["optional-dependencies"]["center"], CENTER_SUPPORTED, ("manylinux_x86_64",))
# The center's install (docs/operations.md): the office's packages and the center's, on the center's Linux
CENTER = (PROJECT["dependencies"] + PROJECT["optional-dependencies"]["center"], CENTER_SUPPORTED,
          ("manylinux_x86_64",))
LOCKS = {"office": (dependency_lock.OFFICE_LOCK, *OFFICE), "dev": (dependency_lock.DEV_LOCK, *DEV),
         "center": (dependency_lock.CENTER_LOCK, *CENTER)}


def lock(which: str) -> list[dependency_lock.Pin]:
    return dependency_lock.read(ROOT / LOCKS[which][0])


def targets(which: str):
    _, _, pythons, platforms = LOCKS[which]
    return [(python, platform) for python in pythons for platform in platforms]


def installed_requires(pin: dependency_lock.Pin):
    """The Requires-Dist of the package as installed here (scripts/test.sh installs the dev lock), None
    when this machine has another version or none (a Windows-only package, another Python's numpy)."""
    try:
        found = importlib.metadata.distribution(pin.name)
    except importlib.metadata.PackageNotFoundError:
        return None
    return list(found.requires or []) if found.version == str(pin.version) else None


def disagreements(requirements: list[str], pins: list[dependency_lock.Pin], pythons, platforms) -> list[str]:
    """pyproject's pins whose version the lock does not choose, for a target where their marker applies."""
    found = []
    for python in pythons:
        for platform in platforms:
            environment = target_environment(python, platform)
            chosen = dependency_lock.for_target(pins, environment)
            for requirement in applicable(requirements, environment):
                pin = chosen.get(canonicalize_name(requirement.name))
                if pin is None or not requirement.specifier.contains(pin.version, prereleases=True):
                    found.append(f"{python} {platform}: {requirement} but the lock has "
                                 + (f"{pin.version}" if pin else "nothing"))
    return found


@pytest.mark.parametrize("which", LOCKS)
def test_every_pin_of_pyproject_is_the_locks_version_on_every_target(which):
    _, requirements, pythons, platforms = LOCKS[which]
    assert disagreements(requirements, lock(which), pythons, platforms) == [], \
        "pyproject.toml and the lock disagree: bash scripts/lock.sh"


def test_a_pin_changed_in_pyproject_alone_is_named():
    """What the check above reads when a pin is raised without running scripts/lock.sh."""
    requirements = [r.replace("flask==3.1.3", "flask==3.1.4") for r in PROJECT["dependencies"]]
    assert "flask==3.1.4" in requirements
    found = disagreements(requirements, lock("office"), ["3.13"], ["win_amd64"])
    assert found == ["3.13 win_amd64: flask==3.1.4 but the lock has 3.1.3"]


@pytest.mark.parametrize("which", LOCKS)
def test_the_markers_choose_one_version_of_each_package_and_every_package_asked_for(which):
    _, requirements, _, _ = LOCKS[which]
    pins, problems = lock(which), []
    for python, platform in targets(which):
        environment = target_environment(python, platform)
        chosen = dependency_lock.for_target(pins, environment)  # LockError for two versions of one
        problems += [f"{python} {platform}: {problem}" for problem in dependency_lock.unmet(
            chosen, applicable(requirements, environment), environment, installed_requires)]
    assert problems == []


def test_the_closure_is_checked_against_the_packages_own_requirements():
    """A lock from which werkzeug (flask's own requirement, not pyproject's) is gone is incomplete, and a
    line nothing asks for is named."""
    pins = [pin for pin in lock("office") if pin.name != "werkzeug"]
    pins.append(dependency_lock.parse("zzz-unused==1.0 --hash=sha256:" + "0" * 64)[0])
    environment = target_environment("3.13", "manylinux_x86_64")
    chosen = dependency_lock.for_target(pins, environment)
    problems = dependency_lock.unmet(chosen, applicable(PROJECT["dependencies"], environment), environment,
                                     lambda pin: ["werkzeug>=3.1.0"] if pin.name == "flask" else [])
    assert problems[0].startswith("flask meminta werkzeug>=3.1.0, daftar versi memberi tidak ada")
    assert problems[-1] == "zzz-unused==1.0 terpilih tetapi tidak diminta paket mana pun."


def test_the_office_lock_holds_the_dev_locks_versions_and_nothing_of_the_tests_or_the_center():
    office, dev = lock("office"), lock("dev")
    for python, platform in targets("office"):
        environment = target_environment(python, platform)
        tested = dependency_lock.for_target(dev, environment)
        for name, pin in dependency_lock.for_target(office, environment).items():
            assert tested[name].version == pin.version, (python, platform, name)
    names = {pin.name for pin in office}
    assert not names & {"pytest", "playwright", "simplejpeg", "psycopg", "uv", "ruff"}  # cheroot: the LAN listener (issue 84)
    assert {"flask", "werkzeug", "cffi", "pywin32-ctypes", "numpy"} <= names  # the closure, Windows' too


def test_the_center_lock_holds_the_dev_locks_versions_and_nothing_of_the_tests():
    """The center installed from its own lock, with hashes (it was `pip install -e .[center]`: the day's
    newest of every package the pins do not name, no file checked)."""
    center, dev = lock("center"), lock("dev")
    for python, platform in targets("center"):
        environment = target_environment(python, platform)
        tested = dependency_lock.for_target(dev, environment)
        for name, pin in dependency_lock.for_target(center, environment).items():
            assert tested[name].version == pin.version, (python, platform, name)
    names = {pin.name for pin in center}
    assert not names & {"pytest", "playwright", "uv", "ruff", "hypothesis"}
    assert {"psycopg", "psycopg-binary", "simplejpeg", "cheroot", "flask", "cryptography"} <= names
    assert all(pin.hashes for pin in center)


def test_the_centers_documented_install_uses_its_lock_with_hashes():
    """docs/operations.md installs the center from its lock, never from the extra alone (README names no center
    install: it points to docs/operations.md)."""
    for doc in ("docs/operations.md",):
        assert f"--require-hashes -r {dependency_lock.CENTER_LOCK}" in (ROOT / doc).read_text(encoding="utf-8"), doc
    for doc in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert re.findall(r"pip install [^`\n]*\[center\]", doc.read_text(encoding="utf-8")) == [], doc.name


@pytest.mark.parametrize("line, refusal", [
    ("flask==3.1.3\n", "bukan satu versi persis dengan sidik sha256"),
    ("flask>=3.1 --hash=sha256:" + "0" * 64 + "\n", "bukan satu versi persis"),
    ("flask==3.1.3 --hash=sha256:" + "0" * 64 + " --index-url=https://contoh.invalid\n", "bukan satu versi persis"),
    ("flask==3.1.3 \\\n", "terpotong"),
])
def test_a_lock_line_without_its_hashes_or_an_exact_version_is_refused(line, refusal):
    with pytest.raises(LockError, match=refusal):
        dependency_lock.parse(line)


def test_two_versions_chosen_for_one_target_are_refused():
    pins = dependency_lock.parse("numpy==2.4.6 ; python_version < '3.13' --hash=sha256:" + "0" * 64 + "\n"
                                 "numpy==2.5.5 ; python_version >= '3.12' --hash=sha256:" + "1" * 64 + "\n")
    assert dependency_lock.for_target(pins, target_environment("3.11", "win_amd64"))["numpy"].version.public == "2.4.6"
    with pytest.raises(LockError, match="dua versi numpy"):
        dependency_lock.for_target(pins, target_environment("3.12", "win_amd64"))


def test_this_environment_is_the_dev_lock():
    """What the tests run on is what the lock says (scripts/test.sh installs it with --require-hashes)."""
    environment = target_environment(f"{sys.version_info[0]}.{sys.version_info[1]}", "manylinux_x86_64")
    chosen = dependency_lock.for_target(lock("dev"), environment)
    other = {name: (str(pin.version), installed_version(name)) for name, pin in chosen.items()
             if installed_version(name) != str(pin.version)}
    assert other == {}, "the venv is not the lock's (locked, installed): bash scripts/test.sh installs it"


def installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def test_the_lock_of_a_requirement_with_extras_reaches_the_extras_packages():
    """psycopg[binary] (the center's) needs psycopg-binary: asked through the extra, it is in the closure."""
    environment = target_environment("3.13", "manylinux_x86_64")
    chosen = dependency_lock.for_target(lock("dev"), environment)
    requires = {"psycopg": ["psycopg-binary==3.3.9; implementation_name != 'pypy' and extra == 'binary'"]}
    roots = [Requirement("psycopg[binary]==3.3.9")]
    subset = {name: chosen[name] for name in ("psycopg", "psycopg-binary")}
    assert dependency_lock.unmet(subset, roots, environment, lambda pin: requires.get(pin.name, [])) == []
    assert dependency_lock.unmet(subset, [Requirement("psycopg==3.3.9")], environment,
                                 lambda pin: requires.get(pin.name, [])) == [
        "psycopg-binary==3.3.9 terpilih tetapi tidak diminta paket mana pun."]


# --- what `release build` gathers: the wheel's own lock, exactly ---------------------------------------

def test_a_wheel_whose_lock_differs_from_its_requirements_is_refused_before_any_download(tmp_path):
    """A wheel built after flask's pin was raised in pyproject alone: its lock is not the tested one."""
    requirements = [r.replace("flask==3.1.3", "flask==3.1.4") for r in PROJECT["dependencies"]]
    wheel = made_wheel(tmp_path, "0.3.0", requires=tuple(requirements),
                       lock=(ROOT / dependency_lock.OFFICE_LOCK).read_text())
    with pytest.raises(ReleaseError) as refused:
        candidate_build.gather(release_wheel.read_app_wheel(wheel), SUPPORTED, list(PLATFORMS), tmp_path / "wheel",
                             say=lambda line: None)
    assert "tidak cocok dengan daftar versi teruji di dalamnya" in str(refused.value)
    assert "- loket-kecamatan meminta flask==3.1.4, daftar versi memberi flask==3.1.3. (semua kombinasi)" \
        in str(refused.value)
    assert not (tmp_path / "wheel-per-target").exists() and not (tmp_path / "wheel").exists()


def test_a_wheel_without_its_lock_is_refused(tmp_path):
    wheel = made_wheel(tmp_path, "0.3.0", requires=tuple(PROJECT["dependencies"]))
    with pytest.raises(ReleaseError, match="tidak membawa daftar versi teruji"):
        candidate_build.gather(release_wheel.read_app_wheel(wheel), ["3.13"], ["win_amd64"], tmp_path / "wheel",
                             say=lambda line: None)
    assert not (tmp_path / "wheel-per-target").exists()


def test_the_projects_requirements_are_met_by_its_lock_for_every_target(tmp_path):
    wheel = made_wheel(tmp_path, "0.3.0", requires=tuple(PROJECT["dependencies"]),
                       lock=(ROOT / dependency_lock.OFFICE_LOCK).read_text())
    targets = [(python, platform) for platform in PLATFORMS for python in SUPPORTED]
    chosen = candidate_build.locked_targets(release_wheel.read_app_wheel(wheel), targets)
    assert "lepton-jpeg-python" in chosen[("3.14", "win_amd64")]
    assert "lepton-jpeg-python" not in chosen[("3.15", "win_amd64")]
    assert "pywin32-ctypes" in chosen[("3.15", "win_amd64")]
    assert "pywin32-ctypes" not in chosen[("3.15", "manylinux_x86_64")]
    assert {str(chosen[(python, "win_amd64")]["numpy"].version) for python in SUPPORTED} == {"2.4.6", "2.5.5"}


@pytest.mark.slow  # downloads from PyPI (pip's cache after the first run)
def test_the_gathered_wheels_are_exactly_the_locks_files(tmp_path):
    """The release of today's pyproject and lock, for the Python running the tests on Linux: one wheel
    of each locked package, at the lock's version, with one of the lock's sha256."""
    wheel = made_wheel(tmp_path, "0.3.0", requires=tuple(PROJECT["dependencies"]),
                       lock=(ROOT / dependency_lock.OFFICE_LOCK).read_text())
    app = release_wheel.read_app_wheel(wheel)
    wheels, closure = candidate_build.gather(app, [THIS_PYTHON], ["manylinux_x86_64"], tmp_path / "wheel",
                                           say=lambda line: None)
    chosen = dependency_lock.for_target(lock("office"), target_environment(THIS_PYTHON, "manylinux_x86_64"))
    got = {canonicalize_name(parse_wheel_filename(path.name)[0]): path for path in wheels}
    assert sorted(got) == sorted(chosen)
    for name, path in got.items():
        assert parse_wheel_filename(path.name)[1] == chosen[name].version, name
        assert "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest() in chosen[name].hashes, name
    assert closure == {f"{THIS_PYTHON}-manylinux_x86_64": sorted(path.name for path in wheels)}


@pytest.mark.slow  # downloads from PyPI
def test_a_lock_that_lacks_a_package_a_locked_wheel_needs_is_refused(tmp_path):
    """flask's own Requires-Dist, read from its downloaded wheel, names werkzeug; the lock has none."""
    wheel = made_wheel(tmp_path, "0.3.0", requires=("flask==3.1.3",),
                       lock=locked("flask", "blinker", "click", "itsdangerous", "jinja2", "markupsafe"))
    with pytest.raises(ReleaseError) as refused:
        candidate_build.gather(release_wheel.read_app_wheel(wheel), ["3.13"], ["manylinux_x86_64"], tmp_path / "wheel",
                             say=lambda line: None)
    assert "tidak lengkap" in str(refused.value)
    assert "- flask meminta werkzeug>=3.1.0, daftar versi memberi tidak ada. (semua kombinasi)" in str(refused.value)
    assert not (tmp_path / "wheel").exists()


@pytest.mark.slow  # builds the release wheel (pip wheel)
def test_the_release_wheel_carries_the_tested_office_lock_and_its_requirements_are_met(tmp_path):
    """The wheel as the project builds it (docs/operations.md) holds the tree's office lock, byte for
    byte, and `release build` takes it for every target without a stale line."""
    app = release_wheel.read_app_wheel(build_release_wheel(tmp_path))
    assert app.lock == (ROOT / dependency_lock.OFFICE_LOCK).read_text(encoding="utf-8")
    targets = [(python, platform) for platform in PLATFORMS for python in SUPPORTED]
    chosen = candidate_build.locked_targets(app, targets)
    assert len(chosen) == 10 and all("flask" in lines for lines in chosen.values())


def small_wheel(folder: Path, name: str, version: str, requires: tuple = ()) -> Path:
    """A wheel of a package of no use, for pip to download from a folder (no index)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                       + "".join(f"Requires-Dist: {r}\n" for r in requires))
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                       "Tag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path


def lock_line(wheel: Path, digest: str | None = None) -> str:
    name, version = wheel.name.split("-")[:2]
    digest = digest or hashlib.sha256(wheel.read_bytes()).hexdigest()
    return f"{name}=={version} --hash=sha256:{digest}\n    # via loket-kecamatan\n"


@pytest.fixture
def folder_index(tmp_path, monkeypatch) -> Path:
    """pip reads wheels from one folder only (this machine's pip settings set aside)."""
    for name in ("PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "indeks"))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    return tmp_path / "indeks"


def test_a_dependency_file_other_than_the_locks_is_refused_by_its_sha256(tmp_path, folder_index):
    """The file pip finds is not the one CI tested (changed on the index or on the way)."""
    small = small_wheel(folder_index, "zzz_kecil", "1.0")
    app = release_wheel.read_app_wheel(made_wheel(tmp_path, "0.3.0", requires=("zzz-kecil==1.0",),
                                                  lock=lock_line(small, "0" * 64)))
    with pytest.raises(ReleaseError) as refused:
        candidate_build.gather(app, ["3.13"], ["win_amd64"], tmp_path / "wheel", say=lambda line: None)
    assert "- Python 3.13 di Windows 64-bit: berkas yang diunduh tidak sama dengan sidik sha256" in str(refused.value)
    assert not (tmp_path / "wheel").exists()
    app = release_wheel.read_app_wheel(made_wheel(tmp_path / "lagi", "0.3.0", requires=("zzz-kecil==1.0",),
                                                  lock=lock_line(small)))
    wheels, _ = candidate_build.gather(app, ["3.13"], ["win_amd64"], tmp_path / "wheel", say=lambda line: None)
    assert [path.name for path in wheels] == [small.name]  # the same file with the lock's sha256 is taken


def test_a_lock_missing_what_a_locked_wheel_asks_for_is_refused(tmp_path, folder_index):
    """zzz-kecil's own Requires-Dist names zzz-bawah (on Windows only); the lock has no line of it."""
    small = small_wheel(folder_index, "zzz_kecil", "1.0", ("zzz-bawah>=2; sys_platform == 'win32'",))
    app = release_wheel.read_app_wheel(made_wheel(tmp_path, "0.3.0", requires=("zzz-kecil==1.0",),
                                                  lock=lock_line(small)))
    with pytest.raises(ReleaseError) as refused:
        candidate_build.gather(app, ["3.13"], ["win_amd64", "manylinux_x86_64"], tmp_path / "wheel",
                             say=lambda line: None)
    assert "- zzz-kecil meminta zzz-bawah>=2, daftar versi memberi tidak ada. (Python 3.13 di Windows 64-bit)" \
        in str(refused.value)
    assert not (tmp_path / "wheel").exists()


def test_a_lock_checked_out_on_windows_reads_the_same():
    """git on Windows may write the lock with CRLF line ends: the same lines, hashes and parents."""
    text = (ROOT / dependency_lock.OFFICE_LOCK).read_text(encoding="utf-8")
    assert dependency_lock.parse(text.replace("\n", "\r\n")) == dependency_lock.parse(text)
    assert any(pin.parents for pin in dependency_lock.parse(text.replace("\n", "\r\n")))
